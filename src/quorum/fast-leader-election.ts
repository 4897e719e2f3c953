// Fast leader election (Apache ZooKeeper's FastLeaderElection, electionAlg=3) as a pure
// state machine: stepped with notifications and timeouts, it hands back the notifications
// to send, the timer to arm and, once decided, the vote and the role. No socket, clock or
// disk: the transport (QuorumCnxManager) and the simulator feed it alike.
//
// One instance lives as long as the peer: while the peer serves (following, leading,
// observing) it still answers peers that look for a leader, as Apache's WorkerReceiver does.
import type { Notification } from './notification';
import { beats, NON_VOTER, sameVote, ServerState, vote, type Vote } from './vote';

export interface ElectionQuorum {
  /** Whether the server votes (a participant of the current config). */
  isVoter(id: bigint): boolean;
  /** The voting members, to whom notifications go (ourselves included). */
  voters(): readonly bigint[];
  /** Whether `ids` (voters) are a quorum. */
  containsQuorum(ids: ReadonlySet<bigint>): boolean;
}

export interface ElectionOptions {
  myid: bigint;
  quorum: ElectionQuorum;
  /** Participants vote and may lead; observers only learn who leads. */
  learnerType: 'participant' | 'observer';
  /** QuorumVerifier.toString of our config, carried in every notification. */
  configText: string;
  /** zookeeper.fastleader.minNotificationInterval: the first wait for notifications. */
  minNotificationInterval_ms?: number;
  /** zookeeper.fastleader.maxNotificationInterval: the wait doubles up to this. */
  maxNotificationInterval_ms?: number;
}

export type ElectionInput =
  /** The peer is LOOKING: start a round with what it has logged. */
  | { kind: 'lookForLeader'; lastLoggedZxid: bigint; currentEpoch: bigint }
  | { kind: 'notification'; from: bigint; n: Notification }
  /** The timer last asked for has fired. `delivered`: some send queue is empty (QuorumCnxManager.haveDelivered). */
  | { kind: 'timeout'; delivered: boolean };

export interface ElectionReady {
  send: { to: bigint; n: Notification }[];
  /** Arm the timer for this long, replacing any armed before; undefined: leave it as it is. */
  timer_ms?: number;
  /** Cancel the timer (the round is over). */
  cancelTimer?: boolean;
  /** Dial every peer we have a queue for (nothing was delivered in a whole wait). */
  connectAll?: boolean;
  /** The round ended: follow, lead or observe this vote. */
  elected?: { vote: Vote; state: ServerState };
}

/**
 * How long the last poll of a decided round waits for a better vote before it settles
 * (FastLeaderElection.finalizeWait).
 */
export const FINALIZE_WAIT_ms = 200;
const MIN_NOTIFICATION_INTERVAL_ms = FINALIZE_WAIT_ms;
const MAX_NOTIFICATION_INTERVAL_ms = 60_000;

/**
 * idle: created, no round run yet (what arrives is dropped; its sender says it again);
 * looking/finalizing: in a round; serving: settled, answering peers that look.
 */
type Phase = 'idle' | 'serving' | 'looking' | 'finalizing';

export class FastLeaderElection {
  /** The election round: every new lookForLeader moves it on; higher rounds win. */
  logicalclock = 0n;
  /** The peer's state as it tells others. */
  state = ServerState.LOOKING;
  /** What the peer settled on (QuorumPeer.currentVote), told to peers that look. */
  currentVote: Vote;
  private phase: Phase = 'idle';
  private proposed: { leader: bigint; zxid: bigint; peerEpoch: bigint };
  private init = { zxid: -1n, epoch: -1n };
  /** Votes of this round, by sender (recvset). */
  private readonly recvset = new Map<bigint, Vote>();
  /** Votes of servers that already follow or lead (outofelection). */
  private readonly outofelection = new Map<bigint, Vote>();
  private notTimeout_ms: number;
  private readonly minInterval_ms: number;
  private readonly maxInterval_ms: number;
  private out: ElectionReady = { send: [] };

  constructor(private readonly o: ElectionOptions) {
    this.minInterval_ms = o.minNotificationInterval_ms ?? MIN_NOTIFICATION_INTERVAL_ms;
    this.maxInterval_ms = o.maxNotificationInterval_ms ?? MAX_NOTIFICATION_INTERVAL_ms;
    this.notTimeout_ms = this.minInterval_ms;
    this.proposed = { leader: this.initId(), zxid: -1n, peerEpoch: -1n };
    this.currentVote = vote(o.myid, -1n, 0n, -1n);
  }

  /** What the last steps produced; clears it. */
  ready(): ElectionReady {
    const r = this.out;
    this.out = { send: [] };
    return r;
  }

