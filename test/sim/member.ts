// One simulated member: the peer loop (LOOKING → LEADING | FOLLOWING | OBSERVING → LOOKING
// when the role fails) over the pure cores, carrying out their effects on a simulated disk
// and a real DataTree, as QuorumPeer with lead.ts / follow-leader.ts does over ZKDatabase.
// A restart rebuilds everything from what the disk kept, as a real restart would.
import { decideEpochs } from '../../src/persistence/epoch-files';
import { FastLeaderElection } from '../../src/quorum/fast-leader-election';
import type { Notification } from '../../src/quorum/notification';
import { COMMIT_LOG_COUNT, type Leader, type LeaderEffect, type LeaderInput } from '../../src/quorum/leader';
import type { Learner, LearnerEffect, LearnerInput } from '../../src/quorum/learner';
import { packet, PacketType, packetName, type QuorumPacket } from '../../src/quorum/quorum-packet';
import { ServerState } from '../../src/quorum/vote';
import { counterOf, zxidToString } from '../../src/quorum/zxid';
import { DataTree } from '../../src/tree/data-tree';
import type { Txn } from '../../src/tree/txn';
import { describeTxn } from './checker';
import { SimDisk } from './disk';
import type { Conn, World } from './world';

export const TICK_ms = 100;
export const INIT_LIMIT = 10;
export const SYNC_LIMIT = 5;
/** Apache's Learner.connectToLeader: this many attempts, a second apart. */
const CONNECT_ATTEMPTS = 5;
const CONNECT_RETRY_ms = 1000;

/** What a SNAP carries in the simulation: the leader's applied history (its tree is the replay). */
export interface SimSnapshot {
  history: Txn[];
}

type Role =
  | { kind: 'down' }
  | { kind: 'looking' }
  | { kind: 'leading'; core: Leader; conns: Map<number, Conn>; serving: boolean }
  | { kind: 'following'; core: Learner; leader: bigint; conn?: Conn; attempts: number; serving: boolean; observer: boolean };

interface PendingFsync {
  length: number;
  upTo: number;
  roleGen: number;
  done: boolean;
}

export class Member {
  readonly disk = new SimDisk();
  role: Role = { kind: 'down' };
  /** The zxid a loaded SNAP put the tree at (past its txns when the SNAP is at an epoch's start). */
  private snapZxid = 0;
  /** A SNAP was loaded or txns applied unlogged, and the NEWLEADER snapshot that makes them durable is not taken yet. */
  private memoryAheadOfDisk = false;
  /** Moves on at each role change and each restart: timers and fsyncs of an older role are stale. */
  roleGen = 0;
  incarnation = 0;
  fle!: FastLeaderElection;
  private fleTimerGen = 0;
  /** The tree's history (what it applied, in order) and the tree itself. */
  applied: Txn[] = [];
  tree = new DataTree();
  /** ZKDatabase's committed-proposal window, kept as it keeps it (a new leader syncs learners from it). */
  window: Txn[] = [];
  private fsyncs: PendingFsync[] = [];
  private lastFsyncAt = 0;
  /** How far of `applied` the checker has seen while this member served. */
  private checkedUpTo = 0;
  /** The learner's last logged zxid once it took NEWLEADER: what must be durable when currentEpoch moves (ZOOKEEPER-4643). */
  private loggedAtNewLeader: number | undefined;
  private newLeaderAcked = false;
  /** A disk that fails its next fsync (ZOOKEEPER-4882). */
  failNextFsync = false;
  /** A scenario's slow disk: every fsync takes this long. */
  fsyncDelay_ms: number | undefined;

  constructor(
    readonly sid: bigint,
    readonly type: 'participant' | 'observer',
    private readonly w: World,
  ) {}

  get up(): boolean {
    return this.role.kind !== 'down';
  }
  get name(): string {
    return `member ${this.sid}#${this.incarnation}`;
  }
  get lastLoggedZxid(): number {
    return Math.max(this.applied.at(-1)?.hdr.zxid ?? 0, this.snapZxid, this.disk.lastLoggedZxid());
  }

