// PurgeTxnLog: keep the newest `retain` snapshots and the logs needed to replay from the
// oldest of them; delete older snapshots and logs. Used by autopurge and by
// `zookeeper-ts purge` (zkCleanup.sh).
import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { listLogs } from './file-txn-log';
import { listSnapshots } from './file-snap';

/** ZooKeeper's minimum: fewer retained snapshots would leave no fallback for a bad one. */
export const MIN_SNAP_RETAIN_COUNT = 3;

export interface PurgeResult {
  deleted: string[];
  retainedSnapshots: string[];
}

export function purge(dataDir: string, dataLogDir: string, retain: number): PurgeResult {
  if (retain < MIN_SNAP_RETAIN_COUNT) throw new Error(`snapRetainCount must be at least ${MIN_SNAP_RETAIN_COUNT}, not ${retain}`);
  const snapDir = join(dataDir, 'version-2');
  const logDir = join(dataLogDir, 'version-2');
  const snaps = listSnapshots(snapDir); // newest first
  if (snaps.length <= retain) return { deleted: [], retainedSnapshots: snaps.map((s) => s.name) };
  const kept = snaps.slice(0, retain);
  const oldestKept = kept[kept.length - 1]!.zxid;
  // The log holding oldestKept + 1 is the newest one starting at or below it.
  const logs = listLogs(logDir); // oldest first
  let firstNeeded = 0;
  for (let i = 0; i < logs.length; i++) if (logs[i]!.zxid <= oldestKept) firstNeeded = i;
  const deleted: string[] = [];
  for (const s of snaps.slice(retain)) {
    unlinkSync(join(snapDir, s.name));
    deleted.push(join(snapDir, s.name));
  }
  for (const l of logs.slice(0, firstNeeded)) {
    unlinkSync(join(logDir, l.name));
    deleted.push(join(logDir, l.name));
  }
  return { deleted, retainedSnapshots: kept.map((s) => s.name) };
}
