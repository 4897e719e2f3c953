// ZKDatabase: what a quorum peer keeps across role changes — the DataTree, the sessions
// with their timeouts, the committed-proposal window, the txn log and snapshots
// (FileTxnSnapLog) and the acceptedEpoch/currentEpoch files. A learner syncs it with its
// leader (LearnerDatabase); a leader diffs learners against it (the window, the log from a
// zxid, the snapshot stream).
import { Writer } from '../jute/codec';
import type { LearnerDatabase } from '../quorum/follow-leader';
import { snapshotStreamSlices, type StreamedSnapshot } from '../quorum/snapshot-stream';
import { zxidToString } from '../quorum/zxid';
import { DataTree } from '../tree/data-tree';
import type { Txn } from '../tree/txn';
import { CommittedLog, DEFAULT_COMMIT_LOG_COUNT, type Proposal } from './committed-log';
import { ACCEPTED_EPOCH_FILENAME, CURRENT_EPOCH_FILENAME, loadEpochs, writeLongToFile } from './epoch-files';
import { listSnapshots } from './file-snap';
import { listLogs } from './file-txn-log';
import { applySessionTxn, FileTxnSnapLog, type PersistenceOptions, type Restored } from './file-txn-snap-log';
import { encodeTxn } from './txn-codec';

/**
 * zookeeper.snapshotSizeFactor: a leader sends a DIFF from its txn log only when the log
 * files it would read are at most this share of the newest snapshot's size (past that, a
 * SNAP is cheaper). Apache's default; above 1 Apache falls back to it; below 0 turns DIFF
 * from the log off.
 */
export const DEFAULT_SNAPSHOT_SIZE_FACTOR = 0.33;

export interface ZKDatabaseOptions extends PersistenceOptions {
  /** zookeeper.commitLogCount (raised to 500, as Apache raises it). */
  commitLogCount?: number;
  snapshotSizeFactor?: number;
}

interface QueuedLog {
  txns: Txn[];
  resolve(): void;
  reject(e: Error): void;
}

export class ZKDatabase implements LearnerDatabase {
  readonly snapLog: FileTxnSnapLog;
  /** Kept as one object for the life of the database: a SNAP or TRUNC reloads it in place. */
  readonly tree: DataTree;
  sessionsWithTimeouts = new Map<bigint, number>();
  /**
   * An ensemble member's config, as /zookeeper/config shows it (ZKDatabase.initConfigInZKDatabase).
   * Put back after every load of the tree (startup, TRUNC, SNAP), as Apache puts it back
   * after each sync: a snapshot's copy may be another member's or an older one.
   */
  quorumConfig: { text: string; version: bigint } | undefined;
  private readonly window: CommittedLog;
  readonly snapshotSizeFactor: number;
  private epochs = { acceptedEpoch: -1, currentEpoch: -1 };
  /** The zxid of the last txn handed to the log (queued or written): the order appends keep. */
  private lastQueuedZxid = 0;
  private readonly queue: QueuedLog[] = [];
  private flushing: Promise<void> | undefined;
  /** A failed append leaves the log behind memory: nothing more is logged until a sync resets it (ZOOKEEPER-4882). */
  private logFailure: Error | undefined;

  constructor(
    private readonly opts: ZKDatabaseOptions,
    tree = new DataTree(),
  ) {
    this.snapLog = new FileTxnSnapLog(opts);
    this.tree = tree;
    this.window = new CommittedLog(opts.commitLogCount ?? DEFAULT_COMMIT_LOG_COUNT);
    const factor = opts.snapshotSizeFactor ?? DEFAULT_SNAPSHOT_SIZE_FACTOR;
    this.snapshotSizeFactor = factor > 1 ? DEFAULT_SNAPSHOT_SIZE_FACTOR : factor;
  }

