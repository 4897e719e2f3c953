// LeaderStats: what an operator reads about a leader (mntr's learners, synced_followers,
// synced_observers, pending_syncs, leader_uptime, the proposal sizes; srvr's "Proposal
// sizes" line; the admin observers command). Lead feeds it what it sees pass between the
// Leader core and the learners' connections, so the core stays free of bookkeeping.
import { PacketType, type QuorumPacket } from './quorum-packet';
import type { LearnerId } from './leader';

/** A learner connection as the observers command lists it (Apache's LearnerHandlerBean). */
export interface LearnerInfo {
  remote: string;
  /** From its FOLLOWERINFO/OBSERVERINFO; -1 before. */
  sid: number;
  type: 'participant' | 'observer' | 'unknown';
  established_ms: number;
  packetsReceived: number;
  packetsSent: number;
  requests: number;
  /** The last zxid it was sent (a proposal, commit or inform). */
  lastZxid: number;
  /** UPTODATE sent: it is in broadcast (Apache's forwardingFollowers / observingLearners). */
  synced: boolean;
}

/** Apache's BufferStats before any proposal: -1/-1/-1. */
const BUFFER_STATS_INIT = -1;

export class LeaderStats {
  readonly learners = new Map<LearnerId, LearnerInfo>();
  /** When the leader started serving (Leader.leaderStartTime); 0 before. */
  startedAt_ms = 0;
  lastProposalSize = BUFFER_STATS_INIT;
  minProposalSize = BUFFER_STATS_INIT;
  maxProposalSize = BUFFER_STATS_INIT;
  /** Learners' syncs handed to the core and not yet answered with SYNC. */
  pendingSyncs = 0;
  private lastProposalZxid = 0;

  constructor(
    /** Whether sid votes in the current config (a follower that does not is "non-voting"). */
    private readonly isVoter: (sid: number) => boolean,
  ) {}

  connected(learner: LearnerId, remote: string): void {
    this.learners.set(learner, { remote, sid: -1, type: 'unknown', established_ms: Date.now(), packetsReceived: 0, packetsSent: 0, requests: 0, lastZxid: -1, synced: false });
  }

  closed(learner: LearnerId): void {
    this.learners.delete(learner);
  }

  received(learner: LearnerId, p: QuorumPacket): void {
    const l = this.learners.get(learner);
    if (!l) return;
    l.packetsReceived++;
    if ((p.type === PacketType.FOLLOWERINFO || p.type === PacketType.OBSERVERINFO) && p.data && p.data.length >= 8) {
      l.sid = Number(p.data.readBigInt64BE(0));
      l.type = p.type === PacketType.OBSERVERINFO ? 'observer' : 'participant';
    } else if (p.type === PacketType.REQUEST) l.requests++;
  }

  sent(learner: LearnerId, p: QuorumPacket): void {
    const l = this.learners.get(learner);
    if (l) {
      l.packetsSent++;
      if (p.type === PacketType.UPTODATE) l.synced = true;
      if (p.type === PacketType.PROPOSAL || p.type === PacketType.COMMIT || p.type === PacketType.INFORM) l.lastZxid = p.zxid;
      if (p.type === PacketType.SYNC) this.pendingSyncs = Math.max(0, this.pendingSyncs - 1);
    }
    // A proposal goes to every learner; it is measured once (Leader.propose's proposalStats).
    if (p.type === PacketType.PROPOSAL && p.zxid > this.lastProposalZxid && p.data) {
      this.lastProposalZxid = p.zxid;
      const size = p.data.length;
      this.lastProposalSize = size;
      this.minProposalSize = this.minProposalSize === BUFFER_STATS_INIT ? size : Math.min(this.minProposalSize, size);
      this.maxProposalSize = Math.max(this.maxProposalSize, size);
    }
  }

  /** srvr's "Proposal sizes last/min/max" value (BufferStats.toString). */
  get proposalSizes(): string {
    return `${this.lastProposalSize}/${this.minProposalSize}/${this.maxProposalSize}`;
  }

  get uptime_ms(): number {
    return this.startedAt_ms > 0 ? Date.now() - this.startedAt_ms : 0;
  }

  /** Followers in broadcast (getForwardingFollowers): voters and non-voters. */
  syncedFollowers(): LearnerInfo[] {
    return [...this.learners.values()].filter((l) => l.synced && l.type === 'participant');
  }

  syncedNonVotingFollowers(): LearnerInfo[] {
    return this.syncedFollowers().filter((l) => !this.isVoter(l.sid));
  }

  syncedObservers(): LearnerInfo[] {
    return [...this.learners.values()].filter((l) => l.synced && l.type === 'observer');
  }
}
