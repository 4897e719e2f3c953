// The load benchmark: Apache ZooKeeper 3.8 and ours, one after the other on this machine,
// each with a fresh dataDir (fsync on, as both ship), driven by our client over many
// connections with pipelined requests. Per op: ops/s, p50 and p99 latency; per server:
// peak RSS; then setData p99 while snapshots are taken (small snapCount) against without.
// Ours runs twice: with ZooKeeper's default metrics provider and with the Prometheus one
// (Apache's Prometheus provider is not in Debian's package, so Apache runs the default).
//   node --import tsx bench/load.ts [--connections 32] [--depth 16] [--seconds 5] [--no-snapshots]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ZooKeeperClient } from '../src/client/zookeeper-client';
import { fourLetterWord } from '../test/support/servers';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '32' },
    depth: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '5' },
    // Skip the snapshot section (it takes four more server runs).
    'no-snapshots': { type: 'boolean', default: false },
  },
});
const CONNECTIONS = Number(values.connections);
const DEPTH = Number(values.depth);
const SECONDS = Number(values.seconds);
const REPO = resolve(import.meta.dirname, '..');
const JAVA_CP = ['/etc/zookeeper/conf', '/usr/share/java/zookeeper.jar', '/usr/share/java/slf4j-nop.jar'].join(':');
const HOSTS = { apache: '127.0.0.61', ours: '127.0.0.62' } as const;
type Flavour = keyof typeof HOSTS;
const OPS = ['create', 'setData', 'getData', 'exists', 'delete'] as const;
type Op = (typeof OPS)[number];

interface Result {
  ops_per_s: number;
  p50_ms: number;
  p99_ms: number;
}

