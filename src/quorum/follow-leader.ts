// followLeader: a learner's life with one leader (Apache's Follower.followLeader and
// Observer.observeLeader). Dials the leader's quorum port, feeds the Learner core with the
// packets, ticks and fsyncs, and carries out its effects, in order, on the database. Ends
// (resolves with the reason) when the leader is lost; the peer then looks for a leader again.
import type { Counter } from '../metrics/metrics-provider';
import type { Txn } from '../tree/txn';
import { Learner, type LearnerEffect, type LearnerOptions } from './learner';
import { LearnerCnx } from './learner-cnx';
import type { QuorumAuth } from './quorum-auth';
import type { QuorumSockets } from './quorum-sockets';
import { PacketType, packet, type QuorumPacket } from './quorum-packet';
import type { StreamedSnapshot } from './snapshot-stream';
import { formatInetAddr, type SocketAddress } from './multiple-addresses';

/**
 * What a learner needs of its database (ZKDatabase). Epoch writes and snapshots are durable
 * when they return; a truncate, a snapshot load or a snapshot may return a promise (they wait
 * for appends in flight), and the next effect waits for it.
 */
export interface LearnerDatabase {
  readonly acceptedEpoch: number;
  readonly currentEpoch: number;
  readonly lastLoggedZxid: number;
  setAcceptedEpoch(epoch: number): void;
  setCurrentEpoch(epoch: number): void;
  truncate(zxid: number): void | Promise<void>;
  loadSnapshot(snapshot: StreamedSnapshot, zxid: number): void | Promise<void>;
  applyUnlogged(txn: Txn): void;
  /** Appends and fsyncs; resolves once durable. Calls are served in order. */
  log(txns: Txn[]): Promise<void>;
  takeSnapshot(): void | Promise<void>;
  commit(txn: Txn): void;
}

export interface FollowOptions extends LearnerOptions {
  /** The leader's quorum addresses (every one of its server line), tried in turn. */
  leader: readonly SocketAddress[];
  /** sslQuorum: the connection to the leader is TLS (quorum-sockets.ts). */
  sockets?: QuorumSockets;
  /** quorum.auth.*: logging in to the leader first (quorum-auth.ts). */
  auth?: QuorumAuth;
  tickTime_ms: number;
  maxBuffer_bytes: number;
  log: { info(line: string): void; warn(line: string): void };
  /** Told when the learner is in sync and serves (UPTODATE acknowledged). */
  onServing?(epoch: number): void;
  onRevalidated?(sessionId: bigint, valid: boolean): void;
  onSynced?(): void;
  /** Sessions this member's clients touched since the last PING, with their timeouts: the PING's answer. */
  touches?(): Map<bigint, number>;
  /** Counted as Apache's Follower and Observer count what they receive once in broadcast. */
  metrics?: { LEARNER_PROPOSAL_RECEIVED_COUNT: Counter; LEARNER_COMMIT_RECEIVED_COUNT: Counter };
}

/**
 * The waits between dials of the leader's quorum port. Apache 3.8's Learner.connectToLeader
 * tries 5 times, zookeeper.leaderConnectDelayDuringRetryMs (100 ms) apart. A new leader
 * opens its quorum port only once elected, and its followers are elected in the same
 * instant, so a follower's first dial is often refused by a few ms; 100 ms after it, the
 * second made that race most of what a failover took past the election (bench/ensemble.ts).
 * The first retries here come sooner, and the whole schedule still waits longer than
 * Apache's 400 ms before the follower gives up and looks again.
 */
export const CONNECT_RETRY_DELAYS_ms = [5, 10, 20, 40, 80, 100, 100, 100];
const CONNECT_ATTEMPTS = CONNECT_RETRY_DELAYS_ms.length + 1;

export class FollowLeader {
  private readonly learner: Learner;
  private cnx: LearnerCnx | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private ended: ((reason: string) => void) | undefined;
  private done = false;
  /** Effects wait here while an fsync they come after is in flight, so order holds. */
  private logging: Promise<void> = Promise.resolve();

  constructor(
    private readonly o: FollowOptions,
    private readonly db: LearnerDatabase,
  ) {
    this.learner = new Learner(o, { acceptedEpoch: db.acceptedEpoch, currentEpoch: db.currentEpoch, lastLoggedZxid: db.lastLoggedZxid });
  }

  get serving(): boolean {
    return this.learner.isServing;
  }

  /**
   * A SNAP was loaded or txns applied unlogged, and the NEWLEADER snapshot that makes them
   * durable was not taken: the tree holds what the disk does not. A role that ends so must
   * not be gone on from memory (the peer reloads the database from disk; found by test/sim).
   */
  get memoryAheadOfDisk(): boolean {
    return this.unsnapshotted;
  }
  private unsnapshotted = false;

  /** Runs until the leader is lost; resolves with why. */
  run(): Promise<string> {
    return new Promise((resolve) => {
      this.ended = resolve;
      void this.connect();
    });
  }

  /** Forwards a client's request (REQUEST, REVALIDATE, SYNC) to the leader. */
  forward(p: QuorumPacket): void {
    this.learner.step({ kind: 'forward', packet: p });
    this.carryOut();
  }

  stop(reason = 'stopped'): void {
    this.end(reason);
  }

