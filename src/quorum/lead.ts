// lead: a leader's life in one epoch (Apache's Leader.lead). Listens on the quorum port,
// feeds the Leader core with learners' packets, half-ticks and our own fsyncs, and carries
// out its effects, in order, on the database and the learners' connections. Ends (resolves
// with the reason) when leading fails; the peer then looks for a leader again.
import type { Id } from '../jute/records';
import type { Counter } from '../metrics/metrics-provider';
import type { Txn } from '../tree/txn';
import { Leader, type LeaderEffect, type LeaderOptions, type LearnerId } from './leader';
import { LearnerCnxAcceptor } from './learner-cnx-acceptor';
import type { QuorumAuth } from './quorum-auth';
import type { QuorumSockets } from './quorum-sockets';
import type { SocketAddress } from './multiple-addresses';
import { LeaderStats } from './leader-stats';
import { PacketType } from './quorum-packet';
import type { CommittedProposal } from './sync-follower';
import { makeZxid } from './zxid';

/**
 * What a leader needs of its database (ZKDatabase). Each method's guarantee:
 * - acceptedEpoch/currentEpoch: as last set; setAcceptedEpoch/setCurrentEpoch are durable
 *   (written and fsynced, as Apache's epoch files) when they return.
 * - lastProcessedZxid: the tree's; every logged txn is applied before leading starts (as
 *   ZKDatabase.loadDataBase replays the whole log), so it is also the last logged zxid.
 * - committedLog(): the last committed txns, oldest first, contiguous, ending at
 *   lastProcessedZxid (or empty); the core keeps the last COMMIT_LOG_COUNT of them.
 * - log(txns): appends and fsyncs; resolves once durable; calls are served in order.
 * - commit(txn): applies the txn to the tree at once (before it returns) and answers the
 *   local client that waits for it, if any. Called in zxid order.
 * - snapshotStream(zxid): the SNAP stream (snapshotStreamSlices) of the tree and sessions,
 *   made slice by slice as it is pulled: fuzzy, the txns after zxid follow it.
 * - touch(sessionId, timeout): a learner's client is alive (SessionTracker.touchSession).
 * - txnLogSyncEnabled / proposalsFromTxnLog(peerLastZxid, upTo): ZKDatabase's
 *   isTxnLogSyncEnabled and getProposalsFromTxnLog(peerLastZxid, calculateTxnLogSizeLimit()),
 *   read before it returns, oldest first, none past upTo; empty when the log does not reach
 *   back to peerLastZxid or its files are past the size limit.
 */
export interface LeaderDatabase {
  readonly acceptedEpoch: number;
  readonly currentEpoch: number;
  readonly lastProcessedZxid: number;
  committedLog(): Txn[];
  setAcceptedEpoch(epoch: number): void;
  setCurrentEpoch(epoch: number): void;
  log(txns: Txn[]): Promise<void>;
  commit(txn: Txn): void;
  snapshotStream(zxid: number): Iterator<Buffer>;
  touch(sessionId: bigint, timeout: number): void;
  readonly txnLogSyncEnabled: boolean;
  proposalsFromTxnLog(peerLastZxid: number, upTo: number): CommittedProposal[];
}

/** A learner's client request, handed to the request pipeline. */
export interface LearnerRequest {
  learner: LearnerId;
  sessionId: bigint;
  cxid: number;
  type: number;
  request: Buffer;
  authinfo: Id[];
}

export interface LeadOptions extends LeaderOptions {
  /** Our quorum addresses (every one of our server line). */
  listen: readonly SocketAddress[];
  quorumListenOnAllIPs?: boolean;
  /** sslQuorum / portUnification on the quorum port (quorum-sockets.ts). */
  sockets?: QuorumSockets;
  /** quorum.auth.*: each learner authenticated first (quorum-auth.ts). */
  auth?: QuorumAuth;
  tickTime_ms: number;
  maxBuffer_bytes: number;
  log: { info(line: string): void; warn(line: string): void };
  onServing?(epoch: number): void;
  /** Counted as Apache's Leader and LearnerHandler count them (ServerMetrics). */
  metrics?: { PROPOSAL_COUNT: Counter; COMMIT_COUNT: Counter; DIFF_COUNT: Counter; SNAP_COUNT: Counter };
  /** A learner's REQUEST: prepare it, then propose() its txn (or answer sync with syncReached()). */
  onRequest?(r: LearnerRequest): void;
  /** A learner asks whether a session may reconnect to it: answer with revalidated(). */
  onRevalidate?(learner: LearnerId, sessionId: bigint, timeout: number): void;
}