function launch(flavour: Flavour, dir: string, cfg: Record<string, string | number>): ChildProcess {
  const file = join(dir, 'zoo.cfg');
  const lines = { tickTime: 2000, dataDir: join(dir, 'data'), clientPort: 2181, clientPortAddress: HOSTS[flavour], 'admin.enableServer': 'false', maxClientCnxns: 0, ...cfg };
  writeFileSync(file, Object.entries(lines).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  return flavour === 'apache'
    ? spawn('java', ['-Xmx2g', '-cp', JAVA_CP, 'org.apache.zookeeper.server.quorum.QuorumPeerMain', file], { stdio: 'ignore' })
    : spawn(join(REPO, 'dist/zookeeper-ts'), ['server', file], { stdio: 'ignore' });
}

async function untilServing(host: string): Promise<void> {
  for (;;) {
    if ((await fourLetterWord(host, 2181, 'srvr', 1000).catch(() => '')).includes('Mode:')) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

/**
 * Runs one op on every connection, DEPTH requests in flight each, for SECONDS (or, for
 * delete, until the nodes made by create are gone).
 */
async function phase(clients: ZooKeeperClient[], op: Op, made: string[][]): Promise<Result> {
  const data = Buffer.alloc(100, 'v');
  const latencies: number[] = [];
  const deadline = performance.now() + SECONDS * 1000;
  const started = performance.now();
  let done = 0;
  await Promise.all(
    clients.map(async (zk, c) => {
      const mine = made[c]!;
      let i = 0;
      const one = async (): Promise<void> => {
        while (performance.now() < deadline) {
          let call: Promise<unknown>;
          if (op === 'create') call = zk.create(`/bench/c${c}-${mine.length + i++}`, data).then((p) => void mine.push(p));
          else if (op === 'delete') {
            const path = mine.pop();
            if (path === undefined) return;
            call = zk.delete(path);
          } else {
            const path = mine[i++ % mine.length]!;
            call = op === 'setData' ? zk.setData(path, data) : op === 'getData' ? zk.getData(path) : zk.exists(path);
          }
          const t0 = performance.now();
          await call;
          latencies.push(performance.now() - t0);
          done++;
        }
      };
      await Promise.all(Array.from({ length: DEPTH }, one));
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  return { ops_per_s: done / elapsed, p50_ms: percentile(sorted, 0.5), p99_ms: percentile(sorted, 0.99) };
}

function peakRss_MB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}

async function run(flavour: Flavour, cfg: Record<string, string | number>, ops: readonly Op[]): Promise<{ results: Map<Op, Result>; rss_MB: number }> {
  const dir = mkdtempSync(join(tmpdir(), `zk-bench-${flavour}-`));
  const server = launch(flavour, dir, cfg);
  try {
    await untilServing(HOSTS[flavour]);
    const clients = await Promise.all(Array.from({ length: CONNECTIONS }, () => ZooKeeperClient.connect(`${HOSTS[flavour]}:2181`)));
    await clients[0]!.create('/bench');
    const made: string[][] = clients.map(() => []);
    const results = new Map<Op, Result>();
    for (const op of ops) results.set(op, await phase(clients, op, made));
    const rss = peakRss_MB(server.pid!);
    await Promise.all(clients.map((c) => c.close()));
    return { results, rss_MB: rss };
  } finally {
    server.kill('SIGKILL');
    await new Promise((r) => server.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const f = (x: number, d = 0) => x.toFixed(d);
  const lines: string[] = [];
  lines.push(`${CONNECTIONS} connections × ${DEPTH} requests in flight, ${SECONDS} s per op, 100-byte data, fsync on.`, '');
  lines.push('| op | Apache ops/s | ours ops/s | ratio | Apache p50 / p99 ms | ours p50 / p99 ms | p99 ratio |', '|---|---|---|---|---|---|---|');
  const apache = await run('apache', {}, OPS);
  const ours = await run('ours', {}, OPS);
  for (const op of OPS) {
    const a = apache.results.get(op)!;
    const o = ours.results.get(op)!;
    lines.push(
      `| ${op} | ${f(a.ops_per_s)} | ${f(o.ops_per_s)} | ${f(o.ops_per_s / a.ops_per_s, 2)} | ${f(a.p50_ms, 2)} / ${f(a.p99_ms, 2)} | ${f(o.p50_ms, 2)} / ${f(o.p99_ms, 2)} | ${f(o.p99_ms / a.p99_ms, 2)} |`,
    );
  }
  lines.push(`| peak RSS | ${f(apache.rss_MB)} MB | ${f(ours.rss_MB)} MB | ${f(ours.rss_MB / apache.rss_MB, 2)} | | | |`, '');

  // The cost of the Prometheus provider (a summary observed per request, a registry).
  const prometheus = await run(
    'ours',
    {
      'metricsProvider.className': 'org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider',
      'metricsProvider.httpHost': HOSTS.ours,
      'metricsProvider.httpPort': 7000,
    },
    OPS,
  );
  lines.push('Ours with the Prometheus metrics provider (same run):', '');
  lines.push('| op | ops/s | against Apache | against ours (default provider) | p99 ms | p99 against Apache |', '|---|---|---|---|---|---|');
  for (const op of OPS) {
    const a = apache.results.get(op)!;
    const o = ours.results.get(op)!;
    const p = prometheus.results.get(op)!;
    lines.push(`| ${op} | ${f(p.ops_per_s)} | ${f(p.ops_per_s / a.ops_per_s, 2)} | ${f(p.ops_per_s / o.ops_per_s, 2)} | ${f(p.p99_ms, 2)} | ${f(p.p99_ms / a.p99_ms, 2)} |`);
  }
  lines.push(`| peak RSS | ${f(prometheus.rss_MB)} MB | ${f(prometheus.rss_MB / apache.rss_MB, 2)} | ${f(prometheus.rss_MB / ours.rss_MB, 2)} | | |`, '');
  if (values['no-snapshots']) {
    console.log(lines.join('\n'));
    return;
  }

  // Snapshots under load: setData with snapCount 10000 (a snapshot every ~5000-10000 txns)
  // against snapCount 10000000 (none during the run).
  lines.push('setData while snapshots are taken (snapCount=10000) against none (snapCount=10000000):', '');
  lines.push('| server | p99 without snapshots | p99 with snapshots | ratio |', '|---|---|---|---|');
  for (const flavour of ['apache', 'ours'] as const) {
    const without = (await run(flavour, { snapCount: 10_000_000 }, ['create', 'setData'])).results.get('setData')!;
    const withSnaps = (await run(flavour, { snapCount: 10_000 }, ['create', 'setData'])).results.get('setData')!;
    lines.push(`| ${flavour} | ${f(without.p99_ms, 2)} ms | ${f(withSnaps.p99_ms, 2)} ms | ${f(withSnaps.p99_ms / without.p99_ms, 2)} |`);
  }
  console.log(lines.join('\n'));
}

void main();