  private async connect(): Promise<void> {
    for (let attempt = 1; attempt <= CONNECT_ATTEMPTS && !this.done; attempt++) {
      const cnx = new LearnerCnx({
        leader: this.o.leader,
        ...(this.o.sockets ? { sockets: this.o.sockets } : {}),
        ...(this.o.auth ? { auth: this.o.auth } : {}),
        handshakeTimeout_ms: this.o.tickTime_ms * this.o.initLimit,
        maxBuffer_bytes: this.o.maxBuffer_bytes,
        onPacket: (p, snapshot) => {
          if (this.serving) this.count(p);
          this.learner.step({ kind: 'packet', packet: p, snapshot });
          this.carryOut();
        },
        onClose: (reason) => this.end(reason),
      });
      try {
        const address = await cnx.open();
        if (this.o.leader.length > 1) this.o.log.info(`Successfully connected to leader, using address: ${formatInetAddr(address)}`);
      } catch (e) {
        this.o.log.warn(`cannot reach the leader at ${this.leaderText()} (attempt ${attempt} of ${CONNECT_ATTEMPTS}): ${(e as Error).message}`);
        if (attempt < CONNECT_ATTEMPTS) await new Promise((r) => setTimeout(r, CONNECT_RETRY_DELAYS_ms[attempt - 1]));
        continue;
      }
      if (this.done) return cnx.close('stopped');
      this.cnx = cnx;
      this.ticker = setInterval(() => {
        this.learner.step({ kind: 'tick' });
        this.carryOut();
      }, this.o.tickTime_ms);
      this.learner.step({ kind: 'connected' });
      this.carryOut();
      return;
    }
    this.end(`the leader at ${this.leaderText()} could not be reached`);
  }

  private leaderText(): string {
    return this.o.leader.map(formatInetAddr).join('|');
  }

  private count(p: QuorumPacket): void {
    const m = this.o.metrics;
    if (p.type === PacketType.PROPOSAL) m?.LEARNER_PROPOSAL_RECEIVED_COUNT.add(1);
    else if (p.type === PacketType.COMMIT || p.type === PacketType.INFORM) m?.LEARNER_COMMIT_RECEIVED_COUNT.add(1);
  }

  /** Carries out the core's effects in order; an effect behind an fsync waits for it. */
  private carryOut(): void {
    const effects = this.learner.ready();
    if (effects.length === 0) return;
    this.logging = this.logging.then(() => this.apply(effects)).catch((e: Error) => this.end(`the database failed: ${e.message}`));
  }

  private async apply(effects: LearnerEffect[]): Promise<void> {
    for (const e of effects) {
      if (this.done) return;
      await this.effect(e);
    }
  }

  private async effect(e: LearnerEffect): Promise<void> {
    const db = this.db;
    switch (e.kind) {
      case 'send':
        return this.cnx?.send(e.packet);
      case 'setAcceptedEpoch':
        return db.setAcceptedEpoch(e.epoch);
      case 'setCurrentEpoch':
        return db.setCurrentEpoch(e.epoch);
      case 'syncing':
        return this.o.log[e.mode === 'TRUNC' ? 'warn' : 'info'](syncLine(e.mode, e.zxid));
      case 'truncate':
        return db.truncate(e.zxid);
      case 'loadSnapshot':
        this.unsnapshotted = true;
        return db.loadSnapshot(e.snapshot as StreamedSnapshot, e.zxid);
      case 'applyUnlogged':
        this.unsnapshotted = true;
        return db.applyUnlogged(e.txn);
      case 'log': {
        // Not awaited: later packets are read and logged meanwhile (the database groups
        // them into one fsync), and the ACKs that need this one durable wait in the core.
        const upTo = e.txns[e.txns.length - 1]!.hdr.zxid;
        db.log(e.txns).then(
          () => {
            this.learner.step({ kind: 'persisted', upTo });
            this.carryOut();
          },
          (err: Error) => this.end(`the txn log failed: ${err.message}`),
        );
        return;
      }
      case 'takeSnapshot':
        await db.takeSnapshot();
        this.unsnapshotted = false;
        return;
      case 'commit':
        return db.commit(e.txn);
      case 'serving':
        this.o.log.info(`in sync with the leader at epoch ${e.epoch}: serving`);
        return this.o.onServing?.(e.epoch);
      case 'ping':
        return this.cnx?.send(packet(PacketType.PING, e.packet.zxid, touchTable(this.o.touches?.() ?? new Map()), e.packet.authinfo));
      case 'revalidated':
        return this.o.onRevalidated?.(e.sessionId, e.valid);
      case 'synced':
        return this.o.onSynced?.();
      case 'fail':
        return this.end(e.reason);
    }
  }

  private end(reason: string): void {
    if (this.done) return;
    this.done = true;
    clearInterval(this.ticker);
    this.cnx?.close(reason);
    this.o.log.warn(`following the leader at ${this.leaderText()} ended: ${reason}`);
    this.ended?.(reason);
  }
}

/**
 * Apache's Learner logs these very lines for each way of syncing; operators (and the tests)
 * grep an ensemble's logs for them whatever kind of member wrote them.
 */
function syncLine(mode: 'DIFF' | 'SNAP' | 'TRUNC', zxid: number): string {
  const hex = zxid.toString(16);
  if (mode === 'DIFF') return `Getting a diff from the leader 0x${hex}`;
  if (mode === 'SNAP') return `Getting a snapshot from leader 0x${hex}`;
  return `Truncating log to get in sync with the leader 0x${hex}`;
}

/** A PING's answer: each touched session's id and timeout. */
function touchTable(touches: Map<bigint, number>): Buffer {
  const b = Buffer.alloc(touches.size * 12);
  let at = 0;
  for (const [id, timeout] of touches) {
    b.writeBigInt64BE(id, at);
    b.writeInt32BE(timeout, at + 8);
    at += 12;
  }
  return b;
}