  /**
   * ZKDatabase.loadDataBase and QuorumPeer's epoch rules: the newest snapshot and the logs
   * after it (each replayed txn into the window), then the epoch files. An empty dataDir
   * gets snapshot.0 at once, as Apache's (zookeeper.db.autocreate), so the logs that follow
   * always have a snapshot under them.
   */
  async loadDataBase(): Promise<Restored> {
    this.window.clear();
    const empty = listSnapshots(this.snapLog.snapDir).length === 0 && listLogs(this.snapLog.logDir).length === 0;
    const restored = this.snapLog.restore(this.tree, (txn) => this.window.add(txn));
    this.sessionsWithTimeouts = restored.sessions;
    this.lastQueuedZxid = this.tree.lastProcessedZxid;
    this.initConfigNode();
    if (empty) await this.snapLog.takeSnapshot(this.tree, this.sessionsWithTimeouts);
    const epochs = loadEpochs(this.snapLog.snapDir, this.tree.lastProcessedZxid);
    for (const note of epochs.notes) this.opts.log.info(note);
    this.epochs = { acceptedEpoch: epochs.acceptedEpoch, currentEpoch: epochs.currentEpoch };
    return restored;
  }

  /** As Apache's: the config text as data, version -1, the config version as mzxid, now as mtime. */
  private initConfigNode(): void {
    if (this.quorumConfig) this.tree.setConfigNode(Buffer.from(this.quorumConfig.text), Number(this.quorumConfig.version), Date.now());
  }

  // --- the epochs (-1 until loaded, as Apache's)

  get acceptedEpoch(): number {
    return this.epochs.acceptedEpoch;
  }
  get currentEpoch(): number {
    return this.epochs.currentEpoch;
  }
  /** Durable when it returns. */
  setAcceptedEpoch(epoch: number): void {
    writeLongToFile(this.snapLog.snapDir, ACCEPTED_EPOCH_FILENAME, epoch);
    this.epochs.acceptedEpoch = epoch;
  }
  setCurrentEpoch(epoch: number): void {
    writeLongToFile(this.snapLog.snapDir, CURRENT_EPOCH_FILENAME, epoch);
    this.epochs.currentEpoch = epoch;
  }

  // --- zxids

  get lastProcessedZxid(): number {
    return this.tree.lastProcessedZxid;
  }
  /** The newest txn in the log or the tree (a txn may be logged and not yet committed). */
  get lastLoggedZxid(): number {
    return Math.max(this.tree.lastProcessedZxid, this.lastQueuedZxid);
  }

  // --- the log: group commit