  // --- life

  start(): void {
    this.incarnation++;
    this.roleGen++;
    this.fsyncs = [];
    this.rebuild(this.disk.replay());
    this.memoryAheadOfDisk = false;
    const last = this.applied.at(-1)?.hdr.zxid ?? 0;
    // QuorumPeer.loadDataBase's epoch rules, the production ones: a refusal is a member that can never come back.
    try {
      decideEpochs({ currentEpoch: this.disk.currentEpoch, acceptedEpoch: this.disk.acceptedEpoch }, last);
    } catch (e) {
      this.w.checker.fail(`${this.name} cannot start: ${(e as Error).message}`);
    }
    const voters = this.w.voters;
    this.fle = new FastLeaderElection({
      myid: this.sid,
      quorum: { isVoter: (id) => voters.includes(id), voters: () => voters, containsQuorum: (ids) => this.w.containsQuorum(ids) },
      learnerType: this.type,
      configText: 'version=0',
      maxNotificationInterval_ms: 1600,
    });
    this.look();
  }

  crash(): void {
    if (!this.up) return;
    this.endConns(this.w.rng.chance(0.5));
    this.role = { kind: 'down' };
    this.roleGen++;
    this.fsyncs = [];
    this.w.trace(`${this.name} crashed (${this.disk.crash(this.w.rng)})`);
  }

  /** ZKDatabase's loadDataBase, TRUNC reload and SNAP load: the tree is the replay of a history. */
  private rebuild(history: Txn[]): void {
    this.snapZxid = this.disk.snapshotZxid;
    this.applied = [];
    this.tree = new DataTree();
    this.window = [];
    this.checkedUpTo = 0;
    for (const t of history) this.apply(t, false);
  }

  private apply(txn: Txn, check = true): void {
    const last = this.applied.at(-1)?.hdr.zxid ?? 0;
    if (txn.hdr.zxid <= last) this.w.checker.fail(`${this.name} applied ${describeTxn(txn)} after ${zxidToString(last)}: zxids must increase`);
    this.applied.push(txn);
    this.tree.processTxn(txn.hdr, txn.body);
    this.window.push(txn);
    if (this.window.length > COMMIT_LOG_COUNT) this.window.shift();
    if (check) this.checkServing();
  }

  /**
   * A role ends: back to LOOKING, with the log fast-forwarded into the tree
   * (ZKDatabase.fastForwardDataBase) — or, when a SNAP/TRUNC sync ended before its
   * NEWLEADER snapshot, the tree reloaded from the disk (as QuorumPeer does): memory then
   * holds what the disk does not, and must not be gone on from.
   */
  private endRole(reason: string): void {
    if (!this.up || this.role.kind === 'looking') return;
    this.w.trace(`${this.name} leaves ${this.role.kind}: ${reason}`);
    this.endConns(true);
    this.roleGen++;
    if (this.memoryAheadOfDisk) {
      this.completeFsyncs();
      this.w.trace(`${this.name}: the sync ended before its snapshot; reloading from the disk`);
      this.rebuild(this.disk.replay());
      this.memoryAheadOfDisk = false;
    }
    this.look();
  }

  private look(): void {
    // ZKDatabase.fastForward reads the log past the tree's zxid, which a SNAP may have put
    // past its last txn: records at or below it are an old history the SNAP replaced.
    const base = Math.max(this.applied.at(-1)?.hdr.zxid ?? 0, this.snapZxid);
    for (const t of this.disk.log) if (t.hdr.zxid > base && t.hdr.zxid > (this.applied.at(-1)?.hdr.zxid ?? 0)) this.apply(t, false);
    this.checkedUpTo = 0;
    this.role = { kind: 'looking' };
    this.fle.step({ kind: 'lookForLeader', lastLoggedZxid: BigInt(this.lastLoggedZxid), currentEpoch: BigInt(this.disk.currentEpoch) });
    this.electionOut();
  }

  private endConns(fin: boolean): void {
    const r = this.role;
    if (r.kind === 'leading') for (const c of r.conns.values()) this.w.closeConn(c, fin);
    if (r.kind === 'following' && r.conn) this.w.closeConn(r.conn, fin);
  }

