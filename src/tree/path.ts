// Znode paths: ZooKeeper's PathUtils.validatePath rules, and parent/child splitting.
import { Code, KeeperError } from '../jute/keeper-error';

/** Throws BADARGUMENTS for a path ZooKeeper would refuse. */
export function validatePath(path: string): void {
  const reason = invalidPathReason(path);
  if (reason !== undefined) throw new KeeperError(Code.BADARGUMENTS, path);
}

/** Why ZooKeeper refuses `path`, or undefined when it is valid. */
export function invalidPathReason(path: string): string | undefined {
  if (path.length === 0) return 'Path length must be > 0';
  if (path[0] !== '/') return 'Path must start with / character';
  if (path.length === 1) return undefined;
  if (path[path.length - 1] === '/') return 'Path must not end with / character';
  let last = '/';
  for (let i = 1; i < path.length; last = path[i]!, i++) {
    const ch = path[i]!;
    const c = path.charCodeAt(i);
    const endsSegment = i + 1 === path.length || path[i + 1] === '/';
    if (c === 0) return `null character not allowed @${i}`;
    if (ch === '/' && last === '/') return `empty node name specified @${i}`;
    if (ch === '.' && last === '.') {
      if (path[i - 2] === '/' && endsSegment) return `relative paths not allowed @${i}`;
    } else if (ch === '.') {
      if (path[i - 1] === '/' && endsSegment) return `relative paths not allowed @${i}`;
    } else if ((c > 0 && c <= 0x1f) || (c >= 0x7f && c <= 0x9f) || (c >= 0xd800 && c <= 0xf8ff) || c >= 0xfff0) {
      return `invalid character @${i}`;
    }
  }
  return undefined;
}

/** "/a/b" → "/a"; "/a" → "/". */
export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** "/a/b" → "b". */
export function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