export class Lead {
  readonly core: Leader;
  /** For mntr, srvr and the admin commands. */
  readonly stats: LeaderStats;
  private readonly acceptor: LearnerCnxAcceptor;
  private ticker: NodeJS.Timeout | undefined;
  private ended: ((reason: string) => void) | undefined;
  private done = false;
  private endReason: string | undefined;

  constructor(
    private readonly o: LeadOptions,
    private readonly db: LeaderDatabase,
  ) {
    this.core = new Leader(o, { acceptedEpoch: db.acceptedEpoch, currentEpoch: db.currentEpoch, lastProcessedZxid: db.lastProcessedZxid, committedLog: db.committedLog(), txnLogSyncEnabled: db.txnLogSyncEnabled });
    this.stats = new LeaderStats((sid) => o.isVoter(BigInt(sid)));
    this.acceptor = new LearnerCnxAcceptor({
      listen: o.listen,
      log: o.log,
      listenOnAllIPs: o.quorumListenOnAllIPs,
      ...(o.sockets ? { sockets: o.sockets } : {}),
      ...(o.auth ? { auth: o.auth } : {}),
      handshakeTimeout_ms: o.tickTime_ms * o.initLimit,
      maxBuffer_bytes: o.maxBuffer_bytes,
      onConnected: (learner, remote) => {
        o.log.info(`learner ${learner} connected from ${remote}`);
        this.stats.connected(learner, remote);
        this.step({ kind: 'connected', learner });
      },
      onPacket: (learner, packet) => {
        this.stats.received(learner, packet);
        this.step({ kind: 'packet', learner, packet });
      },
      onClosed: (learner, reason) => {
        o.log.info(`learner ${learner} gone: ${reason}`);
        this.stats.closed(learner);
        this.step({ kind: 'disconnected', learner });
      },
    });
  }

  get serving(): boolean {
    return this.core.isServing;
  }

  /** Listens and leads until it fails; resolves with why. */
  async run(): Promise<string> {
    const ended = new Promise<string>((resolve) => (this.ended = resolve));
    if (this.endReason !== undefined) return this.endReason;
    await this.acceptor.start();
    this.lastHalfTickAt = performance.now();
    this.ticker = setInterval(() => {
      if (!this.leaseHeld()) return;
      this.lastHalfTickAt = performance.now();
      this.step({ kind: 'halfTick' });
    }, this.o.tickTime_ms / 2);
    this.step({ kind: 'start' });
    return ended;
  }

  /** The zxid for the pipeline's next txn: one past the last handed out (proposals may still wait in the inbox). */
  nextZxid(): number {
    this.assigned = Math.max(this.assigned, this.core.lastProposedZxid) + 1;
    return this.assigned;
  }
  private assigned = 0;

  /** The pipeline's txn, with the zxid nextZxid() gave it, in that order. */
  propose(txn: Txn): void {
    this.o.metrics?.PROPOSAL_COUNT.add(1);
    this.step({ kind: 'propose', txn });
  }

  /** A learner's sync reached its turn in the pipeline. */
  syncReached(learner: LearnerId): void {
    this.stats.pendingSyncs++;
    this.step({ kind: 'sync', learner });
  }

  revalidated(learner: LearnerId, sessionId: bigint, valid: boolean): void {
    this.step({ kind: 'revalidated', learner, sessionId, valid });
  }

  stop(reason = 'stopped'): void {
    this.end(reason);
  }

  /** When the half-tick last ran (performance.now()). */
  private lastHalfTickAt = 0;

  /**
   * Whether this leader may still answer as the leader. Its learners give it up after
   * syncLimit ticks without a word from it, and elect another; a leader that itself did not
   * run for that long (SIGSTOP, a VM pause, a starved host) cannot know it is still the
   * leader, and on waking its sockets' backlog is read before its timers run. So before a
   * sync, a session's (re)validation or an expiry, the gap since its last half-tick is
   * checked, and past syncLimit ticks it stops leading instead of answering from a state
   * the new leader may have moved past. (Apache answers those until its next tick notices:
   * the fault runs saw stale synced reads and a session reported expired while it lived.)
   */
  leaseHeld(): boolean {
    if (this.done) return false;
    const silent_ms = performance.now() - this.lastHalfTickAt;
    if (silent_ms <= this.o.syncLimit * this.o.tickTime_ms) return true;
    this.end(`this leader did not run for ${Math.round(silent_ms)} ms, more than syncLimit (${this.o.syncLimit} ticks): its learners have given it up`);
    return false;
  }

