// The leader side of Zab (Apache's Leader and its LearnerHandlers) as a pure state machine:
// fed learners' packets, half-ticks, proposals from the request pipeline and "the log is
// durable up to zxid", it hands back, in order, what to send to whom, log, commit and
// record. No socket, file or clock inside (see leader-cnx.ts and lead.ts for those).
//
// The phases, as Apache's: discovery (a quorum of FOLLOWERINFO picks the new epoch,
// LEADERINFO → a quorum of ACKEPOCH), synchronization (syncFollower per learner: DIFF |
// TRUNC | SNAP, then NEWLEADER → a quorum of ACKs → UPTODATE), broadcast (PROPOSAL → a
// quorum of ACKs → COMMIT in zxid order, INFORM to observers; PING each half tick, the
// syncLimit check). A learner that connects later goes through the same steps at once.
import { encodeTxn } from '../persistence/txn-codec';
import type { Txn } from '../tree/txn';
import type { Id } from '../jute/records';
import { Reader } from '../jute/codec';
import { LearnerInfo, packet, PacketType, packetName, ZAB_PROTOCOL_VERSION, type QuorumPacket } from './quorum-packet';
import { syncFollower, type CommittedProposal } from './sync-follower';
import { counterOf, epochOf, makeZxid, MAX_COUNTER, zxidToString } from './zxid';

export interface LeaderOptions {
  myid: bigint;
  isVoter(sid: bigint): boolean;
  /** Whether these voters are a quorum of the current config (QuorumVerifier.containsQuorum). */
  containsQuorum(sids: ReadonlySet<bigint>): boolean;
  /** In ticks: initLimit bounds discovery and sync, syncLimit a synced follower's silence and lag. */
  initLimit: number;
  syncLimit: number;
  /** NEWLEADER's data: the quorum config text (QuorumVerifier.toString). */
  configText: string;
  /** Our config's version: a learner announcing a later one is refused, as Apache does. */
  configVersion: number;
}

/** What the database holds when the leader starts. Every logged txn is applied (a new leader commits its whole log). */
export interface LeaderStart {
  acceptedEpoch: number;
  currentEpoch: number;
  lastProcessedZxid: number;
  /** The last committed txns, oldest first, ending at lastProcessedZxid (may be empty). */
  committedLog: readonly Txn[];
  /**
   * Whether a learner older than the window may be diffed from the txn log (Apache's
   * isTxnLogSyncEnabled). The core asks for the log with a 'readTxnLog' effect and gets it
   * back as a 'txnLog' input, rather than through a reader handed in here: it stays a pure
   * state machine (the simulation drives it without files), the read happens only for the
   * learner that needs it, and the I/O stays visible in the driver. Off when absent.
   */
  txnLogSyncEnabled?: boolean;
}

/** One connection from a learner (the transport's handle). */
export type LearnerId = number;

export type LeaderInput =
  /** Lead: the leader itself joins discovery (Leader.lead). */
  | { kind: 'start' }
  | { kind: 'connected'; learner: LearnerId }
  | { kind: 'packet'; learner: LearnerId; packet: QuorumPacket }
  | { kind: 'disconnected'; learner: LearnerId }
  /** Half a tickTime passed (Leader.lead's loop period). */
  | { kind: 'halfTick' }
  /** Our own txn log is durable up to this zxid: the leader's own ACK. */
  | { kind: 'persisted'; upTo: number }
  /** A txn from the request pipeline; its zxid must be lastProposed + 1. */
  | { kind: 'propose'; txn: Txn }
  /** A learner's sync reached its turn in the pipeline (Leader.processSync). */
  | { kind: 'sync'; learner: LearnerId }
  /**
   * The answer to 'readTxnLog': the logged proposals after the learner's zxid, oldest first,
   * up to the zxid asked for (more are ignored), empty when the log does not reach back to
   * the learner or is past the size limit. The driver feeds it before any other input, as
   * Apache reads under the log lock; if commits come between, the plan is made with the
   * window as it is then, and a gap falls back to SNAP.
   */
  | { kind: 'txnLog'; learner: LearnerId; proposals: readonly CommittedProposal[] }
  /** The session tracker's answer to a 'revalidate' effect. */
  | { kind: 'revalidated'; learner: LearnerId; sessionId: bigint; valid: boolean };

