// The ensemble gauges under Apache's names (LeaderZooKeeperServer, QuorumZooKeeperServer
// registerMetrics): shown by both providers while the role lasts, gone once it ends.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DefaultMetricsProvider } from '../../../src/metrics/default-metrics-provider';
import { PrometheusMetricsProvider } from '../../../src/metrics/prometheus-metrics-provider';
import { LeaderStats } from '../../../src/quorum/leader-stats';
import { registerLeaderGauges, registerQuorumGauges } from '../../../src/quorum/quorum-gauges';
import { PacketType } from '../../../src/quorum/quorum-packet';

const LEADER_GAUGES = [
  'quorum_size', 'learners', 'synced_followers', 'synced_non_voting_followers', 'synced_observers', 'pending_syncs',
  'leader_uptime', 'last_proposal_size', 'max_proposal_size', 'min_proposal_size',
];

function leaderWithOneFollowerAndOneObserver(): LeaderStats {
  const stats = new LeaderStats((sid) => sid <= 3);
  const info = (sid: number) => { const b = Buffer.alloc(20); b.writeBigInt64BE(BigInt(sid)); return b; };
  stats.connected(1, '127.0.0.1:5000');
  stats.received(1, { type: PacketType.FOLLOWERINFO, zxid: 0, data: info(1), authinfo: [] });
  stats.sent(1, { type: PacketType.UPTODATE, zxid: 0, data: null, authinfo: [] });
  stats.connected(2, '127.0.0.1:5001');
  stats.received(2, { type: PacketType.OBSERVERINFO, zxid: 0, data: info(4), authinfo: [] });
  stats.sent(2, { type: PacketType.UPTODATE, zxid: 0, data: null, authinfo: [] });
  for (const [zxid, size] of [[1, 117], [2, 48]] as const) {
    for (const l of [1, 2]) stats.sent(l, { type: PacketType.PROPOSAL, zxid, data: Buffer.alloc(size), authinfo: [] });
  }
  stats.startedAt_ms = Date.now() - 1000;
  return stats;
}

test('mntr shows the leader gauges under Apache\'s names while leading, and none once leading ends', async () => {
  const p = new DefaultMetricsProvider();
  const stats = leaderWithOneFollowerAndOneObserver();
  const unregister = registerLeaderGauges(p, stats, 3);
  const shown = new Map(await p.dump());
  assert.deepEqual(LEADER_GAUGES.map((k) => (k === 'leader_uptime' ? 'uptime' : shown.get(k))), [3, 2, 1, 0, 1, 0, 'uptime', 48, 117, 48]);
  assert.ok(Number(shown.get('leader_uptime')) >= 1000);
  assert.equal(stats.proposalSizes, '48/48/117');
  unregister();
  const after = new Map(await p.dump());
  for (const k of LEADER_GAUGES) assert.equal(after.has(k), false, k);
});

test('a gauge without a value (Java\'s null) is left out of mntr', async () => {
  const p = new DefaultMetricsProvider();
  p.registerGauge('synced_observers', () => undefined);
  assert.equal(new Map(await p.dump()).has('synced_observers'), false);
});

test('Prometheus shows the ensemble gauges by the same names, and drops them when the role ends (they can come back with the next role)', async () => {
  const p = new PrometheusMetricsProvider(false);
  let unregister = registerLeaderGauges(p, leaderWithOneFollowerAndOneObserver(), 3);
  const text = await p.metrics();
  for (const k of LEADER_GAUGES) assert.match(text, new RegExp(`^${k} \\d+$`, 'm'), k);
  assert.match(text, /^synced_followers 1$/m);
  unregister();
  assert.doesNotMatch(await p.metrics(), /^learners /m);
  unregister = registerQuorumGauges(p, 3);
  assert.match(await p.metrics(), /^quorum_size 3$/m);
  unregister();
  unregister = registerLeaderGauges(p, leaderWithOneFollowerAndOneObserver(), 3);
  assert.match(await p.metrics(), /^learners 2$/m);
});
