// The DataTree's quota bookkeeping, as ZooKeeper's DataTree keeps it: which paths have a
// quota (a zookeeper_limits node under /zookeeper/quota), and each such path's
// zookeeper_stats node kept at the count and bytes of its subtree on every create, delete
// and setData. The stats node is written in place, as ZooKeeper does: no zxid, no version,
// no change to the tree's data size (so zk_approximate_data_size moves as Apache's does).
// Recomputed from the tree when a snapshot is loaded (DataTree.setupQuota).
import { LIMIT_NODE, PathTrie, PROC_ZOOKEEPER, QUOTA_ZOOKEEPER, QuotaFormatError, STAT_NODE, StatsTrack, statPath, trimQuotaPath } from './quotas';

/** What the bookkeeping reads of the tree, and writes: a stats node's data. */
export interface QuotaNode {
  data: Buffer | null;
  /** The child names (a view: see DataNode.children). */
  children: Iterable<string> & { readonly size: number };
}

export class QuotaStats {
  private readonly trie = new PathTrie();

  constructor(
    private readonly getNode: (path: string) => QuotaNode | undefined,
    /** A line for what should not happen (a quota without its stats node); the tree has no log of its own. */
    private readonly warn: (line: string) => void,
  ) {}

  /** DataTree.getMaxPrefixWithQuota: the path whose quota covers `path`, if any (never "/"). */
  maxPrefixWithQuota(path: string): string | undefined {
    const prefix = this.trie.findMaxPrefix(path);
    return prefix === '/' || prefix === '' ? undefined : prefix;
  }

  /** After a node was added with `dataLength` bytes of data. */
  created(path: string, dataLength: number): void {
    const { parentName, childName } = split(path);
    if (parentName.startsWith(QUOTA_ZOOKEEPER)) {
      const quotaed = trimQuotaPath(parentName);
      // ZooKeeper's trie refuses the empty path (a limit node right under /zookeeper/quota).
      if (childName === LIMIT_NODE && quotaed !== '') this.trie.addPath(quotaed);
      if (childName === STAT_NODE) this.updateQuotaForPath(quotaed);
    }
    const prefix = this.maxPrefixWithQuota(path);
    if (prefix !== undefined) this.updateQuotaStat(prefix, dataLength, 1);
  }

  /** After a node with `dataLength` bytes of data was removed. */
  deleted(path: string, dataLength: number): void {
    const { parentName, childName } = split(path);
    // ZooKeeper tests /zookeeper here (not /zookeeper/quota) and cuts the quota prefix's length.
    if (parentName.startsWith(PROC_ZOOKEEPER) && childName === LIMIT_NODE && parentName.length > QUOTA_ZOOKEEPER.length) {
      this.trie.deletePath(trimQuotaPath(parentName));
    }
    const prefix = this.maxPrefixWithQuota(path);
    if (prefix !== undefined) this.updateQuotaStat(prefix, -dataLength, -1);
  }

  /** After a setData changed a node's data by `bytesDiff` bytes. */
  dataChanged(path: string, bytesDiff: number): void {
    const prefix = this.maxPrefixWithQuota(path);
    if (prefix !== undefined) this.updateQuotaStat(prefix, bytesDiff, 0);
  }

  /** DataTree.setupQuota, after a snapshot is loaded: the trie rebuilt, every stats node recomputed. */
  setup(): void {
    this.trie.clear();
    if (!this.getNode(QUOTA_ZOOKEEPER)) return;
    // Depth first over /zookeeper/quota; a leaf named zookeeper_limits marks a quota.
    const stack = [QUOTA_ZOOKEEPER];
    const end = `/${LIMIT_NODE}`;
    while (stack.length > 0) {
      const path = stack.pop()!;
      const node = this.getNode(path);
      if (!node) continue;
      if (node.children.size === 0) {
        if (path.endsWith(end)) {
          const realPath = path.slice(QUOTA_ZOOKEEPER.length, path.indexOf(end));
          this.updateQuotaForPath(realPath);
          if (realPath !== '') this.trie.addPath(realPath);
        }
        continue;
      }
      for (const child of node.children) stack.push(`${path}/${child}`);
    }
  }

  /** DataTree.updateQuotaStat: the stats node of `prefix` moved by the diffs. */
  private updateQuotaStat(prefix: string, bytesDiff: number, countDiff: number): void {
    const where = statPath(prefix);
    const node = this.getNode(where);
    if (!node) {
      this.warn(`Missing node for stat ${where}`);
      return;
    }
    const stats = this.read(where, node);
    if (!stats) return;
    stats.count += countDiff;
    stats.bytes += bytesDiff;
    node.data = stats.toBuffer();
  }

  /** DataTree.updateQuotaForPath: the stats node set to the subtree's count and bytes. */
  private updateQuotaForPath(path: string): void {
    let count = 0;
    let bytes = 0;
    const stack = [path];
    while (stack.length > 0) {
      const p = stack.pop()!;
      const n = this.getNode(p);
      if (!n) continue;
      count++;
      bytes += n.data?.length ?? 0;
      for (const c of n.children) stack.push(`${p}/${c}`);
    }
    const stats = new StatsTrack();
    stats.bytes = bytes;
    stats.count = count;
    const where = statPath(path);
    const node = this.getNode(where);
    if (!node) {
      this.warn(`Missing quota stat node ${where}`);
      return;
    }
    node.data = stats.toBuffer();
  }

  private read(where: string, node: QuotaNode): StatsTrack | undefined {
    try {
      return new StatsTrack(node.data);
    } catch (e) {
      if (!(e instanceof QuotaFormatError)) throw e;
      // ZooKeeper throws out of the txn's apply here; we keep the tree applying and say why.
      this.warn(`quota stats node ${where} is not readable (${e.message}); left as it is`);
      return undefined;
    }
  }
}

function split(path: string): { parentName: string; childName: string } {
  const lastSlash = path.lastIndexOf('/');
  return { parentName: path.slice(0, lastSlash), childName: path.slice(lastSlash + 1) };
}
