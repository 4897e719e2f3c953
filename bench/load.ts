// The load benchmark: Apache ZooKeeper 3.8 and ours on this machine, driven by Apache's OWN
// Java client (bench/java/LoadGen.java, async API, N sessions × D requests in flight), each
// server fresh (its own dataDir, fsync on, as both ship). Runs alternate A/B/A/B so that a
// change in the machine's load shows as spread, not as a ratio; ratios within one run are
// what to read. Per op, after a warm-up: ops/s, p50/p99/p999 and the server's CPU per op
// (utime+stime from /proc/<pid>/stat over the measured phase). Shapes 32 × 16 and 4 × 1;
// setData while snapshots are taken (snapCount=10000) against none; --tls: both servers on
// secureClientPort with the same PKCS12 key stores (Apache on Netty, the client on
// ClientCnxnSocketNetty).
//   npm run build && node --import tsx bench/load.ts [--seconds 15] [--warmup 5] [--reps 2]
//     [--shape 32x16,4x1] [--ops create,setData,...] [--no-snapshots] [--tls] [--tls-only] [--tls-shape 32x16]
//     [--hosts 127.0.53.1,127.0.53.2] [--cpu-prof DIR] [--baseline OTHER-BUNDLE.cjs] [--baseline-flags 'NODE FLAGS'] [--baseline-env 'K=V ...'] [--prometheus]
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { loadGenerator, type Shape } from './load-generator';
import { OPS, type Op, runServer, type ServerRun, type Variant } from './load-server';
import { parseEnvList } from './env-list';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '5' },
    reps: { type: 'string', default: '2' },
    shape: { type: 'string', default: '32x16,4x1' },
    ops: { type: 'string', default: OPS.join(',') },
    // The snapshot section: four more server runs per repetition.
    'no-snapshots': { type: 'boolean', default: false },
    tls: { type: 'boolean', default: false },
    // Only the TLS section (for issue 14's figures).
    'tls-only': { type: 'boolean', default: false },
    // The TLS section's shapes (default the first of --shape: TLS costs per byte, the wide shape shows it).
    'tls-shape': { type: 'string' },
    hosts: { type: 'string', default: '127.0.53.1,127.0.53.2' },
    // Our server under --cpu-prof, its profiles written to DIR.
    'cpu-prof': { type: 'string' },
    // A bundle of ours built from other code (the commit before a change): runs third in
    // each repetition, so that what a change bought is measured in the same run.
    baseline: { type: 'string' },
    // Node flags for the baseline (space-separated): alone, the baseline is this build run
    // with them, e.g. --baseline-flags=--max-semi-space-size=8 (what a V8 setting buys).
    'baseline-flags': { type: 'string' },
    // Environment for the baseline (space-separated K=V): alone, this build run with it, e.g.
    // --baseline-env=MALLOC_ARENA_MAX=2 (what a glibc malloc setting costs or buys).
    'baseline-env': { type: 'string' },
    // Ours also with the Prometheus metrics provider (Debian's Apache has none to compare).
    prometheus: { type: 'boolean', default: false },
  },
});
const [APACHE_HOST, OURS_HOST] = values.hosts.split(',') as [string, string];
/** The baseline's address: the next one after ours. */
const BASELINE_HOST = OURS_HOST.replace(/\d+$/, (n) => String(Number(n) + 1));

/** Node flags of the baseline (--baseline-flags, space-separated), when given. */
const BASELINE_FLAGS = values['baseline-flags']?.split(' ').filter((x) => x !== '');
/** The baseline's environment (--baseline-env, space-separated K=V), when given. */
const BASELINE_ENV = values['baseline-env'] === undefined ? undefined : parseEnvList('--baseline-env', values['baseline-env']);
/** What the baseline is, for the tables' titles. */
const BASELINE_NAME = `${values.baseline ?? 'this build'}${BASELINE_FLAGS ? ` with ${BASELINE_FLAGS.join(' ')}` : ''}${values['baseline-env'] ? ` under ${values['baseline-env']}` : ''}`;

