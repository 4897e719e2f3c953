// What an operator's commands read of a quorum peer (srvr's proposal sizes, mntr's
// peer_state and observer_master_id, the admin commands leader, voting_view, observers
// and zabstate): the peer's role, its Zab phase, its leader, and the leader's stats.
import type { LearnerType, QuorumVerifier } from '../config/quorum-verifier';
import type { LeaderStats } from './leader-stats';

/** Apache's QuorumPeer.ZabState, lower-cased as zabstate and peer_state print it. */
export type ZabState = 'election' | 'discovery' | 'synchronization' | 'broadcast';

export interface QuorumPeerView {
  readonly myid: number;
  readonly peerType: LearnerType;
  readonly verifier: QuorumVerifier;
  /** 'looking' | 'leading' | 'following' | 'observing' (ServerState, lower-cased). */
  readonly stateName: string;
  readonly zabState: ZabState;
  /** The elected leader's id; -1 while none (Apache's getLeaderId). */
  readonly leaderId: number;
  /** While leading. */
  readonly leaderStats: LeaderStats | undefined;
}
