// The gauges an ensemble member's server registers while it serves in its role, as
// Apache's QuorumZooKeeperServer (quorum_size) and LeaderZooKeeperServer (learners,
// synced_followers, ..., the proposal sizes) register them on start and unregister on
// shutdown: a follower shows no leader gauges, and nothing stays behind after a role ends.
import type { MetricsProvider, MetricValue } from '../metrics/metrics-provider';
import type { LeaderStats } from './leader-stats';

type Gauges = Array<[string, () => MetricValue | undefined]>;

/** Registers the gauges; the function returned unregisters them. */
function register(provider: MetricsProvider, gauges: Gauges): () => void {
  for (const [name, gauge] of gauges) provider.registerGauge(name, gauge);
  let registered = true;
  return () => {
    if (!registered) return;
    registered = false;
    for (const [name] of gauges) provider.unregisterGauge(name);
  };
}

/** Every role: the voting members' count (QuorumPeer.getQuorumSize). */
export function registerQuorumGauges(provider: MetricsProvider, quorumSize: number): () => void {
  return register(provider, [['quorum_size', () => quorumSize]]);
}

/** The leader's: what LeaderStats has seen of its learners and proposals. */
export function registerLeaderGauges(provider: MetricsProvider, stats: LeaderStats, quorumSize: number): () => void {
  return register(provider, [
    ['quorum_size', () => quorumSize],
    ['learners', () => stats.learners.size],
    ['synced_followers', () => stats.syncedFollowers().length],
    ['synced_non_voting_followers', () => stats.syncedNonVotingFollowers().length],
    ['synced_observers', () => stats.syncedObservers().length],
    ['pending_syncs', () => stats.pendingSyncs],
    ['leader_uptime', () => stats.uptime_ms],
    ['last_proposal_size', () => stats.lastProposalSize],
    ['max_proposal_size', () => stats.maxProposalSize],
    ['min_proposal_size', () => stats.minProposalSize],
  ]);
}
