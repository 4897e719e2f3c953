// The Prometheus endpoint, scraped by a real Prometheus (Debian's): ZooKeeper's metric
// names and types, an exposition promtool accepts, PromQL answers that match the server's
// state, and every query of the shipped alert rules and Grafana dashboard resolving
// against what we expose.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import yaml from 'js-yaml';
import { ZooKeeperClient } from '../../src/client/zookeeper-client';
import { SERVER_METRICS } from '../../src/metrics/metric-names';
import { fourLetterWord, startServer, type RunningServer } from '../support/servers';

const HOST = '127.0.0.104';
const METRICS_PORT = 7000;
const PROMETHEUS = `${HOST}:9090`;
const REPO = resolve(import.meta.dirname, '../..');
const ALERTS = join(REPO, 'monitoring/zookeeper-alerts.yml');
const DASHBOARD = join(REPO, 'monitoring/grafana-dashboard.json');

let server: RunningServer;
let zk: ZooKeeperClient;
let prometheus: ChildProcess | undefined;
let promDir: string;
let exposition: string;

function requireTool(tool: string): void {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
    throw new Error(`${tool} is missing (Debian package prometheus): run scripts/install-test-deps.sh`);
  }
}

before(async () => {
  requireTool('prometheus');
  requireTool('promtool');
  server = await startServer('ours', {
    host: HOST,
    cfg: {
      'metricsProvider.className': 'org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider',
      'metricsProvider.httpHost': HOST,
      'metricsProvider.httpPort': METRICS_PORT,
    },
  });
  zk = await ZooKeeperClient.connect(server.connectString);
  for (let i = 0; i < 20; i++) await zk.create(`/n${i}`, Buffer.from('x'));
  for (let i = 0; i < 20; i++) await zk.getData(`/n${i}`, true);
  for (let i = 0; i < 10; i++) await zk.setData(`/n${i}`, Buffer.from('y'));
  exposition = await (await fetch(`http://${HOST}:${METRICS_PORT}/metrics`)).text();

  promDir = mkdtempSync(join(tmpdir(), 'zk-prometheus-'));
  writeFileSync(
    join(promDir, 'prometheus.yml'),
    [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'rule_files:',
      `  - ${ALERTS}`,
      'scrape_configs:',
      '  - job_name: zookeeper',
      '    static_configs:',
      `      - targets: ['${HOST}:${METRICS_PORT}']`,
      '',
    ].join('\n'),
  );
  prometheus = spawn(
    'prometheus',
    [`--config.file=${join(promDir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(promDir, 'data')}`, `--web.listen-address=${PROMETHEUS}`],
    { stdio: 'ignore' },
  );
  // Ready once the target has been scraped: the first scrape comes seconds after start.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const targets = await api('targets').catch(() => undefined);
    const active = (targets as { activeTargets?: { health: string }[] } | undefined)?.activeTargets ?? [];
    if (active.some((t) => t.health === 'up')) break;
    if (Date.now() > deadline) throw new Error(`Prometheus did not scrape ${HOST}:${METRICS_PORT} within 60 s: ${JSON.stringify(targets)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
});

after(async () => {
  zk?.disconnect();
  prometheus?.kill('SIGKILL');
  await server?.stop();
  if (promDir) rmSync(promDir, { recursive: true, force: true });
});

async function api(path: string): Promise<unknown> {
  const res = await fetch(`http://${PROMETHEUS}/api/v1/${path}`);
  const body = (await res.json()) as { status: string; data: unknown; error?: string };
  if (body.status !== 'success') throw new Error(`${path}: ${body.error}`);
  return body.data;
}

async function query(expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const data = (await api(`query?query=${encodeURIComponent(expr)}`)) as { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
  return data.result;
}

/** name → TYPE, from the exposition. */
function types(text: string): Map<string, string> {
  return new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
}

test("every metric of ZooKeeper's catalogue and its server gauges is exposed, with ZooKeeper's type", () => {
  const t = types(exposition);
  for (const [name, kind] of SERVER_METRICS) {
    assert.equal(t.get(name), kind === 'counter' || kind === 'counter_set' ? 'counter' : 'summary', name);
  }
  for (const gauge of ['znode_count', 'watch_count', 'outstanding_requests', 'num_alive_connections', 'avg_latency', 'ephemerals_count', 'approximate_data_size', 'global_sessions', 'open_file_descriptor_count', 'uptime', 'packets_received']) {
    assert.equal(t.get(gauge), 'gauge', gauge);
  }
  // Advanced summaries carry the 0.5, 0.9 and 0.99 quantiles; basic ones the median.
  assert.match(exposition, /^readlatency\{quantile="0\.99"\} /m);
  assert.match(exposition, /^fsynctime\{quantile="0\.5"\} /m);
  assert.doesNotMatch(exposition, /^fsynctime\{quantile="0\.9"\}/m);
  // exportJvmInfo: the runtime's own metrics, and host facts from systeminformation.
  assert.equal(t.get('process_resident_memory_bytes'), 'gauge');
  assert.equal(t.get('host_datadir_filesystem_available_bytes'), 'gauge');
});

test('promtool check metrics finds no error, only the lint findings ZooKeeper names trip', () => {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  // 0: clean; 3: lint findings only; 1: the exposition does not parse.
  assert.ok(run.status === 0 || run.status === 3, `promtool exited ${run.status}: ${run.stderr}${run.stdout}`);
  const findings = (run.stdout + run.stderr).split('\n').filter((l) => l.trim() !== '');
  const expected = /should have "_total" suffix|should not have "_count" suffix|should not have "_total" suffix|should not contain abbreviated units/;
  for (const f of findings) assert.match(f, expected, `unexpected promtool finding: ${f}`);
});

test("PromQL through Prometheus answers the server's own figures", async () => {
  const mntr = new Map((await fourLetterWord(HOST, server.port, 'mntr')).trim().split('\n').map((l) => l.split('\t') as [string, string]));
  const znodes = await query('znode_count{job="zookeeper"}');
  assert.equal(znodes.length, 1);
  assert.equal(Number(znodes[0]!.value[1]), Number(mntr.get('zk_znode_count')));
  assert.equal(Number(znodes[0]!.value[1]), 5 + 20); // a fresh tree has 5; we made 20
  const writes = await query('updatelatency_count{job="zookeeper"}');
  assert.ok(Number(writes[0]!.value[1]) >= 30, `updatelatency_count ${writes[0]?.value[1]}`);
  const watches = await query('watch_count{job="zookeeper"}');
  assert.equal(Number(watches[0]!.value[1]), 10); // 20 data watches, 10 fired by the sets
});

/** The metric names a PromQL expression reads (not functions, keywords or label names). */
function metricNames(expr: string): string[] {
  const withoutLabels = expr
    .replace(/\b(on|by|ignoring|without|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/"[^"]*"/g, '');
  const words = withoutLabels.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [];
  const notMetrics = new Set(['rate', 'irate', 'increase', 'sum', 'avg', 'max', 'min', 'count', 'by', 'on', 'unless', 'and', 'or', 'without', 'ignoring', 'absent', 'deriv', 'label_values']);
  return [...new Set(words.filter((w) => !notMetrics.has(w) && !/^\d/.test(w)))];
}

/** Grafana's variables, as Grafana would fill them for "All". */
function grafanaToPromQL(expr: string): string {
  return expr.replaceAll('$instance', '.*').replaceAll('$__rate_interval', '1m');
}

function alertQueries(): Array<[string, string]> {
  const rules = yaml.load(readFileSync(ALERTS, 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
  return rules.groups.flatMap((g) => g.rules.map((r) => [r.alert, String(r.expr).trim()] as [string, string]));
}

function dashboardQueries(): Array<[string, string]> {
  const dash = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
    panels: { title: string; targets: { expr: string }[] }[];
    templating: { list: { name: string; definition?: string }[] };
  };
  const queries: Array<[string, string]> = dash.panels.flatMap((p) => p.targets.map((t) => [p.title, grafanaToPromQL(t.expr)] as [string, string]));
  for (const v of dash.templating.list) {
    const inner = v.definition && /^label_values\((.+), \w+\)$/.exec(v.definition);
    if (inner) queries.push([`variable ${v.name}`, inner[1]!]);
  }
  return queries;
}

test('the alert rules load into Prometheus and each of their queries resolves against our endpoint', async () => {
  assert.equal(spawnSync('promtool', ['check', 'rules', ALERTS]).status, 0, 'promtool check rules');
  const rules = alertQueries();
  assert.deepEqual(
    rules.map(([name]) => name),
    ['ZooKeeperServerDown', 'ZooKeeperNoLeader', 'ZooKeeperHighLatency', 'ZooKeeperSlowUpdates', 'ZooKeeperOutstandingRequests', 'ZooKeeperSlowFsync', 'ZooKeeperDiskNearlyFull', 'ZooKeeperTooManyOpenFiles'],
  );
  await resolvesAll(rules);
  const loaded = (await api('rules')) as { groups: { rules: { name: string; health: string }[] }[] };
  const health = loaded.groups.flatMap((g) => g.rules).map((r) => [r.name, r.health]);
  assert.equal(health.length, rules.length);
  // Evaluated at least once without error ("unknown" until the first evaluation).
  for (const [name, h] of health) assert.notEqual(h, 'err', `${name}`);
  // A healthy standalone server sets none of them off.
  const firing = (await query('ALERTS')).map((r) => r.metric.alertname);
  assert.deepEqual(firing, []);
});

test('every Grafana dashboard query resolves against our endpoint', async () => {
  const queries = dashboardQueries();
  assert.ok(queries.length >= 18, `${queries.length} queries`);
  await resolvesAll(queries);
});

/** Each metric a query reads is exposed, and Prometheus evaluates the query to data. */
async function resolvesAll(queries: Array<[string, string]>): Promise<void> {
  const exposed = new Set([...exposition.matchAll(/^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/gm)].map((m) => m[1]!));
  exposed.add('up'); // Prometheus's own, per target
  for (const [name, expr] of queries) {
    for (const metric of metricNames(expr)) assert.ok(exposed.has(metric), `${name}: ${metric} is not exposed (${expr})`);
    await query(expr); // throws on a PromQL error
    // The metrics it reads have samples in Prometheus (each selector alone returns data).
    for (const metric of metricNames(expr)) {
      assert.ok((await query(`${metric}{job="zookeeper"}`)).length > 0, `${name}: no samples of ${metric}`);
    }
  }
}
