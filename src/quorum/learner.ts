// The learner side of Zab (Apache's Learner, Follower and Observer) as a pure state
// machine: fed the leader's packets, ticks and "the log is durable up to zxid", it hands
// back, in order, what to send, log, apply and record. No socket, file or clock inside.
//
// The phases, as Apache's: discovery (FOLLOWERINFO → LEADERINFO → ACKEPOCH), synchronization
// (DIFF | TRUNC | SNAP, PROPOSAL/COMMIT pairs, NEWLEADER → ACK, UPTODATE → ACK), broadcast
// (PROPOSAL → log → ACK, COMMIT → apply; INFORM for observers). Where Apache 3.8 has known
// bugs in that sequence this core does what 3.9.3+ does:
// - txns received during sync reach the disk before currentEpoch moves (ZOOKEEPER-4643) and
//   before NEWLEADER is acknowledged (ZOOKEEPER-4646, 3911);
// - no PROPOSAL received before NEWLEADER is acknowledged before NEWLEADER is (ZOOKEEPER-4685);
// - a COMMIT between NEWLEADER and UPTODATE commits what it names, never a wrong txn
//   (ZOOKEEPER-4394): commits are matched to logged txns by zxid, in order, and a gap or an
//   unknown zxid drops the leader instead of applying out of order (ZOOKEEPER-4925).
import { decodeTxn } from '../persistence/txn-codec';
import type { Txn } from '../tree/txn';
import { packet, PacketType, packetName, ZAB_PROTOCOL_VERSION, type QuorumPacket } from './quorum-packet';
import { LearnerInfo } from './quorum-packet';
import { Writer } from '../jute/codec';
import { epochOf, makeZxid, zxidToString } from './zxid';

export interface LearnerOptions {
  myid: bigint;
  learnerType: 'participant' | 'observer';
  /** initLimit and syncLimit, in ticks: how long the leader may stay silent in each phase. */
  initLimit: number;
  syncLimit: number;
  /** The version of our quorum config (LearnerInfo.configVersion). */
  configVersion: number;
}

/** What the database holds when the learner connects. */
export interface LearnerStart {
  acceptedEpoch: number;
  currentEpoch: number;
  lastLoggedZxid: number;
}

/** The snapshot a SNAP carried, decoded by the transport from the stream behind it; opaque here. */
export type SnapshotPayload = object;

export type LearnerInput =
  | { kind: 'connected' }
  | { kind: 'packet'; packet: QuorumPacket; snapshot?: SnapshotPayload }
  /** The txn log is durable up to this zxid. */
  | { kind: 'persisted'; upTo: number }
  /** One tickTime passed. */
  | { kind: 'tick' }
  /** A client request to forward to the leader (REQUEST, REVALIDATE). */
  | { kind: 'forward'; packet: QuorumPacket };

export type LearnerEffect =
  | { kind: 'send'; packet: QuorumPacket }
  | { kind: 'setAcceptedEpoch'; epoch: number }
  | { kind: 'setCurrentEpoch'; epoch: number }
  /** The leader chose how to sync us (for the operator's log: which one it was, and to what zxid). */
  | { kind: 'syncing'; mode: 'DIFF' | 'SNAP' | 'TRUNC'; zxid: number }
  /** Drop every logged txn after zxid, and the tree back to it (TRUNC). */
  | { kind: 'truncate'; zxid: number }
  /** Replace the tree and sessions by the leader's (SNAP); lastProcessedZxid becomes zxid. */
  | { kind: 'loadSnapshot'; snapshot: SnapshotPayload; zxid: number }
  /** Apply a txn to the tree without logging it (committed during a SNAP/TRUNC sync: the snapshot at NEWLEADER keeps it). */
  | { kind: 'applyUnlogged'; txn: Txn }
  /** Append to the txn log; 'persisted' is fed once it is fsynced. */
  | { kind: 'log'; txns: Txn[] }
  /** Write a snapshot of the tree now (SNAP and TRUNC syncs, at NEWLEADER). */
  | { kind: 'takeSnapshot' }
  /** Apply this logged txn (commit-apply answers the client that waits for it). */
  | { kind: 'commit'; txn: Txn }
  /** In sync: serve clients. */
  | { kind: 'serving'; epoch: number }
  /** The leader answered a PING, REVALIDATE or SYNC. */
  | { kind: 'ping'; packet: QuorumPacket }
  | { kind: 'revalidated'; sessionId: bigint; valid: boolean }
  | { kind: 'synced' }
  /** Give up this leader (close the connection, look for a leader again). */
  | { kind: 'fail'; reason: string };