export type LeaderEffect =
  | { kind: 'send'; learner: LearnerId; packet: QuorumPacket }
  /** SNAP(zxid) then the snapshot stream of the tree as it stands now (every commit so far applied, no later one). */
  | { kind: 'sendSnapshot'; learner: LearnerId; zxid: number }
  /** Read the txn log for a learner older than the window (getProposalsFromTxnLog with the size limit); answer with 'txnLog'. */
  | { kind: 'readTxnLog'; learner: LearnerId; peerLastZxid: number; upTo: number }
  | { kind: 'close'; learner: LearnerId; reason: string }
  | { kind: 'setAcceptedEpoch'; epoch: number }
  | { kind: 'setCurrentEpoch'; epoch: number }
  /** Append to our txn log; feed 'persisted' once fsynced. */
  | { kind: 'log'; txns: Txn[] }
  /** A quorum has it: apply (and answer the client that waits for it). In zxid order. */
  | { kind: 'commit'; txn: Txn }
  /** A learner's client request for the pipeline (Apache's submitLearnerRequest). */
  | { kind: 'request'; learner: LearnerId; sessionId: bigint; cxid: number; type: number; request: Buffer; authinfo: Id[] }
  /** Sessions a learner saw since its last PING, with their timeouts. */
  | { kind: 'touch'; sessions: [bigint, number][] }
  | { kind: 'revalidate'; learner: LearnerId; sessionId: bigint; timeout: number }
  /** A quorum is synced: serve clients (startZkServer). */
  | { kind: 'serving'; epoch: number }
  /** One line for the log (what Apache logs at info for the event). */
  | { kind: 'info'; line: string }
  /** Give up leading (close every learner, look for a leader again). */
  | { kind: 'fail'; reason: string };

type LeaderPhase = 'idle' | 'discovery' | 'epochAck' | 'sync' | 'broadcast' | 'failed';
type LearnerPhase = 'info' | 'epoch' | 'ackEpoch' | 'epochAcked' | 'txnLog' | 'newLeaderAck' | 'startup' | 'broadcast';

interface Handler {
  id: LearnerId;
  sid: bigint;
  type: 'participant' | 'observer';
  phase: LearnerPhase;
  lastAcceptedEpoch: number;
  /** From its ACKEPOCH: where its sync starts. */
  peerLastZxid: number;
  halfTicksSilent: number;
  /** Apache's tickOfNextAckDeadline: past it the learner does not count as synced. */
  tickOfNextAckDeadline: number;
  /** PROPOSALs sent and not yet acked, with the half tick they went (SyncLimitCheck). */
  unacked: { zxid: number; sentAt: number }[];
}

interface Proposal {
  txn: Txn;
  data: Buffer;
  acks: Set<bigint>;
}

/** Apache's ZKDatabase.commitLogCount: committed proposals kept for DIFF syncs. */
export const COMMIT_LOG_COUNT = 500;

export class Leader {
  private phase: LeaderPhase = 'idle';
  private effects: LeaderEffect[] = [];
  private readonly handlers = new Map<LearnerId, Handler>();
  private readonly connectingFollowers = new Set<bigint>();
  private readonly electingFollowers = new Set<bigint>();
  private readonly newLeaderAcks = new Set<bigint>();
  private epoch = -1;
  private readonly acceptedEpoch: number;
  private readonly currentEpoch: number;
  private lastProcessedZxid: number;
  private readonly window: CommittedProposal[];
  private readonly txnLogSyncEnabled: boolean;
  /** Outstanding proposals, in zxid order (a Map keeps insertion order). */
  private readonly outstanding = new Map<number, Proposal>();
  private lastProposed = 0;
  private lastCommitted = 0;
  private persistedUpTo: number;
  private readonly pendingSyncs = new Map<number, LearnerId[]>();
  private halfTicks = 0;
  private phaseStartedAt = 0;
  /** Apache's self.tick: counted every other half tick once broadcasting. */
  private tick = 0;
  private tickSkip = true;
  private nextAnonymousSid = -1n;

