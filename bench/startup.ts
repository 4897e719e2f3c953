// The appliance's figures beside Apache ZooKeeper 3.8's, on this machine, in one run:
// executable size, time from start to serving (first `srvr` answer) on an empty dataDir and
// on one holding --znodes znodes, idle RSS after start (2 s after, and once settled: the
// collectors of both free what loading left only some seconds later), and snapshot size.
// --baseline another executable of ours: started on ours' dataDirs too, to show what a change bought.
// --baseline-env 'K=V ...': the baseline (this build, unless --baseline names another) runs
// under that environment too, e.g. MALLOC_ARENA_MAX=2 (what a glibc malloc setting buys).
//   node --import tsx bench/startup.ts [--runs 5] [--znodes 100000] [--settle 30] [--baseline OTHER-EXE] [--baseline-env 'K=V ...']
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ZooKeeperClient } from '../src/client/zookeeper-client';
import { fourLetterWord } from '../test/support/servers';
import { parseEnvList } from './env-list';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    znodes: { type: 'string', default: '100000' },
    settle: { type: 'string', default: '30' },
    baseline: { type: 'string' },
    'baseline-env': { type: 'string' },
  },
});
const RUNS = Number(values.runs);
const ZNODES = Number(values.znodes);
/** When the settled RSS is read, in seconds after the last start (the first is read at 2 s). */
const SETTLE_s = Number(values.settle);
const REPO = resolve(import.meta.dirname, '..');
const EXE = join(REPO, 'dist/zookeeper-ts');
const HOST = '127.0.54.91';
const BASELINE_ENV = values['baseline-env'] === undefined ? undefined : parseEnvList('--baseline-env', values['baseline-env']);
/** What the baseline is, for the table's title. */
const BASELINE_NAME = `${values.baseline ?? 'this build'}${values['baseline-env'] ? ` under ${values['baseline-env']}` : ''}`;
const JAVA_CP = ['/etc/zookeeper/conf', '/usr/share/java/zookeeper.jar', '/usr/share/java/slf4j-nop.jar'].join(':');

type Flavour = 'apache' | 'ours' | 'baseline';

/**
 * The executables of ours that run, copied into the bench's directory at its start: a
 * binary's pages the page cache holds are mapped around each fault, so the same empty server
 * reads 48 MB of RSS from a binary just written and 37 MB from one the cache had dropped.
 * Fresh copies put ours and the baseline in the same state.
 */
const runs: Partial<Record<'ours' | 'baseline', string>> = {};

function launch(flavour: Flavour, dataDir: string): ChildProcess {
  const cfg = join(dataDir, '..', `${flavour}.cfg`);
  writeFileSync(cfg, `tickTime=2000\ndataDir=${dataDir}\nclientPort=2181\nclientPortAddress=${HOST}\nadmin.enableServer=false\n`);
  if (flavour === 'apache') return spawn('java', ['-Xmx2g', '-cp', JAVA_CP, 'org.apache.zookeeper.server.quorum.QuorumPeerMain', cfg], { stdio: 'ignore' });
  const env = flavour === 'baseline' && BASELINE_ENV ? { ...process.env, ...BASELINE_ENV } : process.env;
  return spawn(runs[flavour]!, ['server', cfg], { stdio: 'ignore', env });
}

async function untilServing(): Promise<void> {
  for (;;) {
    const out = await fourLetterWord(HOST, 2181, 'srvr', 1000).catch(() => '');
    if (out.includes('Mode:')) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

function rss_kB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0);
}

async function stop(child: ChildProcess): Promise<void> {
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
}

interface StartFigures {
  start_ms: number;
  /** Idle RSS 2 s after the last start, and SETTLE_s after it. */
  rss_MB: number;
  settled_MB: number;
}

/** Start-to-serving ms (median of RUNS) and idle RSS (MB) after the last start. */
async function measureStart(flavour: Flavour, dataDir: string): Promise<StartFigures> {
  const times: number[] = [];
  let rss = 0;
  let settled = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const child = launch(flavour, dataDir);
    await untilServing();
    times.push(performance.now() - t0);
    if (i === RUNS - 1) {
      await new Promise((r) => setTimeout(r, 2000));
      rss = rss_kB(child.pid!) / 1024;
      await new Promise((r) => setTimeout(r, Math.max(0, SETTLE_s - 2) * 1000));
      settled = rss_kB(child.pid!) / 1024;
    }
    await stop(child);
  }
  times.sort((a, b) => a - b);
  return { start_ms: times[Math.floor(times.length / 2)]!, rss_MB: rss, settled_MB: settled };
}