  step(input: ElectionInput): void {
    switch (input.kind) {
      case 'lookForLeader':
        return this.lookForLeader(input.lastLoggedZxid, input.currentEpoch);
      case 'notification':
        return this.received(input.from, input.n);
      case 'timeout':
        return this.timedOut(input.delivered);
    }
  }

  /** The peer left its role (lost its leader or its quorum): it looks again. */
  private lookForLeader(lastLoggedZxid: bigint, currentEpoch: bigint): void {
    const participant = this.o.learnerType === 'participant';
    this.init = { zxid: participant ? lastLoggedZxid : NON_VOTER, epoch: participant ? currentEpoch : NON_VOTER };
    this.state = ServerState.LOOKING;
    this.phase = 'looking';
    this.recvset.clear();
    this.outofelection.clear();
    this.notTimeout_ms = this.minInterval_ms;
    this.logicalclock++;
    this.proposed = { leader: this.initId(), zxid: this.init.zxid, peerEpoch: this.init.epoch };
    this.sendNotifications();
    this.out.timer_ms = this.notTimeout_ms;
  }

  /**
   * The peer took up its role in epoch `newEpoch` (the leader once a quorum acknowledged
   * NEWLEADER, a learner once UPTODATE came): from now on it tells peers that look that
   * epoch, as Apache's QuorumPeer.updateElectionVote does (ZOOKEEPER-1732). A member that
   * starts after the election counts the leader's and the followers' votes by leader and
   * epoch: if the leader still said the epoch it was elected with while a follower says the
   * new one, neither vote would have a quorum and the newcomer would look forever.
   */
  updateElectionVote(newEpoch: bigint): void {
    this.currentVote = { ...this.currentVote, peerEpoch: newEpoch };
  }

  // --- what WorkerReceiver does with every message, whatever the peer's state

  private received(from: bigint, n: Notification): void {
    if (this.phase === 'idle') return;
    if (!this.o.quorum.isVoter(from)) {
      // A non-voter (an observer) is told our current vote at once and never counted.
      this.reply(from, this.currentVote.leader, this.currentVote.zxid, this.logicalclock, this.currentVote.peerEpoch);
      return;
    }
    if (this.phase === 'serving') {
      // We follow, lead or observe: a peer that looks is told whom we settled on.
      if (n.state === ServerState.LOOKING) {
        const v = this.currentVote;
        this.reply(from, v.leader, v.zxid, v.electionEpoch, v.peerEpoch);
      }
      return;
    }
    if (n.state === ServerState.LOOKING && n.electionEpoch < this.logicalclock) {
      // A peer behind us in rounds: tell it where we are.
      this.reply(from, this.proposed.leader, this.proposed.zxid, this.logicalclock, this.proposed.peerEpoch);
    }
    this.consider(from, n);
  }

  private reply(to: bigint, leader: bigint, zxid: bigint, electionEpoch: bigint, peerEpoch: bigint): void {
    this.out.send.push({ to, n: { state: this.state, leader, zxid, electionEpoch, peerEpoch, version: 2, config: this.o.configText } });
  }

  // --- what lookForLeader does with a notification it polls

  private consider(from: bigint, n: Notification): void {
    if (this.phase === 'finalizing') {
      // A quorum agreed; only a better vote reopens the round, anything else is dropped.
      if (!beats(n, this.proposed, (id) => this.o.quorum.isVoter(id))) {
        this.out.timer_ms = FINALIZE_WAIT_ms;
        return;
      }
      this.phase = 'looking';
    }
    this.out.timer_ms = this.notTimeout_ms;
    if (!this.o.quorum.isVoter(n.leader)) return; // a vote for a non-member is ignored
    switch (n.state) {
      case ServerState.LOOKING:
        return this.lookingNotification(from, n);
      case ServerState.OBSERVING:
        return;
      case ServerState.FOLLOWING:
      case ServerState.LEADING:
        return this.outOfElectionNotification(from, n);
    }
  }