  constructor(
    private readonly o: LeaderOptions,
    start: LeaderStart,
  ) {
    this.acceptedEpoch = start.acceptedEpoch;
    this.currentEpoch = start.currentEpoch;
    this.lastProcessedZxid = start.lastProcessedZxid;
    this.persistedUpTo = start.lastProcessedZxid;
    this.txnLogSyncEnabled = start.txnLogSyncEnabled ?? false;
    this.window = start.committedLog.slice(-COMMIT_LOG_COUNT).map((t) => ({ zxid: t.hdr.zxid, data: encodeTxn(t) }));
  }

  ready(): LeaderEffect[] {
    const e = this.effects;
    this.effects = [];
    return e;
  }

  get isServing(): boolean {
    return this.phase === 'broadcast';
  }
  /** The zxid of the last txn proposed: the pipeline's next txn takes this + 1. */
  get lastProposedZxid(): number {
    return this.lastProposed;
  }
  get lastCommittedZxid(): number {
    return this.lastCommitted;
  }
  /** Voters (us included) that count as synced now: the figure the quorum check uses. */
  syncedVoters(): Set<bigint> {
    const s = new Set<bigint>([this.o.myid]);
    for (const h of this.handlers.values()) if (this.synced(h) && this.o.isVoter(h.sid)) s.add(h.sid);
    return s;
  }

  step(input: LeaderInput): void {
    if (this.phase === 'failed') return;
    switch (input.kind) {
      case 'start':
        return this.start();
      case 'connected':
        this.handlers.set(input.learner, { id: input.learner, sid: 0n, type: 'participant', phase: 'info', lastAcceptedEpoch: -1, peerLastZxid: -1, halfTicksSilent: 0, tickOfNextAckDeadline: this.tick + this.o.initLimit + this.o.syncLimit, unacked: [] });
        return;
      case 'packet': {
        const h = this.handlers.get(input.learner);
        if (!h) return;
        h.halfTicksSilent = 0;
        return this.received(h, input.packet);
      }
      case 'disconnected':
        this.handlers.delete(input.learner);
        return;
      case 'halfTick':
        return this.halfTick();
      case 'persisted':
        return this.persisted(input.upTo);
      case 'propose':
        return this.propose(input.txn);
      case 'sync':
        return this.processSync(input.learner);
      case 'txnLog': {
        const h = this.handlers.get(input.learner);
        if (h?.phase === 'txnLog') this.syncLearner(h, input.proposals);
        return;
      }
      case 'revalidated': {
        const d = Buffer.alloc(9);
        d.writeBigInt64BE(input.sessionId);
        d[8] = input.valid ? 1 : 0;
        return this.send(input.learner, packet(PacketType.REVALIDATE, -1, d));
      }
    }
  }

  // --- discovery

  private start(): void {
    if (this.phase !== 'idle') return;
    this.enter('discovery');
    this.getEpochToPropose(this.o.myid, this.acceptedEpoch);
  }

  private enter(phase: LeaderPhase): void {
    this.phase = phase;
    this.phaseStartedAt = this.halfTicks;
  }

  /** Counts a voter's accepted epoch; once a quorum (us included) is in, the new epoch is fixed. */
  private getEpochToPropose(sid: bigint, lastAcceptedEpoch: number): void {
    if (this.phase !== 'discovery') return;
    if (lastAcceptedEpoch >= this.epoch) this.epoch = lastAcceptedEpoch + 1;
    if (this.o.isVoter(sid)) this.connectingFollowers.add(sid);
    if (!this.connectingFollowers.has(this.o.myid) || !this.o.containsQuorum(this.connectingFollowers)) return;
    this.effects.push({ kind: 'setAcceptedEpoch', epoch: this.epoch });
    this.lastProposed = makeZxid(this.epoch, 0);
    this.enter('epochAck');
    this.waitForEpochAck(this.o.myid, this.currentEpoch, this.lastProcessedZxid);
    for (const h of this.handlers.values()) if (h.phase === 'epoch') this.sendLeaderInfo(h);
  }