/** Fills a dataDir with ZNODES znodes (written by the flavour itself), leaves a snapshot. */
async function populate(flavour: Flavour, dataDir: string): Promise<number> {
  const child = launch(flavour, dataDir);
  await untilServing();
  const zk = await ZooKeeperClient.connect(`${HOST}:2181`);
  const data = Buffer.alloc(100, 'd');
  const parents = Math.ceil(ZNODES / 1000);
  for (let p = 0; p < parents; p++) await zk.create(`/p${p}`);
  let inFlight: Promise<unknown>[] = [];
  for (let i = 0; i < ZNODES; i++) {
    inFlight.push(zk.create(`/p${i % parents}/n${i}`, data));
    if (inFlight.length >= 500) {
      await Promise.all(inFlight);
      inFlight = [];
    }
  }
  await Promise.all(inFlight);
  await zk.close();
  await stop(child);
  // A restart writes a snapshot of everything (both servers snapshot after loading).
  const again = launch(flavour, dataDir);
  await untilServing();
  await new Promise((r) => setTimeout(r, 1000));
  await stop(again);
  const v2 = join(dataDir, 'version-2');
  const snaps = readdirSync(v2).filter((f) => f.startsWith('snapshot.')).map((f) => statSync(join(v2, f)).size);
  return Math.max(...snaps);
}

async function main(): Promise<void> {
const rows: string[] = [];
const base = mkdtempSync(join(tmpdir(), 'zk-bench-start-'));
runs.ours = join(base, 'ours.exe');
copyFileSync(EXE, runs.ours);
if (values.baseline || BASELINE_ENV) copyFileSync(values.baseline ?? EXE, (runs.baseline = join(base, 'baseline.exe')));
for (const exe of Object.values(runs)) chmodSync(exe, 0o755);
try {
  type Figures = { empty: StartFigures; full: StartFigures; snap: number };
  const results: Partial<Record<Flavour, Figures>> = {};
  for (const flavour of ['apache', 'ours'] as const) {
    const empty = join(base, `${flavour}-empty`);
    const full = join(base, `${flavour}-full`);
    const e = await measureStart(flavour, empty);
    const snap = await populate(flavour, full);
    const f = await measureStart(flavour, full);
    results[flavour] = { empty: e, full: f, snap };
  }
  // The baseline on ours' dataDirs (nothing to replay there: a start leaves them as they are).
  if (runs.baseline) {
    const empty = await measureStart('baseline', join(base, 'ours-empty'));
    const full = await measureStart('baseline', join(base, 'ours-full'));
    results.baseline = { empty, full, snap: results.ours!.snap };
  }
  const a = results.apache!;
  const o = results.ours!;
  const b = results.baseline;
  const ratio = (x: number, y: number) => (x / y).toFixed(2);
  const exeSize = statSync(EXE).size / 1e6;
  const perZnode = (r: Figures, at: keyof StartFigures) => ((r.full[at] - r.empty[at]) * 1024 * 1024) / ZNODES;
  const bHead = b ? ` baseline ${BASELINE_NAME} | this build / baseline |` : '';
  const bSep = b ? '---|---|' : '';
  rows.push(`| figure | Apache ZooKeeper 3.8 | zookeeper-ts | ours / Apache |${bHead}`, `|---|---|---|---|${bSep}`);
  const row = (figure: string, unit: string, pick: (r: Figures) => number, digits = 0) => {
    const cells = [figure, `${pick(a).toFixed(digits)} ${unit}`, `${pick(o).toFixed(digits)} ${unit}`, ratio(pick(o), pick(a))];
    if (b) cells.push(`${pick(b).toFixed(digits)} ${unit}`, ratio(pick(o), pick(b)));
    rows.push(`| ${cells.join(' | ')} |`);
  };
  row(`start to serving, empty dataDir (median of ${RUNS})`, 'ms', (r) => r.empty.start_ms);
  row(`start to serving, ${ZNODES} znodes on disk (median of ${RUNS})`, 'ms', (r) => r.full.start_ms);
  row('idle RSS 2 s after start, empty', 'MB', (r) => r.empty.rss_MB);
  row(`idle RSS 2 s after start, ${ZNODES} znodes`, 'MB', (r) => r.full.rss_MB);
  row('idle RSS per znode at 2 s (full less empty)', 'bytes', (r) => perZnode(r, 'rss_MB'));
  row(`idle RSS ${SETTLE_s} s after start, empty`, 'MB', (r) => r.empty.settled_MB);
  row(`idle RSS ${SETTLE_s} s after start, ${ZNODES} znodes`, 'MB', (r) => r.full.settled_MB);
  row(`idle RSS per znode at ${SETTLE_s} s (full less empty)`, 'bytes', (r) => perZnode(r, 'settled_MB'));
  rows.push(`| snapshot size, ${ZNODES} znodes | ${(a.snap / 1e6).toFixed(1)} MB | ${(o.snap / 1e6).toFixed(1)} MB | ${ratio(o.snap, a.snap)} |${b ? ' | |' : ''}`);
  rows.push(`| what runs | JVM + zookeeper.jar (Debian's package, JDK ${process.env.JAVA_VERSION ?? '17'}) | one file, ${exeSize.toFixed(0)} MB | |${b ? ' | |' : ''}`);
  console.log(rows.join('\n'));
} finally {
  rmSync(base, { recursive: true, force: true });
}
}

void main();