type Phase = 'connecting' | 'discovery' | 'sync' | 'newleader' | 'broadcast' | 'failed';

/** A received txn and whether the leader has committed it. */
interface InFlight {
  txn: Txn;
  committed: boolean;
}

export class Learner {
  private phase: Phase = 'connecting';
  private effects: LearnerEffect[] = [];
  private acceptedEpoch: number;
  private currentEpoch: number;
  private lastLoggedZxid: number;
  private newEpoch = 0;
  private newLeaderZxid = 0;
  /** SNAP and TRUNC: txns committed before NEWLEADER are applied at once, and the snapshot at NEWLEADER keeps them. */
  private snapshotNeeded = false;
  /** Txns received during sync, not yet logged (they are logged at NEWLEADER). */
  private readonly pending: InFlight[] = [];
  /** Txns logged (or being logged) and not yet committed, oldest first. */
  private readonly logged: InFlight[] = [];
  /** The zxid the log must reach before the next ACK may go (and what waits for it). */
  private readonly acksAfterPersist: { zxid: number; packet: QuorumPacket; then?: () => void }[] = [];
  private persistedUpTo: number;
  private ticksSilent = 0;

  constructor(
    private readonly o: LearnerOptions,
    start: LearnerStart,
  ) {
    this.acceptedEpoch = start.acceptedEpoch;
    this.currentEpoch = start.currentEpoch;
    this.lastLoggedZxid = start.lastLoggedZxid;
    this.persistedUpTo = start.lastLoggedZxid;
  }

  /** The ordered effects of the steps so far; clears them. */
  ready(): LearnerEffect[] {
    const e = this.effects;
    this.effects = [];
    return e;
  }

  get isServing(): boolean {
    return this.phase === 'broadcast';
  }

  step(input: LearnerInput): void {
    if (this.phase === 'failed') return;
    switch (input.kind) {
      case 'connected':
        return this.register();
      case 'packet':
        this.ticksSilent = 0;
        return this.received(input.packet, input.snapshot);
      case 'persisted':
        return this.persisted(input.upTo);
      case 'tick':
        return this.tick();
      case 'forward':
        if (this.phase === 'broadcast') this.send(input.packet);
        return;
    }
  }

  // --- discovery

  private register(): void {
    if (this.phase !== 'connecting') return;
    this.phase = 'discovery';
    const w = new Writer(32);
    LearnerInfo.write(w, { serverid: this.o.myid, protocolVersion: ZAB_PROTOCOL_VERSION, configVersion: this.o.configVersion });
    const type = this.o.learnerType === 'observer' ? PacketType.OBSERVERINFO : PacketType.FOLLOWERINFO;
    this.send(packet(type, makeZxid(this.acceptedEpoch, 0), w.toBuffer()));
  }

  private received(p: QuorumPacket, snapshot: SnapshotPayload | undefined): void {
    switch (this.phase) {
      case 'connecting':
        return this.fail(`${packetName(p.type)} before we registered`);
      case 'discovery':
        return this.discovery(p);
      case 'sync':
      case 'newleader':
        return this.sync(p, snapshot);
      case 'broadcast':
        return this.broadcast(p);
    }
  }