  private sendLeaderInfo(h: Handler): void {
    const ver = Buffer.alloc(4);
    ver.writeInt32BE(ZAB_PROTOCOL_VERSION);
    h.phase = 'ackEpoch';
    this.send(h.id, packet(PacketType.LEADERINFO, makeZxid(this.epoch, 0), ver));
  }

  /** An ACKEPOCH (or our own state): refuse a follower ahead of us; a quorum of them ends discovery. */
  private waitForEpochAck(sid: bigint, peerCurrentEpoch: number, peerLastZxid: number): boolean {
    if (this.phase !== 'epochAck') return true;
    if (peerCurrentEpoch !== -1) {
      const ahead = peerCurrentEpoch > this.currentEpoch || (peerCurrentEpoch === this.currentEpoch && peerLastZxid > this.lastProcessedZxid);
      if (ahead) return false;
      if (peerLastZxid !== -1 && this.o.isVoter(sid)) this.electingFollowers.add(sid);
    }
    if (this.electingFollowers.has(this.o.myid) && this.o.containsQuorum(this.electingFollowers)) {
      this.enter('sync');
      this.effects.push({ kind: 'setCurrentEpoch', epoch: this.epoch });
      this.newLeaderAcks.add(this.o.myid);
      for (const h of this.handlers.values()) if (h.phase === 'epochAcked') this.syncLearner(h);
      this.checkNewLeaderQuorum();
    }
    return true;
  }

  private received(h: Handler, p: QuorumPacket): void {
    switch (h.phase) {
      case 'info':
        return this.learnerInfo(h, p);
      case 'epoch':
        return this.close(h, `${packetName(p.type)} before LEADERINFO`);
      case 'ackEpoch':
        return this.ackEpoch(h, p);
      case 'epochAcked':
      case 'txnLog':
        return this.close(h, `${packetName(p.type)} before the sync began`);
      case 'newLeaderAck':
        if (p.type !== PacketType.ACK) return this.close(h, `Next packet was supposed to be an ACK, but received ${packetName(p.type)}`);
        return this.newLeaderAck(h, p.zxid);
      case 'startup':
      case 'broadcast':
        return this.fromSynced(h, p);
    }
  }

  private learnerInfo(h: Handler, p: QuorumPacket): void {
    if (p.type !== PacketType.FOLLOWERINFO && p.type !== PacketType.OBSERVERINFO) return this.close(h, `First packet ${packetName(p.type)} is not FOLLOWERINFO or OBSERVERINFO`);
    if (p.data && p.data.length >= 8) {
      const info = p.data.length >= 20 ? LearnerInfo.read(new Reader(p.data)) : { serverid: p.data.readBigInt64BE(0), protocolVersion: 0, configVersion: 0n };
      if (p.data.length >= 20 && info.configVersion > BigInt(this.o.configVersion)) return this.close(h, 'Follower is ahead of the leader (has a later activated configuration)');
      if (p.data.length >= 12 && p.data.readInt32BE(8) < ZAB_PROTOCOL_VERSION) return this.close(h, 'a pre-Zab-1.0 learner (protocol version below 0x10000)');
      h.sid = info.serverid;
    } else {
      h.sid = this.nextAnonymousSid--;
    }
    h.type = p.type === PacketType.OBSERVERINFO ? 'observer' : 'participant';
    h.lastAcceptedEpoch = epochOf(p.zxid);
    h.phase = 'epoch';
    if (this.phase === 'discovery') this.getEpochToPropose(h.sid, h.lastAcceptedEpoch);
    if (this.phase !== 'discovery' && h.phase === 'epoch') this.sendLeaderInfo(h);
  }