  // --- election

  notification(from: bigint, n: Notification): void {
    this.fle.step({ kind: 'notification', from, n });
    this.electionOut();
  }

  private electionOut(): void {
    const r = this.fle.ready();
    for (const s of r.send) this.w.electionSend(this.sid, s.to, s.n);
    if (r.cancelTimer) this.fleTimerGen++;
    if (r.timer_ms !== undefined) {
      const gen = ++this.fleTimerGen;
      const inc = this.incarnation;
      this.w.at(r.timer_ms, () => {
        if (gen !== this.fleTimerGen || inc !== this.incarnation || !this.up) return;
        this.fle.step({ kind: 'timeout', delivered: this.w.electionDelivered(this.sid) });
        this.electionOut();
      });
    }
    if (r.connectAll) this.w.electionReconnectAll(this.sid);
    if (r.elected) this.elected(r.elected.state, r.elected.vote.leader);
  }

  private elected(state: ServerState, leader: bigint): void {
    this.roleGen++;
    this.w.trace(`${this.name} elected: ${ServerState[state]} (leader ${leader}), last zxid ${zxidToString(this.lastLoggedZxid)}, currentEpoch ${this.disk.currentEpoch}`);
    if (state === ServerState.LEADING) return this.lead();
    const observer = state === ServerState.OBSERVING;
    const core = this.w.makeLearner(
      { myid: this.sid, learnerType: observer ? 'observer' : 'participant', initLimit: INIT_LIMIT, syncLimit: SYNC_LIMIT, configVersion: 0 },
      { acceptedEpoch: this.disk.acceptedEpoch, currentEpoch: this.disk.currentEpoch, lastLoggedZxid: this.lastLoggedZxid },
    );
    this.role = { kind: 'following', core, leader, attempts: 0, serving: false, observer };
    this.loggedAtNewLeader = undefined;
    this.newLeaderAcked = false;
    this.connect(this.roleGen);
  }

  // --- following / observing

  private connect(gen: number): void {
    this.w.at(this.w.rng.int(1, 20), () => {
      const r = this.role;
      if (gen !== this.roleGen || r.kind !== 'following') return;
      const conn = this.w.openConn(this, r.leader);
      if (!conn) {
        if (++r.attempts >= CONNECT_ATTEMPTS) return this.endRole(`the leader ${r.leader} could not be reached`);
        return void this.w.at(CONNECT_RETRY_ms, () => this.connect(gen));
      }
      r.conn = conn;
      this.learnerStep({ kind: 'connected' });
      const tick = (): void => {
        if (gen !== this.roleGen) return;
        this.learnerStep({ kind: 'tick' });
        this.w.at(TICK_ms, tick);
      };
      this.w.at(TICK_ms, tick);
    });
  }

  /** The leader's packet (or FIN) on our connection. */
  fromLeader(conn: Conn, p: QuorumPacket | 'FIN', snapshot?: SimSnapshot): void {
    const r = this.role;
    if (r.kind !== 'following' || r.conn !== conn) return;
    if (p === 'FIN') return this.endRole('the leader closed the connection');
    conn.seenByLearner.push(packetName(p.type));
    this.learnerStep({ kind: 'packet', packet: p, snapshot });
    if (p.type === PacketType.NEWLEADER && this.role === r) this.loggedAtNewLeader ??= this.disk.lastLoggedZxid();
  }

  learnerStep(input: LearnerInput): void {
    const r = this.role;
    if (r.kind !== 'following') return;
    const gen = this.roleGen;
    r.core.step(input);
    for (const e of r.core.ready()) {
      if (gen !== this.roleGen) return;
      this.w.hooks.learnerEffect?.(this, e);
      if (gen !== this.roleGen || !this.up) return;
      this.learnerEffect(r, e);
    }
  }

