// The server's durable state (FileTxnSnapLog + ZKDatabase): the txn log under
// dataLogDir/version-2 and snapshots under dataDir/version-2. Restores the tree and
// sessions at start (newest valid snapshot, then the logs after it), persists each batch
// of txns with one fsync, and every snapCount txns or so rolls the log and snapshots.
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { OpCode } from '../jute/constants';
import { Code } from '../jute/keeper-error';
import type { DataTree } from '../tree/data-tree';
import type { Txn } from '../tree/txn';
import { listLogs, readLogFile, FileTxnLog } from './file-txn-log';
import { prepareVersionDir } from './data-dirs';
import { fsyncDir, listSnapshots, SNAPSHOT_TMP_FILE, writeSnapshot } from './file-snap';
import { readSnapshot } from './snapshot-reader';
import { lastLoggedZxid, readTxnLog, truncateLog, type Truncated, type TxnLogRange } from './file-txn-iterator';

export interface PersistenceOptions {
  dataDir: string;
  dataLogDir: string;
  preAllocSize_bytes: number;
  snapCount: number;
  log: { info(line: string): void; warn(line: string): void };
  /** Told of each snapshot written, and how long it took (the snapshottime metric). */
  snapshotWritten?(zxid: number, took_ms: number): void;
}

/** The newest snapshot on disk: written by us, or the one restored from (last_snapshot). */
export interface SnapshotInfo {
  zxid: number;
  /** When it was written, in seconds since the epoch, as ZooKeeper reports it. */
  timestamp_s: number;
}

export interface Restored {
  sessions: Map<bigint, number>;
  lastZxid: number;
  snapshotZxid: number;
  txnsReplayed: number;
  snapLoad_ms: number;
  txnsLoad_ms: number;
  /** Where the snapshot file was parsed when not simply here (snapshot-reader.ts), for the log line. */
  snapshotParsedOn: string | undefined;
}

export class FileTxnSnapLog {
  readonly snapDir: string;
  readonly logDir: string;
  private readonly txnLog: FileTxnLog;
  private snapshotting = false;
  lastSnapshot: SnapshotInfo | undefined;
  /** ZooKeeper spreads snapshots of an ensemble apart with a random share of snapCount. */
  private randRoll: number;

  constructor(private readonly opts: PersistenceOptions) {
    this.snapDir = prepareVersionDir('dataDir', opts.dataDir);
    this.logDir = prepareVersionDir('dataLogDir', opts.dataLogDir);
    this.txnLog = new FileTxnLog(this.logDir, opts.preAllocSize_bytes);
    // A snapshot cut short by a crash never got its name: its temporary file goes.
    for (const f of readdirSync(this.snapDir)) if (SNAPSHOT_TMP_FILE.test(f)) rmSync(join(this.snapDir, f), { force: true });
    this.randRoll = this.nextRandRoll();
  }

  /**
   * Loads the newest snapshot that checks out into `tree`, then replays the logs after it;
   * `onTxnLoaded` sees each replayed txn (ZKDatabase fills its committed-proposal window so).
   */
  restore(tree: DataTree, onTxnLoaded?: (txn: Txn) => void): Restored {
    const started = performance.now();
    const snaps = listSnapshots(this.snapDir);
    const logs = listLogs(this.logDir);
    let sessions = new Map<bigint, number>();
    let snapshotZxid = 0;
    let snapshotParsedOn: string | undefined;
    if (snaps.length === 0) {
      if (logs.length > 0) {
        throw new Error(`${this.logDir} holds transaction logs but ${this.snapDir} no snapshot: refusing to start from a partial history`);
      }
    } else {
      let loaded = false;
      for (const s of snaps) {
        try {
          const snap = readSnapshot(join(this.snapDir, s.name), s.zxid);
          tree.loadNodes(snap.batches, snap.zxid, snap.acls);
          sessions = snap.sessions;
          snapshotZxid = snap.zxid;
          if (snap.readOn === 'worker') snapshotParsedOn = 'a worker thread';
          else if (snap.workerFailure !== undefined) snapshotParsedOn = `the serving thread, for want of a worker thread (${snap.workerFailure})`;
          this.lastSnapshot = { zxid: snap.zxid, timestamp_s: Math.floor(statSync(join(this.snapDir, s.name)).mtimeMs / 1000) };
          loaded = true;
          break;
        } catch (e) {
          this.opts.log.warn(`skipping snapshot ${s.name}: ${(e as Error).message}`);
        }
      }
      if (!loaded) throw new Error(`no valid snapshot in ${this.snapDir}`);
    }

    // The log that holds snapshotZxid + 1 starts at or before it: the newest one starting
    // at or below the snapshot, and every later one.
    const snapLoaded = performance.now();
    let first = 0;
    for (let i = 0; i < logs.length; i++) if (logs[i]!.zxid <= snapshotZxid) first = i;
    let replayed = 0;
    // readLogFile leaves out what the snapshot holds; a txn twice in the logs is applied once.
    let lastReplayed = snapshotZxid;
    for (const f of logs.slice(first)) {
      const read = readLogFile(join(this.logDir, f.name), snapshotZxid);
      if (read.tornTail) this.opts.log.warn(`${f.name}: a torn record at offset ${read.validEnd} (a crash during a write) is ignored`);
      for (const txn of read.txns) {
        // Only txns after the snapshot's zxid; a fuzzy snapshot may already show some of
        // their effects, and applying them again leaves the same tree.
        if (txn.hdr.zxid <= lastReplayed) continue;
        lastReplayed = txn.hdr.zxid;
        applySessionTxn(sessions, txn);
        const rc = tree.processTxn(txn.hdr, txn.body);
        if (rc.err === Code.NODEEXISTS && 'parentCVersion' in txn.body) {
          tree.replayedCreateExisted(txn.body.path, txn.body.parentCVersion, txn.hdr.zxid);
        }
        onTxnLoaded?.(txn);
        replayed++;
      }
    }
    return {
      sessions,
      lastZxid: tree.lastProcessedZxid,
      snapshotZxid,
      txnsReplayed: replayed,
      snapLoad_ms: snapLoaded - started,
      txnsLoad_ms: performance.now() - snapLoaded,
      snapshotParsedOn,
    };
  }