  private discovery(p: QuorumPacket): void {
    if (p.type !== PacketType.LEADERINFO) {
      // Only pre-3.4 leaders (Zab 0.9) answer with NEWLEADER here; Apache 3.5+ does not talk to them either.
      return this.fail(`expected LEADERINFO from the leader, got ${packetName(p.type)}`);
    }
    const newEpoch = epochOf(p.zxid);
    const reply = Buffer.alloc(4);
    if (newEpoch > this.acceptedEpoch) {
      reply.writeInt32BE(this.currentEpoch);
      this.acceptedEpoch = newEpoch;
      this.effects.push({ kind: 'setAcceptedEpoch', epoch: newEpoch });
    } else if (newEpoch === this.acceptedEpoch) {
      // We acked this epoch already: -1 says this reply is not a second ack of it.
      reply.writeInt32BE(-1);
    } else {
      return this.fail(`the leader's epoch ${newEpoch} is below our accepted epoch ${this.acceptedEpoch}`);
    }
    this.newEpoch = newEpoch;
    this.newLeaderZxid = makeZxid(newEpoch, 0);
    this.send(packet(PacketType.ACKEPOCH, this.lastLoggedZxid, reply));
    this.phase = 'sync';
    this.syncMode = undefined;
  }

  // --- synchronization

  private syncMode: 'DIFF' | 'SNAP' | 'TRUNC' | undefined;

  private sync(p: QuorumPacket, snapshot: SnapshotPayload | undefined): void {
    if (this.syncMode === undefined) return this.syncStart(p, snapshot);
    switch (p.type) {
      case PacketType.PROPOSAL:
      case PacketType.INFORM: {
        const txn = this.decode(p);
        if (!txn) return;
        const entry = { txn, committed: p.type === PacketType.INFORM };
        if (this.phase === 'newleader') {
          // After NEWLEADER everything goes to the log as in broadcast, acked once durable.
          this.logTxn(entry, p.type === PacketType.PROPOSAL);
        } else if (entry.committed && this.snapshotNeeded) {
          this.applyUnlogged(txn);
        } else {
          this.pending.push(entry);
        }
        return;
      }
      case PacketType.COMMIT:
        return this.syncCommit(p.zxid);
      case PacketType.NEWLEADER:
        return this.newLeader();
      case PacketType.UPTODATE:
        return this.upToDate();
      case PacketType.PING:
        // Not answered until UPTODATE, as Apache's syncWithLeader ignores it: the leader reads
        // the NEWLEADER ACK as the very next packet, and a PING there makes it drop us.
        return;
      default:
        return this.fail(`unexpected ${packetName(p.type)} while synchronizing`);
    }
  }

  private syncStart(p: QuorumPacket, snapshot: SnapshotPayload | undefined): void {
    switch (p.type) {
      case PacketType.DIFF:
        this.syncMode = 'DIFF';
        this.effects.push({ kind: 'syncing', mode: 'DIFF', zxid: p.zxid });
        this.snapshotNeeded = false;
        break;
      case PacketType.SNAP:
        if (!snapshot) return this.fail('SNAP without its snapshot');
        this.syncMode = 'SNAP';
        this.effects.push({ kind: 'syncing', mode: 'SNAP', zxid: p.zxid });
        this.snapshotNeeded = true;
        // Everything we logged is replaced by the leader's state.
        this.logged.length = 0;
        this.effects.push({ kind: 'loadSnapshot', snapshot, zxid: p.zxid });
        this.lastLoggedZxid = p.zxid;
        break;
      case PacketType.TRUNC:
        this.syncMode = 'TRUNC';
        this.effects.push({ kind: 'syncing', mode: 'TRUNC', zxid: p.zxid });
        this.snapshotNeeded = true;
        this.logged.length = 0;
        this.effects.push({ kind: 'truncate', zxid: p.zxid });
        this.lastLoggedZxid = p.zxid;
        this.persistedUpTo = Math.min(this.persistedUpTo, p.zxid);
        break;
      default:
        return this.fail(`expected DIFF, SNAP or TRUNC, got ${packetName(p.type)}`);
    }
  }