  private learnerEffect(r: Role & { kind: 'following' }, e: LearnerEffect): void {
    const c = this.w.checker;
    switch (e.kind) {
      case 'send':
        if (e.packet.type === PacketType.ACK && !r.observer) this.checkAck(e.packet.zxid);
        return void (r.conn && this.w.connSend(r.conn, false, e.packet));
      case 'setAcceptedEpoch':
        this.disk.acceptedEpoch = e.epoch;
        return;
      case 'setCurrentEpoch': {
        const need = this.loggedAtNewLeader ?? 0;
        const durable = this.disk.log.slice(0, this.disk.synced).at(-1)?.hdr.zxid ?? 0;
        if (this.disk.log.some((t, i) => i >= this.disk.synced && t.hdr.zxid <= need)) c.fail(`${this.name} set currentEpoch ${e.epoch} before the txns of its sync were durable (durable up to ${zxidToString(durable)}, received up to ${zxidToString(need)}): ZOOKEEPER-4643`);
        this.disk.currentEpoch = e.epoch;
        return;
      }
      case 'truncate': {
        this.completeFsyncs();
        this.disk.truncate(e.zxid);
        this.rebuild(this.disk.replay());
        const last = this.applied.at(-1)?.hdr.zxid ?? 0;
        if (last !== e.zxid) this.endRole(`truncated to ${zxidToString(e.zxid)}, but the log reaches only ${zxidToString(last)}`);
        return;
      }
      case 'loadSnapshot':
        this.completeFsyncs();
        this.w.trace(`${this.name} loads a SNAP at ${zxidToString(e.zxid)}`);
        this.disk.truncateLogOnly(e.zxid);
        this.rebuild([...(e.snapshot as SimSnapshot).history]);
        this.snapZxid = e.zxid;
        this.memoryAheadOfDisk = true;
        return;
      case 'applyUnlogged':
        this.memoryAheadOfDisk = true;
        return this.apply(e.txn);
      case 'log':
        return this.log(e.txns, (upTo) => this.learnerStep({ kind: 'persisted', upTo }));
      case 'takeSnapshot':
        this.completeFsyncs();
        this.w.trace(`${this.name} snapshot at ${zxidToString(this.applied.at(-1)?.hdr.zxid ?? 0)}`);
        this.disk.snapshot = [...this.applied];
        this.disk.snapshotZxid = Math.max(this.applied.at(-1)?.hdr.zxid ?? 0, this.snapZxid);
        this.memoryAheadOfDisk = false;
        return;
      case 'commit':
        return this.apply(e.txn);
      case 'serving':
        r.serving = true;
        // As the real peer (QuorumPeer's onServing): peers that look are told the new epoch.
        this.fle.updateElectionVote(BigInt(e.epoch));
        this.w.trace(`${this.name} serving as ${r.observer ? 'observer' : 'follower'} of ${r.leader} at epoch ${e.epoch}`);
        return this.checkServing();
      case 'ping':
        return void (r.conn && this.w.connSend(r.conn, false, packet(PacketType.PING, e.packet.zxid, Buffer.alloc(0))));
      case 'fail':
        return this.endRole(`learner: ${e.reason}`);
      default:
        return;
    }
  }

  /** An ACK goes only for what is durable (ZOOKEEPER-4646), and never for a PROPOSAL before NEWLEADER's (4685). */
  private checkAck(zxid: number): void {
    const c = this.w.checker;
    const durable = this.disk.log.slice(0, this.disk.synced);
    if (counterOf(zxid) === 0) {
      if (!this.newLeaderAcked) {
        this.newLeaderAcked = true;
        const need = this.loggedAtNewLeader ?? 0;
        if (this.disk.log.some((t, i) => i >= this.disk.synced && t.hdr.zxid <= need)) c.fail(`${this.name} ACKed NEWLEADER before the txns of its sync were durable (up to ${zxidToString(need)}): ZOOKEEPER-4646`);
      }
      return;
    }
    if (!this.newLeaderAcked) c.fail(`${this.name} ACKed PROPOSAL ${zxidToString(zxid)} before NEWLEADER: ZOOKEEPER-4685`);
    if (!durable.some((t) => t.hdr.zxid === zxid) && !this.disk.snapshot.some((t) => t.hdr.zxid === zxid)) c.fail(`${this.name} ACKed ${zxidToString(zxid)} before it was durable`);
  }

