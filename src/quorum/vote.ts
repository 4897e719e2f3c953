// A vote of fast leader election, and the order that decides between two candidates.
// Ids, zxids and epochs are Java longs on the wire (an observer proposes Long.MIN_VALUE,
// a peer with nothing logged may send -1), so they are bigints here.

/** QuorumPeer.ServerState, by its ordinal: the number a notification carries. */
export enum ServerState {
  LOOKING = 0,
  FOLLOWING = 1,
  LEADING = 2,
  OBSERVING = 3,
}

export interface Vote {
  /** The proposed leader's server id. */
  leader: bigint;
  /** The proposed leader's last logged zxid. */
  zxid: bigint;
  /** The election round (FastLeaderElection's logicalclock) the vote was cast in. */
  electionEpoch: bigint;
  /** The proposed leader's currentEpoch. */
  peerEpoch: bigint;
  /** The state of the peer that cast it. */
  state: ServerState;
  /** The notification format version it came with (0 for votes Apache builds without one). */
  version: number;
}

/** Long.MIN_VALUE: what a non-voter proposes as leader, zxid and epoch. */
export const NON_VOTER = -(2n ** 63n);

export function vote(leader: bigint, zxid: bigint, electionEpoch: bigint, peerEpoch: bigint, state = ServerState.LOOKING, version = 0): Vote {
  return { leader, zxid, electionEpoch, peerEpoch, state, version };
}

/**
 * Whether candidate `n` beats candidate `c`: the higher epoch, then the higher zxid, then
 * the higher server id (FastLeaderElection.totalOrderPredicate). A server of weight 0 (a
 * non-voter) never wins.
 */
export function beats(
  n: { leader: bigint; zxid: bigint; peerEpoch: bigint },
  c: { leader: bigint; zxid: bigint; peerEpoch: bigint },
  isVoter: (id: bigint) => boolean,
): boolean {
  if (!isVoter(n.leader)) return false;
  if (n.peerEpoch !== c.peerEpoch) return n.peerEpoch > c.peerEpoch;
  if (n.zxid !== c.zxid) return n.zxid > c.zxid;
  return n.leader > c.leader;
}

/**
 * Vote.equals: votes in an election compare whole; votes of servers out of election
 * (following or leading) compare by leader and epoch only, and by leader alone between a
 * versioned and an unversioned vote (mixed ensembles during a rolling upgrade).
 */
export function sameVote(a: Vote, b: Vote): boolean {
  if (a.state === ServerState.LOOKING || b.state === ServerState.LOOKING) {
    return a.leader === b.leader && a.zxid === b.zxid && a.electionEpoch === b.electionEpoch && a.peerEpoch === b.peerEpoch;
  }
  if (a.version > 0 !== b.version > 0) return a.leader === b.leader;
  return a.leader === b.leader && a.peerEpoch === b.peerEpoch;
}

export function describeVote(v: Vote): string {
  return `(leader ${v.leader}, zxid 0x${v.zxid.toString(16)}, round 0x${v.electionEpoch.toString(16)}, peerEpoch 0x${v.peerEpoch.toString(16)})`;
}