  /**
   * Appends and fsyncs. While one fsync is in flight, the calls that come in wait and then
   * go to disk together, one write and one fsync for all of them; each resolves, in call
   * order, once its txns are durable.
   */
  log(txns: Txn[]): Promise<void> {
    if (this.logFailure) return Promise.reject(this.logFailure);
    if (txns.length === 0) return Promise.resolve();
    const first = txns[0]!.hdr.zxid;
    if (first <= this.lastQueuedZxid) return Promise.reject(new Error(`txn ${zxidToString(first)} is not after the last logged ${zxidToString(this.lastQueuedZxid)}`));
    this.lastQueuedZxid = txns[txns.length - 1]!.hdr.zxid;
    return new Promise((resolve, reject) => {
      this.queue.push({ txns, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  /** The persist stage of ZooKeeperServer (TxnPersister), for a server over this database. */
  persist(txns: Txn[]): Promise<void> {
    return this.log(txns);
  }

  /** TxnPersister.afterApply: a snapshot in the background every snapCount txns or so. */
  afterApply(): void {
    this.snapLog.afterApply(this.tree, () => this.sessionsWithTimeouts);
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0);
      try {
        await this.snapLog.persist(batch.flatMap((b) => b.txns));
      } catch (e) {
        this.logFailure = e as Error;
        // Whatever was queued behind the failed batch would leave a gap in the log.
        for (const b of [...batch, ...this.queue.splice(0)]) b.reject(e as Error);
        break;
      }
      for (const b of batch) b.resolve();
    }
    this.flushing = undefined;
  }

  /** Resolves once no append is in flight: what a truncate, a snapshot load or a snapshot waits for. */
  private async idle(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  // --- sync with a leader

  /**
   * TRUNC (ZKDatabase.truncateLog): every txn after zxid leaves the log, then the database
   * is loaded again from disk, so tree, sessions and window are what they were at zxid.
   * Refused, with nothing changed, when no snapshot at or before zxid is left to load from.
   */
  async truncate(zxid: number): Promise<void> {
    await this.idle();
    if (!listSnapshots(this.snapLog.snapDir).some((s) => s.zxid <= zxid)) {
      throw new Error(`cannot truncate to ${zxidToString(zxid)}: no snapshot at or before it in ${this.snapLog.snapDir}`);
    }
    const t = this.snapLog.truncateLog(zxid);
    this.opts.log.info(
      `truncated the log to ${zxidToString(zxid)}` +
        (t.cut ? ` (${t.cut} cut)` : '') +
        (t.removed.length > 0 ? `, removed ${t.removed.join(' ')}` : '') +
        (t.snapshotsRemoved.length > 0 ? `, removed ${t.snapshotsRemoved.join(' ')}` : ''),
    );
    this.window.clear();
    this.logFailure = undefined;
    const restored = this.snapLog.restore(this.tree, (txn) => this.window.add(txn));
    this.sessionsWithTimeouts = restored.sessions;
    this.lastQueuedZxid = this.tree.lastProcessedZxid;
    this.initConfigNode();
    if (this.tree.lastProcessedZxid !== zxid) {
      // Going on would apply the leader's txns after zxid to a tree that lacks some before it.
      throw new Error(`truncated to ${zxidToString(zxid)}, but the log reaches only ${zxidToString(this.tree.lastProcessedZxid)}`);
    }
  }

  /**
   * SNAP: the leader's tree and sessions replace ours (ZKDatabase.clear + deserializeSnapshot),
   * at zxid. What the disk holds past zxid goes (it is not the leader's history); the rest
   * stays until the snapshot at NEWLEADER is written, so a crash before it restarts from an
   * older, consistent state.
   */
  async loadSnapshot(snapshot: StreamedSnapshot, zxid: number): Promise<void> {
    await this.idle();
    this.snapLog.truncateLog(zxid);
    this.logFailure = undefined;
    this.window.clear();
    this.tree.loadNodes(snapshot.batches, zxid, snapshot.acls);
    this.initConfigNode();
    this.sessionsWithTimeouts = new Map(snapshot.sessions);
    this.lastQueuedZxid = zxid;
  }

  /** A txn committed during a SNAP/TRUNC sync, before NEWLEADER: the snapshot at NEWLEADER keeps it. */
  applyUnlogged(txn: Txn): void {
    this.tree.processTxn(txn.hdr, txn.body);
    this.recordCommitted(txn);
  }

  /**
   * Who applies a committed txn to the tree while a role serves: its server, whose
   * commit-apply also answers the client that waits for the txn. Undefined: the database
   * applies it itself (between roles, before a leader serves).
   */
  applier: ((txn: Txn) => void) | undefined;

  /**
   * A committed txn: applied to the tree (by the applier, or here), recorded in the sessions
   * and the window, and counted toward the next snapshot — every member snapshots and rolls
   * its log each snapCount txns or so, as Apache's SyncRequestProcessor does on leaders and
   * learners alike (else the log only grows and a purge has nothing it may remove).
   */
  commit(txn: Txn): void {
    if (this.applier) this.applier(txn);
    else this.tree.processTxn(txn.hdr, txn.body);
    this.recordCommitted(txn);
    this.afterApply();
  }

  /**
   * What a commit does besides the tree (a role's server applies the txn to the shared tree
   * itself, through commit-apply, which answers its client): the sessions, the window.
   */
  recordCommitted(txn: Txn): void {
    applySessionTxn(this.sessionsWithTimeouts, txn);
    this.window.add(txn);
    if (txn.hdr.zxid > this.lastQueuedZxid) this.lastQueuedZxid = txn.hdr.zxid;
  }

  /**
   * ZKDatabase.fastForwardDataBase: after a learner's role ends, the txns it logged but never
   * saw committed are applied too, so the tree is its whole history again — what the next
   * election offers (lastLoggedZxid) and, should it lead, what it leads with. A new leader
   * that lacks them sends TRUNC, which reloads.
   */
  async fastForward(): Promise<number> {
    await this.idle();
    // Every logged txn is applied (the usual end of a role): the log need not be read. Read
    // from its file's start, a busy log of snapCount txns took a failover seconds.
    if (this.lastQueuedZxid <= this.tree.lastProcessedZxid) return 0;
    const from = this.tree.lastProcessedZxid;
    let applied = 0;
    for (const txn of this.snapLog.readTxnLog(from + 1).txns) {
      if (txn.hdr.zxid <= this.tree.lastProcessedZxid) continue;
      this.commit(txn);
      applied++;
    }
    return applied;
  }

  /**
   * Writes snapshot.<lastProcessedZxid> now, fsynced (ZooKeeperServer.takeSnapshot(syncSnap
   * = true)), after any append in flight; the next append starts a new log file.
   */
  async takeSnapshot(): Promise<void> {
    await this.idle();
    await this.snapLog.takeSnapshot(this.tree, this.sessionsWithTimeouts);
  }

  // --- what a leader diffs a learner against

  get committedLog(): readonly Proposal[] {
    return this.window.committedLog;
  }
  get minCommittedLog(): number {
    return this.window.minCommittedLog;
  }
  get maxCommittedLog(): number {
    return this.window.maxCommittedLog;
  }

  isTxnLogSyncEnabled(): boolean {
    return this.snapshotSizeFactor >= 0;
  }

  /** ZKDatabase.calculateTxnLogSizeLimit: the newest snapshot's size times snapshotSizeFactor, in bytes. */
  calculateTxnLogSizeLimit(): number {
    return Math.trunc(this.snapLog.mostRecentSnapshotSize_bytes() * this.snapshotSizeFactor);
  }

  /**
   * ZKDatabase.getProposalsFromTxnLog: the logged txns as proposals, from the start of the
   * log file that holds startZxid (the caller skips those at or before it). Empty when the
   * log cannot show it starts at or before startZxid, when its files are larger than
   * sizeLimit_bytes (0: no limit), or when sizeLimit_bytes is negative (disabled).
   */
  getProposalsFromTxnLog(startZxid: number, sizeLimit_bytes: number): Iterable<Proposal> {
    if (sizeLimit_bytes < 0) return [];
    const range = this.snapLog.readTxnLog(startZxid);
    const unreachable = (): Proposal[] => {
      this.opts.log.warn(`unable to find proposals from the txn log for zxid ${zxidToString(startZxid)}`);
      return [];
    };
    // Told by the names and the sizes before any file is read: a read decodes a whole file
    // (64 MB preallocated: ~400 ms of the leader's event loop at 300k znodes), for a peer
    // behind the whole log (a new member, an empty dataDir) or a log over the limit, at
    // every such sync, only to answer with a SNAP.
    if (range.firstZxid === undefined) return [];
    if (range.firstZxid > startZxid) return unreachable();
    if (sizeLimit_bytes > 0 && range.storageSize_bytes > sizeLimit_bytes) {
      this.opts.log.info(`txn log size ${range.storageSize_bytes} exceeds the limit ${sizeLimit_bytes}: no DIFF from the log`);
      return [];
    }
    const it = range.txns[Symbol.iterator]();
    const first = it.next();
    if (first.done) return [];
    // The file named for the start held no txn (made just before a crash): the next starts later.
    if (first.value.hdr.zxid > startZxid) return unreachable();
    const w = new Writer(1024);
    return (function* () {
      yield { zxid: first.value.hdr.zxid, data: encodeTxn(first.value, w) };
      for (let n = it.next(); !n.done; n = it.next()) yield { zxid: n.value.hdr.zxid, data: encodeTxn(n.value, w) };
    })();
  }

  /** The snapshot a leader streams after SNAP(zxid) (sessions, ACLs, nodes, "BenWasHere"), slice by slice as pulled. */
  snapshotStream(zxid: number): Iterator<Buffer> {
    return snapshotStreamSlices(this.tree, this.sessionsWithTimeouts, zxid);
  }

  async close(): Promise<void> {
    await this.idle();
    this.snapLog.close();
  }
}
