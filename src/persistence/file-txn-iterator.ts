// The txn log read and cut by zxid, across its files (Apache's FileTxnIterator and
// FileTxnLog.truncate / getLastLoggedZxid): the txns from a zxid on, for a leader's DIFF
// beyond its in-memory window; every txn after a zxid dropped, for a learner's TRUNC; the
// last txn logged.
import { closeSync, fsyncSync, ftruncateSync, openSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Txn } from '../tree/txn';
import { fsyncDir } from './file-snap';
import { listLogs, readLogFile } from './file-txn-log';

export interface TxnLogRange {
  /**
   * The bytes of the log files the range reads (FileTxnIterator.getStorageSize): what a
   * leader weighs against the snapshot's size before it sends a DIFF from the log.
   */
  storageSize_bytes: number;
  /**
   * The zxid the range's first file is named for (a log is named for its first txn), or
   * undefined when there is no log: whether the range can reach back to a zxid is known
   * without reading it.
   */
  firstZxid: number | undefined;
  /** The txns, oldest first, from the start of the log file that holds the start zxid (as Apache's, not fast-forwarded). */
  txns: Iterable<Txn>;
}

/**
 * FileTxnIterator(logDir, startZxid, fastForward = false): the newest log starting at or
 * before startZxid and every later one. Files are read one at a time, as consumed; a torn
 * tail ends that file's txns (a crash, or an append in progress).
 */
export function readTxnLog(dir: string, startZxid: number): TxnLogRange {
  const logs = listLogs(dir);
  let first = 0;
  for (let i = 0; i < logs.length; i++) if (logs[i]!.zxid <= startZxid) first = i;
  const files = logs.slice(first).map((f) => join(dir, f.name));
  let size = 0;
  for (const f of files) size += statSync(f, { throwIfNoEntry: false })?.size ?? 0;
  function* txns(): Generator<Txn> {
    for (const f of files) yield* readLogFile(f).txns;
  }
  return { storageSize_bytes: size, firstZxid: logs[first]?.zxid, txns: txns() };
}

/**
 * FileTxnLog.getLastLoggedZxid: the last txn of the newest log. Apache answers with the
 * newest file's name when that file holds no whole txn (a crash right after it was made),
 * a zxid never logged; we look at the file before it instead. -1 when no log holds a txn.
 */
export function lastLoggedZxid(dir: string): number {
  const logs = listLogs(dir);
  for (let i = logs.length - 1; i >= 0; i--) {
    const read = readLogFile(join(dir, logs[i]!.name));
    if (read.txns.length > 0) return read.txns[read.txns.length - 1]!.hdr.zxid;
  }
  return -1;
}

export interface Truncated {
  /** The log that now ends with the last txn at or before zxid, if any. */
  cut?: string;
  /** The later logs, deleted. */
  removed: string[];
}

/**
 * FileTxnLog.truncate: every txn after zxid goes. The log holding zxid is cut just past
 * its record (its preallocated zeros and any torn tail go with the rest), the logs after it
 * are deleted, and both are durable on return. The next append starts a new log file, as
 * Apache's (its FileTxnLog is made afresh after a truncate). Apache positions its cut by
 * reading up to the first txn at or past zxid, so a zxid missing from the log would keep
 * the txn after it; here the cut is after the last txn at or below zxid.
 */
export function truncateLog(dir: string, zxid: number): Truncated {
  const logs = listLogs(dir);
  const removed: string[] = [];
  let cut: string | undefined;
  // Newest first: the later files go before the one holding zxid is cut, so a crash in
  // between leaves a log without a gap.
  for (let i = logs.length - 1; i >= 0; i--) {
    const f = logs[i]!;
    const path = join(dir, f.name);
    if (f.zxid > zxid) {
      rmSync(path, { force: true });
      removed.push(f.name);
      continue;
    }
    const read = readLogFile(path);
    let keep = read.txns.length - 1;
    while (keep >= 0 && read.txns[keep]!.hdr.zxid > zxid) keep--;
    if (keep < 0) {
      // Named at or before zxid but holding nothing up to it (made just before a crash):
      // nothing in it is kept, and the older log ends the history.
      rmSync(path, { force: true });
      removed.push(f.name);
      continue;
    }
    const end = read.ends[keep]!;
    const fd = openSync(path, 'r+');
    try {
      ftruncateSync(fd, end);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    cut = f.name;
    break;
  }
  fsyncDir(dir);
  return { cut, removed };
}
