// The appliance's figures beside Apache ZooKeeper 3.8's, on this machine, in one run:
// executable size, time from start to serving (first `srvr` answer) on an empty dataDir and
// on one holding --znodes znodes, idle RSS after start, and snapshot size.
//   node --import tsx bench/startup.ts [--runs 5] [--znodes 100000]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ZooKeeperClient } from '../src/client/zookeeper-client';
import { fourLetterWord } from '../test/support/servers';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, znodes: { type: 'string', default: '100000' } } });
const RUNS = Number(values.runs);
const ZNODES = Number(values.znodes);
const REPO = resolve(import.meta.dirname, '..');
const EXE = join(REPO, 'dist/zookeeper-ts');
const HOST = '127.0.54.91';
const JAVA_CP = ['/etc/zookeeper/conf', '/usr/share/java/zookeeper.jar', '/usr/share/java/slf4j-nop.jar'].join(':');

type Flavour = 'apache' | 'ours';

function launch(flavour: Flavour, dataDir: string): ChildProcess {
  const cfg = join(dataDir, '..', `${flavour}.cfg`);
  writeFileSync(cfg, `tickTime=2000\ndataDir=${dataDir}\nclientPort=2181\nclientPortAddress=${HOST}\nadmin.enableServer=false\n`);
  return flavour === 'apache'
    ? spawn('java', ['-Xmx2g', '-cp', JAVA_CP, 'org.apache.zookeeper.server.quorum.QuorumPeerMain', cfg], { stdio: 'ignore' })
    : spawn(EXE, ['server', cfg], { stdio: 'ignore' });
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

/** Start-to-serving ms (median of RUNS) and idle RSS (MB) 2 s after the last start. */
async function measureStart(flavour: Flavour, dataDir: string): Promise<{ start_ms: number; rss_MB: number }> {
  const times: number[] = [];
  let rss = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const child = launch(flavour, dataDir);
    await untilServing();
    times.push(performance.now() - t0);
    if (i === RUNS - 1) {
      await new Promise((r) => setTimeout(r, 2000));
      rss = rss_kB(child.pid!) / 1024;
    }
    await stop(child);
  }
  times.sort((a, b) => a - b);
  return { start_ms: times[Math.floor(times.length / 2)]!, rss_MB: rss };
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
try {
  const results: Record<Flavour, { empty: Awaited<ReturnType<typeof measureStart>>; full: Awaited<ReturnType<typeof measureStart>>; snap: number }> =
    {} as never;
  for (const flavour of ['apache', 'ours'] as const) {
    const empty = join(base, `${flavour}-empty`);
    const full = join(base, `${flavour}-full`);
    const e = await measureStart(flavour, empty);
    const snap = await populate(flavour, full);
    const f = await measureStart(flavour, full);
    results[flavour] = { empty: e, full: f, snap };
  }
  const a = results.apache;
  const o = results.ours;
  const ratio = (x: number, y: number) => (x / y).toFixed(2);
  const exeSize = statSync(EXE).size / 1e6;
  rows.push('| figure | Apache ZooKeeper 3.8 | zookeeper-ts | ours / Apache |', '|---|---|---|---|');
  rows.push(`| start to serving, empty dataDir (median of ${RUNS}) | ${a.empty.start_ms.toFixed(0)} ms | ${o.empty.start_ms.toFixed(0)} ms | ${ratio(o.empty.start_ms, a.empty.start_ms)} |`);
  rows.push(`| start to serving, ${ZNODES} znodes on disk | ${a.full.start_ms.toFixed(0)} ms | ${o.full.start_ms.toFixed(0)} ms | ${ratio(o.full.start_ms, a.full.start_ms)} |`);
  rows.push(`| idle RSS after start, empty | ${a.empty.rss_MB.toFixed(0)} MB | ${o.empty.rss_MB.toFixed(0)} MB | ${ratio(o.empty.rss_MB, a.empty.rss_MB)} |`);
  rows.push(`| idle RSS after start, ${ZNODES} znodes | ${a.full.rss_MB.toFixed(0)} MB | ${o.full.rss_MB.toFixed(0)} MB | ${ratio(o.full.rss_MB, a.full.rss_MB)} |`);
  const perZnode = (r: (typeof results)[Flavour]) => (((r.full.rss_MB - r.empty.rss_MB) * 1024 * 1024) / ZNODES).toFixed(0);
  rows.push(`| idle RSS per znode (full less empty) | ${perZnode(a)} bytes | ${perZnode(o)} bytes | ${ratio(Number(perZnode(o)), Number(perZnode(a)))} |`);
  rows.push(`| snapshot size, ${ZNODES} znodes | ${(a.snap / 1e6).toFixed(1)} MB | ${(o.snap / 1e6).toFixed(1)} MB | ${ratio(o.snap, a.snap)} |`);
  rows.push(`| what runs | JVM + zookeeper.jar (Debian's package, JDK ${process.env.JAVA_VERSION ?? '17'}) | one file, ${exeSize.toFixed(0)} MB | |`);
  console.log(rows.join('\n'));
} finally {
  rmSync(base, { recursive: true, force: true });
}
}

void main();