  /** Inputs that arrive while effects are being carried out (a callback that proposes) wait their turn, so effects keep their order. */
  private readonly inbox: Parameters<Leader['step']>[0][] = [];
  private stepping = false;

  private step(input: Parameters<Leader['step']>[0]): void {
    this.inbox.push(input);
    if (this.stepping) return;
    this.stepping = true;
    try {
      while (!this.done && this.inbox.length > 0) {
        this.core.step(this.inbox.shift()!);
        for (const e of this.core.ready()) {
          if (this.done) return;
          this.effect(e);
        }
      }
    } finally {
      this.stepping = false;
    }
  }

  /** Every effect is carried out before the next: only the fsync completes later, and feeds 'persisted'. */
  private effect(e: LeaderEffect): void {
    const db = this.db;
    switch (e.kind) {
      case 'send':
        this.stats.sent(e.learner, e.packet);
        if (e.packet.type === PacketType.DIFF || e.packet.type === PacketType.TRUNC) this.o.metrics?.DIFF_COUNT.add(1);
        return this.acceptor.send(e.learner, e.packet);
      case 'sendSnapshot':
        this.o.metrics?.SNAP_COUNT.add(1);
        this.o.log.info(`Sending snapshot to learner ${e.learner}, zxid of db 0x${e.zxid.toString(16)}`);
        return this.acceptor.sendSnapshot(e.learner, e.zxid, db.snapshotStream(e.zxid), (s) =>
          this.o.log.info(
            `snapshot 0x${e.zxid.toString(16)} sent to learner ${e.learner}: ${s.slices} slices, ${s.bytes} bytes in ${s.took_ms.toFixed(0)} ms, the longest slice made in ${s.longestSlice_ms.toFixed(1)} ms, ${s.held} packets held behind it`,
          ),
        );
      case 'readTxnLog': {
        // Answered at once: the inbox feeds it before any packet or fsync that comes later.
        const proposals = db.proposalsFromTxnLog(e.peerLastZxid, e.upTo);
        this.o.log.info(`read ${proposals.length} proposals from the txn log for learner ${e.learner} (peer zxid 0x${e.peerLastZxid.toString(16)}, up to 0x${e.upTo.toString(16)})`);
        return this.step({ kind: 'txnLog', learner: e.learner, proposals });
      }
      case 'close':
        this.o.log.warn(`closing learner ${e.learner}: ${e.reason}`);
        return this.acceptor.close(e.learner, e.reason);
      case 'setAcceptedEpoch':
        return db.setAcceptedEpoch(e.epoch);
      case 'setCurrentEpoch':
        return db.setCurrentEpoch(e.epoch);
      case 'log': {
        const upTo = e.txns[e.txns.length - 1]!.hdr.zxid;
        db.log(e.txns).then(
          () => this.step({ kind: 'persisted', upTo }),
          (err: Error) => this.end(`the txn log failed: ${err.message}`),
        );
        return;
      }
      case 'commit':
        this.o.metrics?.COMMIT_COUNT.add(1);
        return db.commit(e.txn);
      case 'request':
        return this.o.onRequest?.({ learner: e.learner, sessionId: e.sessionId, cxid: e.cxid, type: e.type, request: e.request, authinfo: e.authinfo });
      case 'touch':
        for (const [id, timeout] of e.sessions) db.touch(id, timeout);
        return;
      case 'revalidate':
        return this.o.onRevalidate?.(e.learner, e.sessionId, e.timeout);
      case 'serving':
        // Apache's line, its sids as Java prints a list holding the set of them.
        this.o.log.info(
          `Have quorum of supporters, sids: [[${[...this.core.syncedVoters()].sort((a, b) => (a < b ? -1 : 1)).join(', ')}]]; ` +
            `starting up and setting last processed zxid: 0x${makeZxid(e.epoch, 0).toString(16)}`,
        );
        this.stats.startedAt_ms = Date.now();
        return this.o.onServing?.(e.epoch);
      case 'info':
        return this.o.log.info(e.line);
      case 'fail':
        return this.end(e.reason);
    }
  }

  private end(reason: string): void {
    if (this.done) return;
    this.done = true;
    this.endReason = reason;
    clearInterval(this.ticker);
    this.acceptor.stop(reason);
    this.o.log.warn(`leading ended: ${reason}`);
    this.ended?.(reason);
  }
}