  private lookingNotification(from: bigint, n: Notification): void {
    // A peer (or ourselves) with nothing logged yet cannot take part.
    if (this.init.zxid === -1n || n.zxid === -1n) return;
    const isVoter = (id: bigint) => this.o.quorum.isVoter(id);
    if (n.electionEpoch > this.logicalclock) {
      this.logicalclock = n.electionEpoch;
      this.recvset.clear();
      const mine = { leader: this.initId(), zxid: this.init.zxid, peerEpoch: this.init.epoch };
      this.proposed = beats(n, mine, isVoter) ? { leader: n.leader, zxid: n.zxid, peerEpoch: n.peerEpoch } : mine;
      this.sendNotifications();
    } else if (n.electionEpoch < this.logicalclock) {
      return;
    } else if (beats(n, this.proposed, isVoter)) {
      this.proposed = { leader: n.leader, zxid: n.zxid, peerEpoch: n.peerEpoch };
      this.sendNotifications();
    }
    this.recvset.set(from, vote(n.leader, n.zxid, n.electionEpoch, n.peerEpoch));
    const mine = vote(this.proposed.leader, this.proposed.zxid, this.logicalclock, this.proposed.peerEpoch);
    if (this.hasQuorum(this.recvset, mine)) {
      // Wait FINALIZE_WAIT_ms for a better vote before settling.
      this.phase = 'finalizing';
      this.out.timer_ms = FINALIZE_WAIT_ms;
    }
  }

  /** A peer already follows or leads: join it once a quorum does and its leader says it leads. */
  private outOfElectionNotification(from: bigint, n: Notification): void {
    const theirs = vote(n.leader, n.zxid, n.electionEpoch, n.peerEpoch, n.state);
    const tracked = vote(n.leader, n.zxid, n.electionEpoch, n.peerEpoch, n.state, n.version);
    if (n.electionEpoch === this.logicalclock) {
      this.recvset.set(from, theirs);
      if (this.hasQuorum(this.recvset, tracked) && this.leaderConfirmed(this.recvset, n.leader, n.electionEpoch)) {
        return this.decide(n.leader, n.zxid, n.electionEpoch, n.peerEpoch);
      }
    }
    // A quorum outside this round may already be serving: join it (ZOOKEEPER-1805).
    this.outofelection.set(from, vote(n.leader, n.zxid, n.electionEpoch, n.peerEpoch, n.state, n.version));
    if (this.hasQuorum(this.outofelection, tracked) && this.leaderConfirmed(this.outofelection, n.leader, n.electionEpoch)) {
      this.logicalclock = n.electionEpoch;
      return this.decide(n.leader, n.zxid, n.electionEpoch, n.peerEpoch);
    }
  }

  private timedOut(delivered: boolean): void {
    if (this.phase === 'finalizing') {
      const p = this.proposed;
      return this.decide(p.leader, p.zxid, this.logicalclock, p.peerEpoch);
    }
    if (this.phase !== 'looking') return;
    // Nothing came for a whole wait: say it again, or dial again if nothing went out.
    if (delivered) this.sendNotifications();
    else this.out.connectAll = true;
    this.notTimeout_ms = Math.min(this.notTimeout_ms * 2, this.maxInterval_ms);
    this.out.timer_ms = this.notTimeout_ms;
  }

  private decide(leader: bigint, zxid: bigint, electionEpoch: bigint, peerEpoch: bigint): void {
    const state = leader === this.o.myid ? ServerState.LEADING : this.o.learnerType === 'participant' ? ServerState.FOLLOWING : ServerState.OBSERVING;
    const end = vote(leader, zxid, electionEpoch, peerEpoch);
    this.state = state;
    this.phase = 'serving';
    this.currentVote = end;
    this.recvset.clear();
    this.outofelection.clear();
    this.out.cancelTimer = true;
    delete this.out.timer_ms;
    this.out.elected = { vote: end, state };
  }

  // --- helpers

  private sendNotifications(): void {
    const p = this.proposed;
    for (const to of this.o.quorum.voters()) {
      this.out.send.push({
        to,
        n: { state: ServerState.LOOKING, leader: p.leader, zxid: p.zxid, electionEpoch: this.logicalclock, peerEpoch: p.peerEpoch, version: 2, config: this.o.configText },
      });
    }
  }

  /** Whether the voters that cast a vote equal to `v` are a quorum (getVoteTracker + hasAllQuorums). */
  private hasQuorum(votes: ReadonlyMap<bigint, Vote>, v: Vote): boolean {
    const acks = new Set<bigint>();
    for (const [sid, cast] of votes) if (this.o.quorum.isVoter(sid) && sameVote(v, cast)) acks.add(sid);
    return this.o.quorum.containsQuorum(acks);
  }

  /**
   * checkLeader: a leader other than us must itself say it leads; we may lead only from
   * a vote of our own round.
   */
  private leaderConfirmed(votes: ReadonlyMap<bigint, Vote>, leader: bigint, electionEpoch: bigint): boolean {
    if (leader !== this.o.myid) return votes.get(leader)?.state === ServerState.LEADING;
    return this.logicalclock === electionEpoch;
  }

  private initId(): bigint {
    return this.o.quorum.isVoter(this.o.myid) ? this.o.myid : NON_VOTER;
  }
}