  // --- leading

  private lead(): void {
    const core = this.w.makeLeader(
      { myid: this.sid, isVoter: (s) => this.w.voters.includes(s), containsQuorum: (s) => this.w.containsQuorum(s), initLimit: INIT_LIMIT, syncLimit: SYNC_LIMIT, configText: 'version=0', configVersion: 0 },
      { acceptedEpoch: this.disk.acceptedEpoch, currentEpoch: this.disk.currentEpoch, lastProcessedZxid: this.applied.at(-1)?.hdr.zxid ?? 0, committedLog: [...this.window] },
    );
    // ZOOKEEPER-4925: the window a leader syncs from must be the tail of its history, no gap.
    const tail = this.applied.slice(-this.window.length);
    if (tail.some((t, i) => t !== this.window[i])) this.w.checker.fail(`${this.name} leads with a committed-proposal window that is not the tail of its history (a gap): ZOOKEEPER-4925`);
    this.role = { kind: 'leading', core, conns: new Map(), serving: false };
    const gen = this.roleGen;
    const halfTick = (): void => {
      if (gen !== this.roleGen) return;
      this.leaderStep({ kind: 'halfTick' });
      this.w.at(TICK_ms / 2, halfTick);
    };
    this.w.at(TICK_ms / 2, halfTick);
    this.leaderStep({ kind: 'start' });
  }

  /** A learner connected to our quorum port. */
  accept(conn: Conn): void {
    const r = this.role;
    if (r.kind !== 'leading') return;
    r.conns.set(conn.id, conn);
    this.leaderStep({ kind: 'connected', learner: conn.id });
  }

  fromLearner(conn: Conn, p: QuorumPacket | 'FIN'): void {
    const r = this.role;
    if (r.kind !== 'leading' || r.conns.get(conn.id) !== conn) return;
    if (p === 'FIN') {
      r.conns.delete(conn.id);
      return this.leaderStep({ kind: 'disconnected', learner: conn.id });
    }
    this.leaderStep({ kind: 'packet', learner: conn.id, packet: p });
  }

  leaderStep(input: LeaderInput): void {
    const r = this.role;
    if (r.kind !== 'leading') return;
    const gen = this.roleGen;
    r.core.step(input);
    for (const e of r.core.ready()) {
      if (gen !== this.roleGen) return;
      this.w.hooks.leaderEffect?.(this, e);
      if (gen !== this.roleGen || !this.up) return;
      this.leaderEffect(r, e);
    }
  }

  private leaderEffect(r: Role & { kind: 'leading' }, e: LeaderEffect): void {
    switch (e.kind) {
      case 'send': {
        const conn = r.conns.get(e.learner);
        return void (conn && this.w.connSend(conn, true, e.packet));
      }
      case 'sendSnapshot': {
        const conn = r.conns.get(e.learner);
        return void (conn && this.w.connSend(conn, true, packet(PacketType.SNAP, e.zxid), { history: [...this.applied] }));
      }
      case 'close': {
        const conn = r.conns.get(e.learner);
        this.w.trace(`${this.name} closes learner ${conn?.learner.name}: ${e.reason}`);
        r.conns.delete(e.learner);
        return void (conn && this.w.closeConn(conn, true));
      }
      case 'setAcceptedEpoch':
        this.disk.acceptedEpoch = e.epoch;
        return;
      case 'setCurrentEpoch':
        this.disk.currentEpoch = e.epoch;
        return;
      case 'log':
        return this.log(e.txns, (upTo) => this.leaderStep({ kind: 'persisted', upTo }));
      case 'commit': {
        if (!r.serving) this.w.checker.fail(`${this.name} committed ${describeTxn(e.txn)} before it was established`);
        this.apply(e.txn, false);
        this.w.checker.leaderCommit(this.name, this.applied.length - 1, e.txn);
        this.checkedUpTo = this.applied.length;
        if (this.w.isClientWrite(e.txn)) this.w.checker.ack(e.txn);
        return;
      }
      case 'serving':
        r.serving = true;
        this.fle.updateElectionVote(BigInt(e.epoch));
        this.w.trace(`${this.name} established epoch ${e.epoch} with ${this.applied.length} txns`);
        this.w.checker.established(e.epoch, this.name);
        this.w.checker.leaderHistory(this.name, this.applied);
        this.checkedUpTo = this.applied.length;
        return;
      case 'fail':
        return this.endRole(`leader: ${e.reason}`);
      case 'info':
        return this.w.trace(`${this.name}: ${e.line}`);
      default:
        return;
    }
  }