  /** A COMMIT during sync names the oldest txn not yet committed; anything else is a broken stream. */
  private syncCommit(zxid: number): void {
    if (this.phase === 'newleader') return this.commit(zxid);
    const next = this.pending.find((e) => !e.committed);
    if (!next || next.txn.hdr.zxid !== zxid) {
      return this.fail(`COMMIT ${zxidToString(zxid)} while synchronizing, but the next uncommitted proposal is ${next ? zxidToString(next.txn.hdr.zxid) : 'none'}`);
    }
    if (this.snapshotNeeded && this.pending[0] === next) {
      // Before NEWLEADER in a SNAP/TRUNC sync: applied now, kept by the NEWLEADER snapshot.
      this.pending.shift();
      this.applyUnlogged(next.txn);
    } else {
      next.committed = true;
    }
  }

  /** SNAP/TRUNC before NEWLEADER: into the tree only; the snapshot at NEWLEADER makes it durable. */
  private applyUnlogged(txn: Txn): void {
    this.effects.push({ kind: 'applyUnlogged', txn });
    this.lastLoggedZxid = txn.hdr.zxid;
  }

  private newLeader(): void {
    if (this.phase !== 'sync') return this.fail('a second NEWLEADER');
    this.phase = 'newleader';
    if (this.snapshotNeeded) {
      // The caller writes it (fsynced) before it goes on to the next effect: the tree as it
      // stands is durable from here.
      this.effects.push({ kind: 'takeSnapshot' });
      this.persistedUpTo = Math.max(this.persistedUpTo, this.lastLoggedZxid);
    }
    // The txns of the sync reach the disk first; only then does currentEpoch move and
    // NEWLEADER get its ACK (so no crash can leave a new epoch over a log without them).
    const txns = this.pending.splice(0);
    for (const e of txns) this.logged.push(e);
    if (txns.length > 0) {
      this.effects.push({ kind: 'log', txns: txns.map((e) => e.txn) });
      this.lastLoggedZxid = txns[txns.length - 1]!.txn.hdr.zxid;
    }
    const ack = packet(PacketType.ACK, this.newLeaderZxid);
    this.acksAfterPersist.push({
      zxid: this.lastLoggedZxid,
      packet: ack,
      then: () => {
        this.currentEpoch = this.newEpoch;
        this.effects.push({ kind: 'setCurrentEpoch', epoch: this.newEpoch });
      },
    });
    // The PROPOSALs the leader forwarded during the sync and has not committed wait for our
    // ACK like any other (Apache's SendAckRequestProcessor acks every txn it logs): after the
    // NEWLEADER ACK (ZOOKEEPER-4685), never instead of it. Without them a leader whose
    // learners all came back through a sync never commits what was outstanding.
    for (const e of txns) if (!e.committed) this.acksAfterPersist.push({ zxid: e.txn.hdr.zxid, packet: packet(PacketType.ACK, e.txn.hdr.zxid) });
    this.flushAcks();
  }

  private upToDate(): void {
    if (this.phase !== 'newleader') return this.fail('UPTODATE before NEWLEADER');
    this.phase = 'broadcast';
    // The UPTODATE ACK goes after the NEWLEADER ACK, which may still wait for the disk.
    this.acksAfterPersist.push({ zxid: -1, packet: packet(PacketType.ACK, makeZxid(this.newEpoch, 0)), then: () => this.effects.push({ kind: 'serving', epoch: this.newEpoch }) });
    this.flushAcks();
    // Txns committed during the sync are applied now, in order.
    this.applyCommitted();
  }

  // --- broadcast