  private ackEpoch(h: Handler, p: QuorumPacket): void {
    if (p.type !== PacketType.ACKEPOCH || !p.data || p.data.length < 4) return this.close(h, `${packetName(p.type)} is not ACKEPOCH`);
    const peerEpoch = p.data.readInt32BE(0);
    h.phase = 'epochAcked';
    h.peerLastZxid = p.zxid;
    if (!this.waitForEpochAck(h.sid, peerEpoch, p.zxid)) return this.close(h, `Follower is ahead of the leader: its epoch ${peerEpoch} and zxid ${zxidToString(p.zxid)}, ours ${this.currentEpoch} and ${zxidToString(this.lastProcessedZxid)}`);
    if (this.phase !== 'epochAck') this.syncLearner(h);
  }

  // --- synchronization

  /** syncFollower + startForwarding + NEWLEADER, in the order they reach the learner. */
  private syncLearner(h: Handler, txnLog?: readonly CommittedProposal[]): void {
    if (h.phase !== (txnLog ? 'txnLog' : 'epochAcked')) return;
    const plan = syncFollower(h.peerLastZxid, this.window, this.lastProcessedZxid, txnLog ?? (this.txnLogSyncEnabled ? 'unread' : 'disabled'));
    if (plan.readTxnLogUpTo !== undefined) {
      h.phase = 'txnLog';
      this.effects.push({ kind: 'readTxnLog', learner: h.id, peerLastZxid: h.peerLastZxid, upTo: plan.readTxnLogUpTo });
      return;
    }
    this.effects.push({ kind: 'info', line: `Synchronizing with Learner sid: ${h.sid}: ${plan.why}` });
    if (plan.snap) this.effects.push({ kind: 'sendSnapshot', learner: h.id, zxid: this.lastProcessedZxid });
    for (const p of plan.packets) this.send(h.id, p);
    // startForwarding: what was proposed after the sync point follows it (committed ones
    // are in the window, so only the outstanding, and only to participants).
    if (h.type === 'participant') {
      for (const [zxid, prop] of this.outstanding) if (zxid > plan.upTo) this.send(h.id, packet(PacketType.PROPOSAL, zxid, prop.data));
    }
    h.phase = 'newLeaderAck';
    this.send(h.id, packet(PacketType.NEWLEADER, makeZxid(this.epoch, 0), Buffer.from(this.o.configText)));
  }

  private newLeaderAck(h: Handler, zxid: number): void {
    h.phase = 'startup';
    if (this.phase === 'sync' && zxid === makeZxid(this.epoch, 0) && this.o.isVoter(h.sid) && h.type === 'participant') {
      this.newLeaderAcks.add(h.sid);
      this.checkNewLeaderQuorum();
    }
    if (this.phase === 'broadcast' && h.phase === 'startup') this.upToDate(h);
  }

  private checkNewLeaderQuorum(): void {
    if (this.phase !== 'sync' || !this.o.containsQuorum(this.newLeaderAcks)) return;
    // startZkServer: the new epoch's zxids begin here, and waiting learners get UPTODATE.
    this.enter('broadcast');
    this.lastCommitted = makeZxid(this.epoch, 0);
    this.lastProcessedZxid = this.lastCommitted;
    this.effects.push({ kind: 'serving', epoch: this.epoch });
    for (const h of this.handlers.values()) if (h.phase === 'startup') this.upToDate(h);
  }

  private upToDate(h: Handler): void {
    h.phase = 'broadcast';
    this.send(h.id, packet(PacketType.UPTODATE, -1));
  }

  // --- broadcast