  /** The leader's zxid for the next client txn, when it serves. */
  nextZxid(): number | undefined {
    const r = this.role;
    return r.kind === 'leading' && r.serving ? r.core.lastProposedZxid + 1 : undefined;
  }

  // --- the disk

  private log(txns: Txn[], persisted: (upTo: number) => void): void {
    const last = this.disk.lastLoggedZxid();
    if (txns[0]!.hdr.zxid <= last) this.w.checker.fail(`${this.name} logged ${describeTxn(txns[0]!)} after ${zxidToString(last)}: zxids must increase`);
    this.disk.append(txns);
    const f: PendingFsync = { length: this.disk.log.length, upTo: txns.at(-1)!.hdr.zxid, roleGen: this.roleGen, done: false };
    this.fsyncs.push(f);
    const inc = this.incarnation;
    const slow = this.w.rng.chance(0.05);
    const at = Math.max(this.lastFsyncAt, this.w.now + (this.fsyncDelay_ms ?? (slow ? this.w.rng.int(100, 400) : this.w.rng.int(1, 15))));
    this.lastFsyncAt = at;
    this.w.at(at - this.w.now, () => {
      if (inc !== this.incarnation || f.done) return;
      if (this.failNextFsync) {
        // ZOOKEEPER-4882: the write failed and the log on disk is behind what the member
        // holds in memory. The member must not go on from memory: it restarts from its disk.
        this.failNextFsync = false;
        this.disk.log.length = this.disk.synced;
        this.w.trace(`${this.name}: fsync failed; restarting from the disk`);
        this.crash();
        return this.start();
      }
      this.finishFsync(f, persisted);
    });
    (f as PendingFsync & { persisted?: (upTo: number) => void }).persisted = persisted;
  }

  private finishFsync(f: PendingFsync, persisted: (upTo: number) => void): void {
    for (const g of this.fsyncs) {
      if (g.done) continue;
      g.done = true;
      this.disk.synced_(g.length);
      if (g === f) break;
    }
    this.fsyncs = this.fsyncs.filter((g) => !g.done);
    if (f.roleGen === this.roleGen) persisted(f.upTo);
  }

  /** What a truncate, a SNAP load or a snapshot waits for (ZKDatabase.idle): every fsync in flight; their 'persisted' follows the current effects. */
  private completeFsyncs(): void {
    for (const f of this.fsyncs) {
      if (f.done) continue;
      f.done = true;
      this.disk.synced_(f.length);
      const p = (f as PendingFsync & { persisted?: (upTo: number) => void }).persisted;
      if (p && f.roleGen === this.roleGen) {
        const gen = this.roleGen;
        this.w.at(0, () => gen === this.roleGen && p(f.upTo));
      }
    }
    this.fsyncs = [];
  }

  // --- checks

  /** Once serving, every txn applied is checked against the committed history. */
  private checkServing(): void {
    const r = this.role;
    if (r.kind === 'following' && r.serving) {
      this.w.checker.learnerHistory(this.name, this.applied, this.checkedUpTo);
      this.checkedUpTo = this.applied.length;
    }
  }

  /** Whether this member serves, in sync with `leader` (for settling). */
  servingUnder(leader: bigint): boolean {
    const r = this.role;
    if (r.kind === 'leading') return r.serving && leader === this.sid && r.core.lastCommittedZxid === r.core.lastProposedZxid;
    return r.kind === 'following' && r.serving && r.leader === leader && r.core.isServing;
  }
}