/** The baseline (--baseline, another bundle of ours, and/or --baseline-flags) with `cfg`, when one was given. */
function baselineVariants(cfg: Record<string, string | number>): Variant[] {
  if (!values.baseline && !BASELINE_FLAGS && !BASELINE_ENV) return [];
  return [{ label: 'baseline', flavour: 'ours', host: BASELINE_HOST, cfg, tls: false, bundle: values.baseline, nodeFlags: BASELINE_FLAGS, env: BASELINE_ENV }];
}
const timing = { seconds: Number(values.seconds), warmup: Number(values.warmup) };
const REPS = Number(values.reps);
const SHAPES: Shape[] = parseShapes(values.shape);
const TLS_SHAPES: Shape[] = values['tls-shape'] ? parseShapes(values['tls-shape']) : [SHAPES[0]!];
const ops = values.ops.split(',') as Op[];
for (const op of ops) if (!OPS.includes(op)) throw new Error(`--ops: unknown op ${op} (one of ${OPS.join(', ')})`);
// LoadGen's other phases work on the nodes a create phase made.
if (ops[0] !== 'create') throw new Error(`--ops: create must come first (the other phases use the nodes it makes), got ${values.ops}`);
const nodeFlags = values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`] : undefined;

/** "32x16,4x1" → sessions × requests in flight each. */
function parseShapes(list: string): Shape[] {
  return list.split(',').map((s) => {
    const [sessions, depth] = s.split('x').map(Number) as [number, number];
    if (!(sessions > 0 && depth > 0)) throw new Error(`a shape is SESSIONSxDEPTH, like 32x16: ${s}`);
    return { sessions, depth };
  });
}

const f = (x: number, d = 0) => x.toFixed(d);
const ms = (us: number) => f(us / 1000, 2);
const range = (xs: number[], d = 2) => (Math.min(...xs) === Math.max(...xs) ? f(xs[0]!, d) : `${f(Math.min(...xs), d)}–${f(Math.max(...xs), d)}`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs the variants A/B/A/B (REPS times each, alternating) and returns each one's runs. */
async function alternate(variants: Variant[], shape: Shape, phases: readonly Op[]): Promise<ServerRun[][]> {
  const runs: ServerRun[][] = variants.map(() => []);
  for (let r = 0; r < REPS; r++) {
    for (const [i, v] of variants.entries()) {
      const run = await runServer(v, shape, phases, timing);
      runs[i]!.push(run);
      process.stderr.write(`  ${v.label} rep ${r + 1}: ${phases.map((op) => `${op} ${f(run.results.get(op)!.ops_per_s)}/s`).join(', ')} (load ${loadAverage()})\n`);
    }
  }
  return runs;
}

function loadAverage(): string {
  return loadavg().map((x) => x.toFixed(2)).join(' ');
}

/** One table: per op, Apache's and ours side by side, ratios per repetition pair. */
function table(apache: ServerRun[], ours: ServerRun[], phases: readonly Op[], names = { a: 'Apache', o: 'ours' }): string[] {
  const lines = [
    `| op | ${names.a} ops/s | ${names.o} ops/s | ratio | p50 ms A / o | p99 ms A / o | p99 ratio | p999 ms A / o | p999 ratio | CPU µs/op A / o | CPU ratio | client CPU µs/op A / o |`,
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const op of phases) {
    const a = apache.map((r) => r.results.get(op)!);
    const o = ours.map((r) => r.results.get(op)!);
    const pair = (g: (x: (typeof a)[number]) => number) => a.map((x, i) => g(o[i]!) / g(x));
    lines.push(
      `| ${op} | ${a.map((x) => f(x.ops_per_s)).join(', ')} | ${o.map((x) => f(x.ops_per_s)).join(', ')} | ${range(pair((x) => x.ops_per_s))} ` +
        `| ${ms(median(a.map((x) => x.p50_us)))} / ${ms(median(o.map((x) => x.p50_us)))} ` +
        `| ${ms(median(a.map((x) => x.p99_us)))} / ${ms(median(o.map((x) => x.p99_us)))} | ${range(pair((x) => x.p99_us))} ` +
        `| ${ms(median(a.map((x) => x.p999_us)))} / ${ms(median(o.map((x) => x.p999_us)))} | ${range(pair((x) => x.p999_us))} ` +
        `| ${f(median(a.map((x) => x.cpu_us_per_op)), 1)} / ${f(median(o.map((x) => x.cpu_us_per_op)), 1)} | ${range(pair((x) => x.cpu_us_per_op))} ` +
        `| ${f(median(a.map((x) => x.client_cpu_us_per_op)), 1)} / ${f(median(o.map((x) => x.client_cpu_us_per_op)), 1)} |`,
    );
  }
  const rss = (rs: ServerRun[]) => f(Math.max(...rs.map((r) => r.peakRss_MB)));
  lines.push(`| peak RSS MB | ${rss(apache)} | ${rss(ours)} | | | | | | | | | |`);
  return lines;
}

async function main(): Promise<void> {
  await loadGenerator(); // compile before the first server starts: javac's time is nobody's
  // Each section is printed as soon as it is measured: a long run cut short keeps what it got.
  const out = { push: (...lines: string[]) => console.log(lines.join('\n')) };
  const header = `Load: Apache ZooKeeper 3.8's Java client (bench/java/LoadGen.java, async API); ${timing.seconds} s per op after a ${timing.warmup} s warm-up (none for delete), ${REPS} alternating repetitions (A/B/A/B), 100-byte data, fsync on; load average at start ${loadAverage()}.`;
  out.push(`${new Date().toISOString()} — ${header}`, '');
  const pair = (cfg: Record<string, string | number> = {}, tls = false): Variant[] => [
    { label: 'Apache', flavour: 'apache', host: APACHE_HOST, cfg, tls },
    { label: 'ours', flavour: 'ours', host: OURS_HOST, cfg, tls, nodeFlags },
  ];
  if (!values['tls-only']) {
    for (const shape of SHAPES) {
      process.stderr.write(`${shape.sessions} × ${shape.depth}:\n`);
      // Beside the pair, each measured against ours (default provider, this build) in the same run.
      const extras: { v: Variant; title: string; names: { a: string; o: string } }[] = [];
      for (const v of baselineVariants({})) {
        extras.push({ v, title: `The baseline ${BASELINE_NAME} (A) against this build (o)`, names: { a: 'baseline', o: 'this build' } });
      }
      if (values.prometheus) {
        const host = BASELINE_HOST.replace(/\d+$/, (n) => String(Number(n) + 1));
        extras.push({
          v: {
            label: 'ours (Prometheus)',
            flavour: 'ours',
            host,
            cfg: { 'metricsProvider.className': 'org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider', 'metricsProvider.httpHost': host, 'metricsProvider.httpPort': 7000 },
            tls: false,
          },
          title: 'Ours with the default metrics provider (A) against the Prometheus provider (o)',
          names: { a: 'default provider', o: 'Prometheus provider' },
        });
      }
      const [apache, ours, ...others] = await alternate([...pair(), ...extras.map((e) => e.v)], shape, ops);
      out.push(`### ${shape.sessions} sessions × ${shape.depth} in flight`, '', ...table(apache!, ours!, ops), '');
      for (const [i, e] of extras.entries()) {
        const [a, o] = e.v.label === 'baseline' ? [others[i]!, ours!] : [ours!, others[i]!];
        out.push(`${e.title}, same run:`, '', ...table(a, o, ops, e.names), '');
      }
    }
    if (!values['no-snapshots']) {
      // A snapshot every ~5000-10000 txns (snapCount 10000) against none during the run.
      const shape = SHAPES[0]!;
      const phases: Op[] = ['create', 'setData'];
      process.stderr.write('setData while snapshots are taken:\n');
      // The baseline's two runs too, when given: what a change bought while snapshots are taken.
      const [aNone, oNone, aSnap, oSnap, bNone, bSnap] = await alternate(
        [...pair({ snapCount: 10_000_000 }), ...pair({ snapCount: 10_000 }), ...baselineVariants({ snapCount: 10_000_000 }), ...baselineVariants({ snapCount: 10_000 })],
        shape,
        phases,
      );
      const row = (label: string, none: ServerRun[], snap: ServerRun[]) => {
        const p = (rs: ServerRun[], k: 'p99_us' | 'p999_us') => median(rs.map((r) => r.results.get('setData')![k]));
        const ops_s = (rs: ServerRun[]) => median(rs.map((r) => r.results.get('setData')!.ops_per_s));
        return `| ${label} | ${f(ops_s(none))} / ${f(ops_s(snap))} | ${ms(p(none, 'p99_us'))} / ${ms(p(snap, 'p99_us'))} | ${f(p(snap, 'p99_us') / p(none, 'p99_us'), 2)} | ${ms(p(none, 'p999_us'))} / ${ms(p(snap, 'p999_us'))} | ${f(p(snap, 'p999_us') / p(none, 'p999_us'), 2)} |`;
      };
      out.push(
        `### setData while snapshots are taken (snapCount=10000) against none (snapCount=10000000), ${shape.sessions} × ${shape.depth}`,
        '',
        '| server | ops/s none / snapshots | p99 ms none / snapshots | p99 × | p999 ms none / snapshots | p999 × |',
        '|---|---|---|---|---|---|',
        row('Apache', aNone!, aSnap!),
        row('ours', oNone!, oSnap!),
        ...(bNone && bSnap ? [row(`baseline ${BASELINE_NAME}`, bNone, bSnap)] : []),
        '',
      );
    }
  }
  if (values.tls || values['tls-only']) {
    for (const shape of TLS_SHAPES) {
      process.stderr.write(`TLS ${shape.sessions} × ${shape.depth}:\n`);
      const [apache, ours] = await alternate(pair({}, true), shape, ops);
      out.push(`### TLS (secureClientPort, PKCS12 key stores, Netty on both ends), ${shape.sessions} × ${shape.depth}`, '', ...table(apache!, ours!, ops), '');
    }
  }
  out.push(`Load average at the end: ${loadAverage()}.`);
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