  private fromSynced(h: Handler, p: QuorumPacket): void {
    h.tickOfNextAckDeadline = this.tick + this.o.syncLimit;
    switch (p.type) {
      case PacketType.ACK:
        while (h.unacked.length > 0 && h.unacked[0]!.zxid <= p.zxid) h.unacked.shift();
        if (h.type === 'participant') this.processAck(h.sid, p.zxid);
        return;
      case PacketType.PING: {
        const d = p.data ?? Buffer.alloc(0);
        const sessions: [bigint, number][] = [];
        for (let at = 0; at + 12 <= d.length; at += 12) sessions.push([d.readBigInt64BE(at), d.readInt32BE(at + 8)]);
        if (sessions.length > 0) this.effects.push({ kind: 'touch', sessions });
        return;
      }
      case PacketType.REVALIDATE:
        if (!p.data || p.data.length < 12) return this.close(h, 'a REVALIDATE shorter than a session id and a timeout');
        this.effects.push({ kind: 'revalidate', learner: h.id, sessionId: p.data.readBigInt64BE(0), timeout: p.data.readInt32BE(8) });
        return;
      case PacketType.REQUEST:
        if (!p.data || p.data.length < 16) return this.close(h, 'a REQUEST shorter than its header');
        this.effects.push({ kind: 'request', learner: h.id, sessionId: p.data.readBigInt64BE(0), cxid: p.data.readInt32BE(8), type: p.data.readInt32BE(12), request: p.data.subarray(16), authinfo: p.authinfo ?? [] });
        return;
      default:
        return; // Apache warns of unexpected packets and carries on
    }
  }

  private propose(txn: Txn): void {
    if (this.phase !== 'broadcast') throw new Error(`propose while ${this.phase}: the pipeline runs only once serving`);
    const zxid = txn.hdr.zxid;
    if (counterOf(zxid) === MAX_COUNTER) {
      // ZOOKEEPER-1277: the counter's last value is never used; a new epoch starts instead.
      return this.fail('zxid lower 32 bits have rolled over, forcing re-election, and therefore new epoch start');
    }
    if (zxid !== this.lastProposed + 1) throw new Error(`proposal ${zxidToString(zxid)} does not follow ${zxidToString(this.lastProposed)}`);
    const data = encodeTxn(txn);
    this.lastProposed = zxid;
    this.outstanding.set(zxid, { txn, data, acks: new Set() });
    this.effects.push({ kind: 'log', txns: [txn] });
    const pp = packet(PacketType.PROPOSAL, zxid, data);
    for (const h of this.forwardingFollowers()) {
      // SyncLimitCheck runs once the NEWLEADER ACK is in.
      if (h.phase === 'startup' || h.phase === 'broadcast') h.unacked.push({ zxid, sentAt: this.halfTicks });
      this.send(h.id, pp);
    }
  }

  private persisted(upTo: number): void {
    this.persistedUpTo = Math.max(this.persistedUpTo, upTo);
    for (const zxid of [...this.outstanding.keys()]) {
      if (zxid > this.persistedUpTo) break;
      this.processAck(this.o.myid, zxid);
    }
  }

  private processAck(sid: bigint, zxid: number): void {
    if (counterOf(zxid) === 0) return; // NEWLEADER and UPTODATE acks are not for proposals
    const p = this.outstanding.get(zxid);
    if (!p) return; // committed already, or a future proposal
    if (this.o.isVoter(sid)) p.acks.add(sid);
    this.tryToCommit();
  }

  /** Commits the oldest outstanding proposals while each has a quorum: never N+1 before N. */
  private tryToCommit(): void {
    for (const [zxid, p] of this.outstanding) {
      if (!this.o.containsQuorum(p.acks)) return;
      this.outstanding.delete(zxid);
      this.lastCommitted = zxid;
      this.lastProcessedZxid = zxid;
      this.window.push({ zxid, data: p.data });
      if (this.window.length > COMMIT_LOG_COUNT) this.window.shift();
      const commit = packet(PacketType.COMMIT, zxid);
      for (const h of this.forwardingFollowers()) this.send(h.id, commit);
      const inform = packet(PacketType.INFORM, zxid, p.data);
      for (const h of this.handlers.values()) if (h.type === 'observer' && isForwarding(h)) this.send(h.id, inform);
      this.effects.push({ kind: 'commit', txn: p.txn });
      for (const l of this.pendingSyncs.get(zxid) ?? []) this.send(l, packet(PacketType.SYNC, 0));
      this.pendingSyncs.delete(zxid);
    }
  }