  private broadcast(p: QuorumPacket): void {
    switch (p.type) {
      case PacketType.PING:
        this.effects.push({ kind: 'ping', packet: p });
        return;
      case PacketType.PROPOSAL: {
        if (this.o.learnerType === 'observer') return; // observers get INFORM; Apache warns and ignores
        const txn = this.decode(p);
        if (txn) this.logTxn({ txn, committed: false }, true);
        return;
      }
      case PacketType.INFORM: {
        if (this.o.learnerType !== 'observer') return this.fail('INFORM sent to a follower');
        const txn = this.decode(p);
        if (!txn) return;
        this.logTxn({ txn, committed: true }, false);
        this.applyCommitted();
        return;
      }
      case PacketType.COMMIT:
        return this.commit(p.zxid);
      case PacketType.REVALIDATE: {
        const d = p.data;
        if (!d || d.length < 9) return this.fail('a REVALIDATE shorter than a session id and a flag');
        this.effects.push({ kind: 'revalidated', sessionId: d.readBigInt64BE(0), valid: d[8] !== 0 });
        return;
      }
      case PacketType.SYNC:
        this.effects.push({ kind: 'synced' });
        return;
      case PacketType.UPTODATE:
        return; // Apache logs "UPTODATE after the follower started" and carries on
      case PacketType.COMMITANDACTIVATE:
      case PacketType.INFORMANDACTIVATE:
        return this.fail('a reconfig was committed, but this build does not do dynamic reconfiguration');
      default:
        return; // Apache warns of unknown packets and carries on
    }
  }

  private logTxn(e: InFlight, ack: boolean): void {
    const zxid = e.txn.hdr.zxid;
    if (zxid <= this.lastLoggedZxid) return this.fail(`proposal ${zxidToString(zxid)} is not after our last logged ${zxidToString(this.lastLoggedZxid)}`);
    this.logged.push(e);
    this.lastLoggedZxid = zxid;
    this.effects.push({ kind: 'log', txns: [e.txn] });
    if (ack) this.acksAfterPersist.push({ zxid, packet: packet(PacketType.ACK, zxid) });
  }

  private commit(zxid: number): void {
    const next = this.logged.find((e) => !e.committed);
    if (!next || next.txn.hdr.zxid !== zxid) {
      return this.fail(`COMMIT ${zxidToString(zxid)}, but the next uncommitted proposal is ${next ? zxidToString(next.txn.hdr.zxid) : 'none'}`);
    }
    next.committed = true;
    if (this.phase === 'broadcast') this.applyCommitted();
  }

  /** Commits, oldest first, every logged txn the leader has committed. */
  private applyCommitted(): void {
    while (this.logged.length > 0 && this.logged[0]!.committed) {
      this.effects.push({ kind: 'commit', txn: this.logged.shift()!.txn });
    }
  }

  private persisted(upTo: number): void {
    this.persistedUpTo = Math.max(this.persistedUpTo, upTo);
    this.flushAcks();
  }

  /** Sends, in order, every ACK whose txns are durable. */
  private flushAcks(): void {
    while (this.acksAfterPersist.length > 0 && this.acksAfterPersist[0]!.zxid <= this.persistedUpTo) {
      const a = this.acksAfterPersist.shift()!;
      a.then?.();
      // Observers acknowledge NEWLEADER and UPTODATE only.
      if (this.o.learnerType === 'participant' || a.packet.zxid === this.newLeaderZxid) this.send(a.packet);
    }
  }

  private tick(): void {
    if (this.phase === 'connecting') return;
    this.ticksSilent++;
    const limit = this.phase === 'broadcast' || this.phase === 'newleader' ? this.o.syncLimit : this.o.initLimit;
    if (this.ticksSilent > limit) this.fail(`the leader was silent for ${this.ticksSilent} ticks (limit ${limit})`);
  }

  private decode(p: QuorumPacket): Txn | undefined {
    try {
      if (!p.data) throw new Error('no data');
      return decodeTxn(p.data);
    } catch (e) {
      this.fail(`${packetName(p.type)} ${zxidToString(p.zxid)} does not hold a txn: ${(e as Error).message}`);
      return undefined;
    }
  }

  private send(p: QuorumPacket): void {
    this.effects.push({ kind: 'send', packet: p });
  }

  private fail(reason: string): void {
    this.phase = 'failed';
    this.effects.push({ kind: 'fail', reason });
  }
}
