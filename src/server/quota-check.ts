// ZooKeeperServer.checkQuota: prepare's look at a create or setData against the quota that
// covers its path. Past a soft limit: a warning in the log; past a hard limit (3.7+):
// QUOTAEXCEEDED and the namespace's quota_exceeded_error_per_namespace counted. Only when
// zookeeper.enforceQuota is on (zoo.cfg enforceQuota=true), as in Apache ZooKeeper; off,
// nothing is checked and nothing is logged.
//
// Where ZooKeeper reads what: the limit and the stats from the tree as applied (not the
// outstanding changes), the node's current data from prepare's change record.
import { OpCode } from '../jute/constants';
import { Code, KeeperError } from '../jute/keeper-error';
import type { RateLogger } from '../log/rate-logger';
import type { DataTree } from '../tree/data-tree';
import { limitPath, QuotaFormatError, StatsTrack, statPath, topNamespace } from '../tree/quotas';

export interface QuotaCheckOptions {
  enforceQuota: boolean;
  log: RateLogger;
  /** An error line for what should not happen (a quota without its limit or stats node). */
  error(line: string): void;
  /** A write refused by a hard limit, by its path's top namespace. */
  exceeded(namespace: string): void;
}

export type QuotaCheck = (path: string, lastData: Buffer | null, data: Buffer | null, type: number) => void;

export function quotaCheck(tree: DataTree, opts: QuotaCheckOptions): QuotaCheck {
  return (path, lastData, data, type) => {
    if (!opts.enforceQuota) return;
    const prefix = tree.quotas.maxPrefixWithQuota(path);
    if (prefix === undefined) return;
    const dataBytes = data?.length ?? 0;
    const namespace = topNamespace(path);
    if (type === OpCode.setData) check(prefix, dataBytes - (lastData?.length ?? 0), 0, namespace);
    else check(prefix, dataBytes, 1, namespace);
  };

  function check(prefix: string, bytesDiff: number, countDiff: number, namespace: string | undefined): void {
    const limitNode = limitPath(prefix);
    const limit = readStats(limitNode, 'Missing limit node for quota');
    if (!limit) return;
    const checkCount = countDiff !== 0 && (limit.count > -1 || limit.countHardLimit > -1);
    const checkBytes = bytesDiff !== 0 && (limit.bytes > -1 || limit.byteHardLimit > -1);
    if (!checkCount && !checkBytes) return;
    const current = readStats(statPath(prefix), 'Missing node for stat');
    if (!current) return;
    if (checkCount) {
      const hard = limit.countHardLimit > -1;
      const newCount = current.count + countDiff;
      const countLimit = hard ? limit.countHardLimit : limit.count;
      if (newCount > countLimit) exceeded(prefix, `current count=${newCount}, ${hard ? 'hard' : 'soft'}CountLimit=${countLimit}`, hard, namespace);
    }
    if (checkBytes) {
      const hard = limit.byteHardLimit > -1;
      const newBytes = current.bytes + bytesDiff;
      const byteLimit = hard ? limit.byteHardLimit : limit.bytes;
      if (newBytes > byteLimit) exceeded(prefix, `current bytes=${newBytes}, ${hard ? 'hard' : 'soft'}ByteLimit=${byteLimit}`, hard, namespace);
    }
  }

  function exceeded(prefix: string, what: string, hard: boolean, namespace: string | undefined): void {
    opts.log.rateLimitLog(`Quota exceeded: ${prefix} [${what}]`);
    if (!hard) return;
    if (namespace !== undefined) opts.exceeded(namespace);
    throw new KeeperError(Code.QUOTAEXCEEDED, prefix);
  }

  /** The node's StatsTrack; undefined, with ZooKeeper's error line (`missing`), when there is no such node. */
  function readStats(path: string, missing: string): StatsTrack | undefined {
    const node = tree.getNode(path);
    if (!node) {
      opts.error(`${missing} ${path}`);
      return undefined;
    }
    try {
      return new StatsTrack(node.data);
    } catch (e) {
      if (!(e instanceof QuotaFormatError)) throw e;
      // ZooKeeper's parse throws here and the request fails as a marshalling error.
      throw new KeeperError(Code.MARSHALLINGERROR, path);
    }
  }
}