  /** The persist stage: resolves once the batch is on disk. */
  persist(txns: Txn[]): Promise<void> {
    return this.txnLog.append(txns);
  }

  /**
   * After a batch is applied: once enough txns went by, roll the log and snapshot in the
   * background (in slices, clients served in between); one snapshot at a time.
   */
  afterApply(tree: DataTree, sessions: () => Map<bigint, number>): void {
    if (this.snapshotting || this.txnLog.txnsInCurrentLog <= this.opts.snapCount / 2 + this.randRoll) return;
    this.randRoll = this.nextRandRoll();
    this.snapshotting = true;
    this.txnLog.rollLog();
    const started = performance.now();
    const zxid = tree.lastProcessedZxid;
    writeSnapshot(this.snapDir, tree, sessions(), zxid, () => new Promise((r) => setImmediate(r)))
      .then((name) => {
        this.snapshotDone(zxid, started);
        this.opts.log.info(`snapshot ${name} written in the background in ${(performance.now() - started).toFixed(0)} ms`);
      })
      // The log holds everything the snapshot would: a failed snapshot loses nothing.
      .catch((e: Error) => this.opts.log.warn(`snapshot failed: ${e.message}`))
      .finally(() => (this.snapshotting = false));
  }

  /** Rolls the log and writes snapshot.<last applied zxid> at once (at start). */
  async takeSnapshot(tree: DataTree, sessions: Map<bigint, number>): Promise<void> {
    this.txnLog.rollLog();
    const started = performance.now();
    const zxid = tree.lastProcessedZxid;
    const name = await writeSnapshot(this.snapDir, tree, sessions, zxid);
    this.snapshotDone(zxid, started);
    this.opts.log.info(`snapshot ${name} written in ${(performance.now() - started).toFixed(0)} ms`);
  }

  /**
   * The snapshot after a restore (ZooKeeperServer.loadData's takeSnapshot), unless the
   * newest snapshot on disk already is the restored state: it was loaded and no txn came
   * after it. That snapshot would be written again at the same zxid with the same content
   * (a million znodes: seconds of start); Apache writes it regardless.
   */
  async snapshotAfterRestore(tree: DataTree, sessions: Map<bigint, number>, restored: Restored): Promise<void> {
    const newest = listSnapshots(this.snapDir)[0];
    if (restored.txnsReplayed === 0 && newest !== undefined && newest.zxid === restored.snapshotZxid && tree.lastProcessedZxid === restored.snapshotZxid) {
      this.opts.log.info(`snapshot ${newest.name} is the state loaded: not written again`);
      return;
    }
    await this.takeSnapshot(tree, sessions);
  }

  close(): void {
    this.txnLog.close();
  }

  /**
   * FileTxnSnapLog.truncateLog: every txn after zxid leaves the log (see truncateLog), and
   * the next append starts a new log file. Snapshots past zxid go as well: they hold those
   * txns, and a restore would load the newest of them (Apache 3.8 keeps them, and its
   * reload after a TRUNC can then come back with the very txns it was told to drop).
   */
  truncateLog(zxid: number): Truncated & { snapshotsRemoved: string[] } {
    this.txnLog.close();
    const truncated = truncateLog(this.logDir, zxid);
    const snapshotsRemoved: string[] = [];
    for (const s of listSnapshots(this.snapDir)) {
      if (s.zxid <= zxid) continue;
      rmSync(join(this.snapDir, s.name), { force: true });
      snapshotsRemoved.push(s.name);
    }
    if (snapshotsRemoved.length > 0) fsyncDir(this.snapDir);
    if (this.lastSnapshot && this.lastSnapshot.zxid > zxid) this.lastSnapshot = undefined;
    return { ...truncated, snapshotsRemoved };
  }

  /** The txns from the log that holds startZxid on (FileTxnSnapLog.readTxnLog, not fast-forwarded). */
  readTxnLog(startZxid: number): TxnLogRange {
    return readTxnLog(this.logDir, startZxid);
  }

  /** The last txn in the newest log, -1 when none (FileTxnSnapLog.getLastLoggedZxid). */
  getLastLoggedZxid(): number {
    return lastLoggedZxid(this.logDir);
  }

  /** The size of the newest snapshot, 0 when there is none (what calculateTxnLogSizeLimit weighs). */
  mostRecentSnapshotSize_bytes(): number {
    const newest = listSnapshots(this.snapDir)[0];
    return newest ? (statSync(join(this.snapDir, newest.name), { throwIfNoEntry: false })?.size ?? 0) : 0;
  }

  private snapshotDone(zxid: number, started: number): void {
    this.lastSnapshot = { zxid, timestamp_s: Math.floor(Date.now() / 1000) };
    this.opts.snapshotWritten?.(zxid, performance.now() - started);
  }

  private nextRandRoll(): number {
    return Math.floor(Math.random() * (this.opts.snapCount / 2));
  }
}

/** The sessions a snapshot plus log describe: created and closed by their txns. */
export function applySessionTxn(sessions: Map<bigint, number>, txn: Txn): void {
  if (txn.hdr.type === OpCode.createSession && txn.body.kind === 'createSession') sessions.set(txn.hdr.clientId, txn.body.timeOut);
  else if (txn.hdr.type === OpCode.closeSession) sessions.delete(txn.hdr.clientId);
}
