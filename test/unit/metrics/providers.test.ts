// The two metrics providers: ZooKeeper's default (what mntr prints: avg/min/max/cnt/sum,
// percentiles for advanced summaries, per-key sets, reset) and the Prometheus one
// (exportJvmInfo decides whether the runtime's own metrics are there).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DefaultMetricsProvider } from '../../../src/metrics/default-metrics-provider';
import { JavaDouble } from '../../../src/metrics/metrics-provider';
import { PrometheusMetricsProvider } from '../../../src/metrics/prometheus-metrics-provider';
import { createServerMetrics } from '../../../src/metrics/server-metrics';

test('default provider: summaries as ZooKeeper prints them, advanced ones with percentiles, reset to zero', async () => {
  const p = new DefaultMetricsProvider();
  const basic = p.summary('fsynctime', false);
  const advanced = p.summary('readlatency', true);
  for (const v of [1, 2, 3, 4]) basic.add(v);
  for (let v = 1; v <= 100; v++) advanced.add(v);
  const dump = new Map(await p.dump());
  assert.ok(dump.get('avg_fsynctime') instanceof JavaDouble);
  assert.equal(String(dump.get('avg_fsynctime')), '2.5');
  assert.deepEqual(['min', 'max', 'cnt', 'sum'].map((k) => dump.get(`${k}_fsynctime`)), [1, 4, 4, 10]);
  assert.equal(dump.has('p99_fsynctime'), false);
  assert.equal(dump.get('p50_readlatency'), 51); // Dropwizard's interpolation over 1..100
  assert.equal(dump.get('p99_readlatency'), 100);
  p.resetAll();
  const after = new Map(await p.dump());
  assert.equal(String(after.get('avg_fsynctime')), '0.0');
  assert.equal(after.get('cnt_readlatency'), 0);
});

test('default provider: a summary set keys each namespace as <key>_<name>', async () => {
  const metrics = createServerMetrics(new DefaultMetricsProvider());
  metrics.readPerNamespace('/app/x', 10);
  metrics.readPerNamespace('/', 10); // the root has no namespace: not counted
  metrics.writePerNamespace('/app', 3);
  const dump = new Map(await metrics.provider.dump());
  assert.equal(dump.get('cnt_app_read_per_namespace'), 1);
  assert.equal(dump.get('sum_app_read_per_namespace'), '/app/x'.length + 10 + 68);
  assert.equal(dump.get('sum_app_write_per_namespace'), '/app'.length + 3);
  assert.equal([...dump.keys()].filter((k) => k.includes('per_namespace')).length, 10);
});

test('Prometheus provider: the same names in the exposition; exportJvmInfo adds the runtime metrics', async () => {
  const withRuntime = new PrometheusMetricsProvider(true);
  const without = new PrometheusMetricsProvider(false);
  for (const p of [withRuntime, without]) {
    createServerMetrics(p).READ_LATENCY.add(3);
    p.registerGauge('znode_count', () => 5);
  }
  const text = await without.metrics();
  assert.match(text, /^# TYPE readlatency summary$/m);
  assert.match(text, /^readlatency_count 1$/m);
  assert.match(text, /^znode_count 5$/m);
  assert.doesNotMatch(text, /process_cpu/);
  assert.match(await withRuntime.metrics(), /^process_cpu_seconds_total /m);
  // mntr's view of it: flat keys as ZooKeeper's Prometheus provider dumps them.
  const dump = new Map(await without.dump());
  assert.equal(String(dump.get('readlatency_count')), '1.0');
  assert.equal(String(dump.get('znode_count')), '5.0');
  assert.ok(dump.has('readlatency{quantile="0.99"}'));
});

test('gauge and counter sets: <key>_<name> in the default provider (counter sets reset), labelled key in Prometheus', async () => {
  const quotas = () => new Map([['app', 4], ['soft', -1]]);
  const d = new DefaultMetricsProvider();
  d.registerGaugeSet('quota_count_limit_per_namespace', quotas);
  const exceeded = createServerMetrics(d);
  exceeded.quotaExceeded('app');
  exceeded.quotaExceeded('app');
  let dump = new Map(await d.dump());
  assert.equal(dump.get('app_quota_count_limit_per_namespace'), 4);
  assert.equal(dump.get('soft_quota_count_limit_per_namespace'), -1);
  assert.equal(dump.get('app_quota_exceeded_error_per_namespace'), 2);
  d.resetAll();
  dump = new Map(await d.dump());
  assert.equal(dump.get('app_quota_exceeded_error_per_namespace'), 0);
  assert.equal(dump.get('app_quota_count_limit_per_namespace'), 4);

  const p = new PrometheusMetricsProvider(false);
  p.registerGaugeSet('quota_count_limit_per_namespace', quotas);
  createServerMetrics(p).quotaExceeded('app');
  const text = await p.metrics();
  assert.match(text, /^quota_count_limit_per_namespace\{key="app"\} 4$/m);
  assert.match(text, /^quota_count_limit_per_namespace\{key="soft"\} -1$/m);
  assert.match(text, /^quota_exceeded_error_per_namespace\{key="app"\} 1$/m);
});
