// ZooKeeper's quotas as data: where a path's limit and stats live under /zookeeper/quota
// (Quotas), the "count=..,bytes=.." text those nodes hold (StatsTrack), and the trie of
// paths that have a quota (PathTrie). Shared by the tree, the server's check and the shell,
// so all three read and write the nodes exactly as Apache ZooKeeper 3.8 does.

export const PROC_ZOOKEEPER = '/zookeeper';
export const QUOTA_ZOOKEEPER = '/zookeeper/quota';
export const LIMIT_NODE = 'zookeeper_limits';
export const STAT_NODE = 'zookeeper_stats';

/** Quotas.quotaPath: "/a" → "/zookeeper/quota/a". */
export const quotaPath = (path: string): string => QUOTA_ZOOKEEPER + path;
/** Quotas.limitPath: "/a" → "/zookeeper/quota/a/zookeeper_limits". */
export const limitPath = (path: string): string => `${QUOTA_ZOOKEEPER}${path}/${LIMIT_NODE}`;
/** Quotas.statPath: "/a" → "/zookeeper/quota/a/zookeeper_stats". */
export const statPath = (path: string): string => `${QUOTA_ZOOKEEPER}${path}/${STAT_NODE}`;
/** Quotas.trimQuotaPath: the length of "/zookeeper/quota" cut off, whatever follows. */
export const trimQuotaPath = (path: string): string => path.slice(QUOTA_ZOOKEEPER.length);

const COUNT = 'count';
const BYTES = 'bytes';
const COUNT_HARD_LIMIT = 'countHardLimit';
const BYTE_HARD_LIMIT = 'byteHardLimit';

/**
 * StatsTrack: key=value pairs. ZooKeeper writes count and bytes first, then, for readers
 * older than hard limits, an extra "=" and the other keys sorted after ";" —
 * "count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=5". Absent keys read as -1.
 */
export class StatsTrack {
  private readonly stats = new Map<string, number>();

  /** Throws QuotaFormatError where Java's parse throws (a value that is not a long). */
  constructor(text: string | Buffer | null = '') {
    const s = text === null ? '' : typeof text === 'string' ? text : text.toString('utf8');
    if (s.length === 0) return;
    const pairs = s.split(/[,;]+/);
    while (pairs.length > 0 && pairs[pairs.length - 1] === '') pairs.pop();
    for (const pair of pairs) {
      const kv = javaSplit(pair, '=');
      const key = kv[0] ?? '';
      const raw = kv[1];
      if (raw === undefined) throw new QuotaFormatError(`no value for "${key}" in "${s}"`);
      this.stats.set(key, raw === '' ? -1 : parseJavaLong(raw, s));
    }
  }

  get count(): number {
    return this.get(COUNT);
  }
  set count(v: number) {
    this.stats.set(COUNT, v);
  }
  get bytes(): number {
    return this.get(BYTES);
  }
  set bytes(v: number) {
    this.stats.set(BYTES, v);
  }
  get countHardLimit(): number {
    return this.get(COUNT_HARD_LIMIT);
  }
  set countHardLimit(v: number) {
    this.stats.set(COUNT_HARD_LIMIT, v);
  }
  get byteHardLimit(): number {
    return this.get(BYTE_HARD_LIMIT);
  }
  set byteHardLimit(v: number) {
    this.stats.set(BYTE_HARD_LIMIT, v);
  }

  toString(): string {
    let out = `${COUNT}=${this.count},${BYTES}=${this.bytes}`;
    const rest = [...this.stats.keys()].filter((k) => k !== COUNT && k !== BYTES).sort(javaOrder);
    if (rest.length > 0) out += '=' + rest.map((k) => `;${k}=${this.stats.get(k)}`).join('');
    return out;
  }

  toBuffer(): Buffer {
    return Buffer.from(this.toString(), 'utf8');
  }

  private get(key: string): number {
    return this.stats.get(key) ?? -1;
  }
}

export class QuotaFormatError extends Error {
  override readonly name = 'QuotaFormatError';
}

/**
 * PathTrie: the paths that have a quota. A path's quota is that of its deepest ancestor
 * (itself included) in the trie. Deleting a path takes its mark off (and its trie node,
 * when nothing is below it): a nested quota below it stays.
 */
export class PathTrie {
  private readonly root: TrieNode = { children: new Map(), property: false };

  addPath(path: string): void {
    let node = this.root;
    for (const part of components(path)) {
      let child = node.children.get(part);
      if (!child) node.children.set(part, (child = { children: new Map(), property: false }));
      node = child;
    }
    node.property = true;
  }

  deletePath(path: string): void {
    const parts = components(path);
    let parent: TrieNode | undefined;
    let node = this.root;
    for (const part of parts) {
      const child = node.children.get(part);
      if (!child) return;
      parent = node;
      node = child;
    }
    if (!parent) return;
    node.property = false;
    if (node.children.size === 0) parent.children.delete(parts[parts.length - 1]!);
  }

  /** The deepest path with a quota on the way to `path`; "/" when none. */
  findMaxPrefix(path: string): string {
    // No quota anywhere (the common case): every write asks, so answer without splitting.
    if (this.root.children.size === 0) return '/';
    let node = this.root;
    let deepest = -1;
    const parts = components(path);
    for (let i = 0; i < parts.length; i++) {
      const child = node.children.get(parts[i]!);
      if (!child) break;
      if (child.property) deepest = i;
      node = child;
    }
    return deepest < 0 ? '/' : '/' + parts.slice(0, deepest + 1).join('/');
  }

  clear(): void {
    this.root.children.clear();
  }
}

interface TrieNode {
  children: Map<string, TrieNode>;
  property: boolean;
}

/** PathUtils.getTopNamespace: "/a/b" → "a"; none for "/" or "". */
export function topNamespace(path: string): string | undefined {
  const parts = javaSplit(path, '/');
  return parts.length > 1 ? parts[1] : undefined;
}

/** The trie's split: path components, blank ones dropped. */
function components(path: string): string[] {
  return path.split('/').filter((t) => t.trim() !== '');
}

/** Java's String.split: trailing empty strings are removed. */
export function javaSplit(s: string, sep: string): string[] {
  const parts = s.split(sep);
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** Long.parseLong: an optional sign and decimal digits, nothing else. */
function parseJavaLong(raw: string, whole: string): number {
  if (!/^[+-]?\d+$/.test(raw)) throw new QuotaFormatError(`"${raw}" is not a number in "${whole}"`);
  return Number(raw);
}

/** String.compareTo: by UTF-16 code unit. */
function javaOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