  private processSync(learner: LearnerId): void {
    if (this.outstanding.size === 0) return this.send(learner, packet(PacketType.SYNC, 0));
    const waiting = this.pendingSyncs.get(this.lastProposed);
    if (waiting) waiting.push(learner);
    else this.pendingSyncs.set(this.lastProposed, [learner]);
  }

  private *forwardingFollowers(): Iterable<Handler> {
    for (const h of this.handlers.values()) if (h.type === 'participant' && isForwarding(h)) yield h;
  }

  // --- time

  private halfTick(): void {
    this.halfTicks++;
    const inPhase = this.halfTicks - this.phaseStartedAt;
    // Learners' silence: initLimit until their NEWLEADER ACK, syncLimit after (the socket timeouts).
    for (const h of [...this.handlers.values()]) {
      h.halfTicksSilent++;
      const limit = h.phase === 'startup' || h.phase === 'broadcast' ? this.o.syncLimit : this.o.initLimit;
      if (h.halfTicksSilent > 2 * limit) this.close(h, `Read timed out: silent for ${h.halfTicksSilent / 2} ticks (limit ${limit})`);
    }
    switch (this.phase) {
      case 'discovery':
        if (inPhase > 2 * this.o.initLimit) this.fail('Timeout while waiting for epoch from quorum');
        return;
      case 'epochAck':
        if (inPhase > 2 * this.o.initLimit) this.fail('Timeout while waiting for epoch to be acked by quorum');
        return;
      case 'sync':
        if (inPhase > 2 * this.o.initLimit) this.fail(`Waiting for a quorum of followers, only synced with sids: [ ${[...this.newLeaderAcks].join(',')} ]`);
        return;
      case 'broadcast':
        return this.leadLoop();
      default:
        return;
    }
  }

  /** Leader.lead's loop body: every tick the synced quorum check, every half tick a PING to each learner. */
  private leadLoop(): void {
    if (!this.tickSkip) this.tick++;
    if (!this.tickSkip) {
      const synced = this.syncedVoters();
      if (!this.o.containsQuorum(synced)) return this.fail(`Not sufficient followers synced, only synced with sids: [ ${[...synced].join(',')} ]`);
    }
    this.tickSkip = !this.tickSkip;
    for (const h of [...this.handlers.values()]) {
      if (!isForwarding(h)) continue;
      const oldest = h.unacked[0];
      if (oldest && this.halfTicks - oldest.sentAt >= 2 * this.o.syncLimit) {
        this.close(h, `Closing connection to peer due to transaction timeout: ${zxidToString(oldest.zxid)} not acked within syncLimit (${this.o.syncLimit} ticks)`);
        continue;
      }
      this.send(h.id, packet(PacketType.PING, this.lastProposed));
    }
  }

  private synced(h: Handler): boolean {
    return h.phase !== 'info' && this.tick <= h.tickOfNextAckDeadline;
  }

  private send(learner: LearnerId, p: QuorumPacket): void {
    if (this.handlers.has(learner)) this.effects.push({ kind: 'send', learner, packet: p });
  }

  private close(h: Handler, reason: string): void {
    this.handlers.delete(h.id);
    this.effects.push({ kind: 'close', learner: h.id, reason });
  }

  private fail(reason: string): void {
    this.phase = 'failed';
    for (const h of [...this.handlers.values()]) this.close(h, 'the leader is shutting down');
    this.effects.push({ kind: 'fail', reason });
  }
}

/** Past syncFollower, a learner receives what the leader proposes (Apache's forwardingFollowers / observingLearners). */
function isForwarding(h: Handler): boolean {
  return h.phase === 'newLeaderAck' || h.phase === 'startup' || h.phase === 'broadcast';
}
