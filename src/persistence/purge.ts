// PurgeTxnLog: keep the newest `retain` valid snapshots and the logs needed to replay from
// the oldest of them; delete older snapshots and logs. Used by autopurge and by
// `zookeeper-ts purge` (zkCleanup.sh). The rule is Apache's, file for file: what it keeps
// and deletes on a directory, ours keeps and deletes.
import { closeSync, openSync, readSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { listLogs } from './file-txn-log';
import { listSnapshots } from './file-snap';

/** ZooKeeper's minimum: fewer retained snapshots would leave no fallback for a bad one. */
export const MIN_SNAP_RETAIN_COUNT = 3;

/** A file purge removed, with when it was last written (PurgeTxnLog prints both). */
export interface PurgedFile {
  path: string;
  modified_ms: number;
}

export interface PurgeResult {
  deleted: PurgedFile[];
  retainedSnapshots: string[];
}

/**
 * snapDir and logDir hold version-2. The oldest of the `retain` newest valid snapshots is
 * the line: snapshots and logs named below it go, except the newest log named at or below
 * it (it may hold the txns right after that snapshot). With fewer valid snapshots than
 * `retain`, the line is the oldest valid one all the same, as Apache's; with none, nothing goes.
 */
export function purge(snapDir: string, logDir: string, retain: number): PurgeResult {
  if (retain < MIN_SNAP_RETAIN_COUNT) throw new Error(`snapRetainCount must be at least ${MIN_SNAP_RETAIN_COUNT}, not ${retain}`);
  const snapV2 = join(snapDir, 'version-2');
  const logV2 = join(logDir, 'version-2');
  const kept: { name: string; zxid: number }[] = [];
  for (const s of listSnapshots(snapV2)) {
    // newest first
    if (kept.length === retain) break;
    if (isValidSnapshot(join(snapV2, s.name))) kept.push(s);
  }
  const line = kept.at(-1)?.zxid;
  if (line === undefined) return { deleted: [], retainedSnapshots: [] };
  const logs = listLogs(logV2); // oldest first
  const neededLog = logs.filter((l) => l.zxid <= line).at(-1);
  const doomed = [
    ...logs.filter((l) => l.zxid < line && l !== neededLog).map((l) => join(logV2, l.name)),
    ...listSnapshots(snapV2).filter((s) => s.zxid < line).reverse().map((s) => join(snapV2, s.name)),
  ];
  const deleted: PurgedFile[] = [];
  for (const path of doomed) {
    const modified_ms = statSync(path).mtimeMs;
    unlinkSync(path);
    deleted.push({ path, modified_ms });
  }
  return { deleted, retainedSnapshots: kept.map((s) => s.name) };
}

/** The bytes a complete snapshot ends with: the int 1 and the path "/" (SnapStream's check). */
const SNAPSHOT_END = Buffer.from([0, 0, 0, 1, 0x2f]);
/** SnapStream.isValidSnapshot: shorter than this, a snapshot cannot even hold its header. */
const SNAPSHOT_MIN_bytes = 10;

/** Whether a snapshot was written to its end (a crash mid-write leaves one that is not). */
export function isValidSnapshot(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const size = statSync(path).size;
    if (size < SNAPSHOT_MIN_bytes) return false;
    const tail = Buffer.alloc(SNAPSHOT_END.length);
    readSync(fd, tail, 0, tail.length, size - tail.length);
    return tail.equals(SNAPSHOT_END);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
