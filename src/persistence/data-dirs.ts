// dataDir and dataLogDir made ready at start: version-2 created under each and checked
// writable, before anything is loaded. A directory that cannot serve says which key, which
// path and what is wrong with it, not a bare errno.
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

export type DataDirKey = 'dataDir' | 'dataLogDir';

export class DataDirError extends Error {
  override readonly name = 'DataDirError';
}

/** Creates `dir`/version-2 if need be and checks the server may write there; returns it. */
export function prepareVersionDir(key: DataDirKey, dir: string): string {
  const versionDir = join(dir, 'version-2');
  try {
    makeDirectories(versionDir);
    // mkdir succeeds on a directory that is there already, writable or not: ask.
    accessSync(versionDir, constants.W_OK | constants.X_OK);
  } catch (e) {
    throw new DataDirError(`${key} ${dir}: ${whatIsWrong(e as NodeJS.ErrnoException, versionDir)}`);
  }
  return versionDir;
}

function whatIsWrong(e: NodeJS.ErrnoException, versionDir: string): string {
  const user = `the server's user (uid ${process.getuid?.() ?? '?'})`;
  switch (e.code) {
    case 'EEXIST':
    case 'ENOTDIR': {
      const file = firstNonDirectory(versionDir);
      return `cannot be made a directory: ${file ?? 'a path component'} is a file, not a directory (${e.code})`;
    }
    case 'EROFS':
      return `is on a read-only filesystem; the server must write its snapshots and logs there (EROFS)`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied: ${user} may not create or write ${versionDir} (${e.code}); chown it to that user or name another directory`;
    case 'ENOSPC':
      return `no space left on the device (ENOSPC)`;
    default:
      return `cannot be used: ${e.message}`;
  }
}

/**
 * mkdir -p, one level at a time: Node's recursive mkdir reports ENOENT for the leaf when a
 * parent could not be made (EROFS, EACCES), which hides the reason.
 */
function makeDirectories(path: string): void {
  const missing: string[] = [];
  for (let p = path; !existsSync(p); p = dirname(p)) {
    missing.unshift(p);
    if (dirname(p) === p) break;
  }
  for (const p of missing) mkdirSync(p);
  // A file at the leaf itself: mkdir made nothing, and the caller's access check would pass.
  if (missing.length === 0 && !statSync(path).isDirectory()) {
    throw Object.assign(new Error(`${path} is not a directory`), { code: 'ENOTDIR' });
  }
}

/** The first existing path, from the top down, that is there but is not a directory. */
function firstNonDirectory(path: string): string | undefined {
  const chain: string[] = [];
  for (let p = path; ; p = dirname(p)) {
    chain.unshift(p);
    if (dirname(p) === p) break;
  }
  for (const p of chain) {
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      return undefined; // nothing there: the error lies elsewhere
    }
    if (!isDir) return p;
  }
  return undefined;
}
