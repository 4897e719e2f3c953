// The ensemble benchmark: three of ours beside three of Apache ZooKeeper 3.8's (Debian's
// package) in one run, each member a real process on its own loopback address with the real
// ports (startMember from test/support/ensemble.ts; fsync on, as both ship). The two
// flavours take turns, round after round (A/B/A/B), each round on fresh dataDirs, so that
// the machine's other load falls on both alike. Per round and flavour:
//   - start to leader: the three spawned together → the first `srvr` saying `Mode: leader`
//     (a leader answers only once a quorum has synced with it);
//   - write (setData) and read (getData) ops/s, p50, p99 and p999, our client over
//     --connections connections spread round-robin over the three members, --depth requests
//     in flight each, after --warmup s of the same op unmeasured (the JVM compiles as it goes);
//   - the ensemble's CPU per op (the three members' utime + stime from /proc/<pid>/stat over
//     the phase) and this process's, the client's: all share the machine's cores;
//   - VmHWM and VmRSS of each member from /proc/<pid>/status (the JVM's, node's);
//   - failover: the leader SIGKILLed → the first write (a new session on a surviving member
//     and a create through it) that succeeds.
// The figures are medians over the rounds, and the ratios ours / Apache.
//   node --import tsx bench/ensemble.ts [--rounds 5] [--connections 24] [--depth 16] [--seconds 5] [--warmup 2]
//     [--apache-heap 2g] [--cpu-prof DIR]
// --cpu-prof DIR: one round of ours alone, the members run under node --cpu-prof and are
// stopped with SIGTERM after the load (no failover); prints which profile is the leader's.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ZooKeeperClient } from '../src/client/zookeeper-client';
import { startMember, type Member, type MemberSpec, type RuntimeArgs } from '../test/support/ensemble';
import { fourLetterWord } from '../test/support/servers';
import { cpuTicks, microsPerOp } from '../test/support/proc-stat';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '24' },
    depth: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    // bench/load.ts gives Apache 2 GB too; test/support's default (256 MB) would cap its RSS.
    'apache-heap': { type: 'string', default: '2g' },
    'cpu-prof': { type: 'string' },
    // Another bundle of ours, run as a third flavour in every round: what a change bought.
    baseline: { type: 'string' },
  },
});
const ROUNDS = Number(values.rounds);
const CONNECTIONS = Number(values.connections);
const DEPTH = Number(values.depth);
const SECONDS = Number(values.seconds);
const WARMUP = Number(values.warmup);
const CPU_PROF = values['cpu-prof'];
const HOSTS = {
  ours: ['127.0.14.1', '127.0.14.2', '127.0.14.3'],
  apache: ['127.0.14.11', '127.0.14.12', '127.0.14.13'],
  baseline: ['127.0.14.21', '127.0.14.22', '127.0.14.23'],
} as const;
type Flavour = keyof typeof HOSTS;
const BASELINE = values.baseline;
const FLAVOURS: Flavour[] = BASELINE ? ['apache', 'ours', 'baseline'] : ['apache', 'ours'];
/** How long an ensemble gets to elect, and a failover to end, before the round is given up: two busy cores. */
const GIVE_UP_ms = 60_000;
/** One failover write attempt (connect + create) gets this long before the next member is tried. */
const ATTEMPT_ms = 1000;
const POLL_ms = 20;

interface Latencies {
  ops_per_s: number;
  p50_ms: number;
  p99_ms: number;
  p999_ms: number;
  /** The three members' CPU (every thread's) per op of the phase, in µs. */
  cpu_us_per_op: number;
  /** The client's (this process's) CPU per op, in µs. */
  client_cpu_us_per_op: number;
}
interface Memory {
  hwm_MB: number;
  rss_MB: number;
}
interface Round {
  start_ms: number;
  write: Latencies;
  read: Latencies;
  leader: Memory;
  /** The two followers' mean. */
  follower: Memory;
  failover_ms: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

async function mode(host: string): Promise<string | undefined> {
  const out = await fourLetterWord(host, 2181, 'srvr', 1000).catch(() => '');
  return /Mode: (\w+)/.exec(out)?.[1];
}

/** Polls every member's srvr until one says leader and all serve; resolves with the members in their modes. */
async function untilServing(members: Member[], flavour: Flavour): Promise<{ leader: Member; at_ms: number }> {
  const deadline = performance.now() + GIVE_UP_ms;
  let leaderAt: { leader: Member; at_ms: number } | undefined;
  for (;;) {
    const modes = await Promise.all(members.map((m) => mode(m.host)));
    const i = modes.indexOf('leader');
    if (i >= 0 && leaderAt === undefined) leaderAt = { leader: members[i]!, at_ms: performance.now() };
    if (leaderAt && modes.every((m) => m !== undefined)) return leaderAt;
    if (performance.now() > deadline) throw new Error(`${flavour}: not all serving after ${GIVE_UP_ms} ms (modes ${modes.join(', ')})`);
    await sleep(POLL_ms);
  }
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

/** One op on every connection, DEPTH in flight each, for `seconds`, each connection on its own znode; `pids` are the members'. */
async function phase(clients: ZooKeeperClient[], op: 'write' | 'read', seconds: number, pids: number[]): Promise<Latencies> {
  const data = Buffer.alloc(100, 'v');
  const latencies: number[] = [];
  const ticks = () => pids.reduce((sum, pid) => sum + cpuTicks(`/proc/${pid}/stat`), 0);
  const ticks0 = ticks();
  const client0 = process.cpuUsage();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    clients.map((zk, c) =>
      Promise.all(
        Array.from({ length: DEPTH }, async () => {
          while (performance.now() < deadline) {
            const t0 = performance.now();
            await (op === 'write' ? zk.setData(`/bench-${c}`, data) : zk.getData(`/bench-${c}`));
            latencies.push(performance.now() - t0);
          }
        }),
      ),
    ),
  );
  const elapsed = (performance.now() - started) / 1000;
  const cpu_ticks = ticks() - ticks0;
  const client = process.cpuUsage(client0);
  const ops = latencies.length;
  const sorted = Float64Array.from(latencies).sort();
  return {
    ops_per_s: ops / elapsed,
    p50_ms: percentile(sorted, 0.5),
    p99_ms: percentile(sorted, 0.99),
    p999_ms: percentile(sorted, 0.999),
    cpu_us_per_op: microsPerOp(cpu_ticks, ops),
    client_cpu_us_per_op: (client.user + client.system) / Math.max(1, ops),
  };
}

function memory(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kB = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { hwm_MB: kB('VmHWM') / 1024, rss_MB: kB('VmRSS') / 1024 };
}

/** SIGKILLs the leader; ms until a write through a surviving member succeeds. */
async function failover(leader: Member, survivors: Member[]): Promise<number> {
  const killed = performance.now();
  const gone = leader.stop();
  let n = 0;
  for (;;) {
    const host = survivors[n++ % survivors.length]!.host;
    let zk: ZooKeeperClient | undefined;
    try {
      await withTimeout(
        (async () => {
          zk = await ZooKeeperClient.connect(`${host}:2181`, { connectTimeout_ms: ATTEMPT_ms, sessionTimeout_ms: 4000 });
          await zk.create(`/failover-${n}`, Buffer.from('after'));
        })(),
        ATTEMPT_ms,
      );
      const took = performance.now() - killed;
      await zk?.close();
      await gone;
      return took;
    } catch {
      zk?.disconnect();
      if (performance.now() - killed > GIVE_UP_ms) throw new Error(`no write succeeded ${GIVE_UP_ms} ms after the leader was killed`);
      await sleep(POLL_ms);
    }
  }
}

async function round(flavour: Flavour): Promise<Round> {
  const specs: MemberSpec[] = HOSTS[flavour].map((host, i) => ({ myid: i + 1, host }));
  const runtime: RuntimeArgs =
    flavour === 'apache' ? { jvmArgs: [`-Xmx${values['apache-heap']}`] } : { ...(CPU_PROF ? { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', CPU_PROF] } : {}), ...(flavour === 'baseline' ? { bundle: BASELINE } : {}) };
  const t0 = performance.now();
  const members = await Promise.all(specs.map((s) => startMember(flavour === 'apache' ? 'apache' : 'ours', s, specs, {}, undefined, runtime)));
  try {
    const { leader, at_ms } = await untilServing(members, flavour);
    const followers = members.filter((m) => m !== leader);
    const clients = await Promise.all(Array.from({ length: CONNECTIONS }, (_, c) => ZooKeeperClient.connect(`${members[c % 3]!.host}:2181`, { sessionTimeout_ms: 30_000 })));
    await Promise.all(clients.map((zk, c) => zk.create(`/bench-${c}`, Buffer.alloc(100, 'v'))));
    const pids = members.map((m) => m.pid);
    if (WARMUP > 0) await phase(clients, 'write', WARMUP, pids);
    const write = await phase(clients, 'write', SECONDS, pids);
    if (WARMUP > 0) await phase(clients, 'read', WARMUP, pids);
    const read = await phase(clients, 'read', SECONDS, pids);
    const lm = memory(leader.pid);
    const fm = followers.map((m) => memory(m.pid));
    const follower = { hwm_MB: (fm[0]!.hwm_MB + fm[1]!.hwm_MB) / 2, rss_MB: (fm[0]!.rss_MB + fm[1]!.rss_MB) / 2 };
    await Promise.all(clients.map((zk) => zk.close()));
    if (CPU_PROF) {
      console.log(`leader: member ${leader.myid}, pid ${leader.pid}: its profile is ${CPU_PROF}/CPU.*.${leader.pid}.*.cpuprofile`);
      await Promise.all(members.map((m) => m.stop({ signal: 'SIGTERM' })));
      return { start_ms: at_ms - t0, write, read, leader: lm, follower, failover_ms: NaN };
    }
    const failover_ms = await failover(leader, followers);
    return { start_ms: at_ms - t0, write, read, leader: lm, follower, failover_ms };
  } finally {
    await Promise.all(members.map((m) => m.stop()));
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function loadavg(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

async function main(): Promise<void> {
  const runs: Record<Flavour, Round[]> = { apache: [], ours: [], baseline: [] };
  const loads: string[] = [loadavg()];
  const rounds = CPU_PROF ? 1 : ROUNDS;
  for (let r = 0; r < rounds; r++) {
    for (const flavour of CPU_PROF ? (['ours'] as const) : FLAVOURS) {
      const x = await round(flavour);
      runs[flavour].push(x);
      console.error(
        `round ${r + 1} ${flavour}: start ${x.start_ms.toFixed(0)} ms, write ${x.write.ops_per_s.toFixed(0)}/s p99 ${x.write.p99_ms.toFixed(1)} ms ${x.write.cpu_us_per_op.toFixed(0)} µs/op, ` +
          `read ${x.read.ops_per_s.toFixed(0)}/s p99 ${x.read.p99_ms.toFixed(1)} ms ${x.read.cpu_us_per_op.toFixed(0)} µs/op, ` +
          `leader HWM ${x.leader.hwm_MB.toFixed(0)} MB, failover ${x.failover_ms.toFixed(0)} ms (load ${loadavg()})`,
      );
    }
    loads.push(loadavg());
  }
  if (CPU_PROF) return;
  const f = (x: number, d = 0) => x.toFixed(d);
  const m = (flavour: Flavour, get: (x: Round) => number) => median(runs[flavour].map(get));
  const row = (name: string, unit: string, get: (x: Round) => number, d = 0) => {
    const a = m('apache', get);
    const o = m('ours', get);
    const b = BASELINE ? m('baseline', get) : NaN;
    return `| ${name} | ${f(a, d)}${unit} | ${f(o, d)}${unit} | ${f(o / a, 2)} |` + (BASELINE ? ` ${f(b, d)}${unit} | ${f(o / b, 2)} |` : '');
  };
  const lines = [
    `${ROUNDS} rounds (${FLAVOURS.join(', ')}, then again), 3 members each on fresh dataDirs; ${CONNECTIONS} connections (${CONNECTIONS / 3} per member) × ${DEPTH} in flight,`,
    `${WARMUP} s warm-up + ${SECONDS} s per op, 100-byte data, fsync on; Apache -Xmx${values['apache-heap']}. Medians over the rounds. Load average (1/5/15 min) at the start and after each round: ${loads.join('; ')}.`,
    '',
    '| figure | Apache ×3 | ours ×3 | ours / Apache |' + (BASELINE ? ` baseline ${BASELINE} ×3 | ours / baseline |` : ''),
    '|---|---|---|---|' + (BASELINE ? '---|---|' : ''),
    row('write (setData) ops/s', '', (x) => x.write.ops_per_s),
    row('write p50', ' ms', (x) => x.write.p50_ms, 2),
    row('write p99', ' ms', (x) => x.write.p99_ms, 2),
    row('write p999', ' ms', (x) => x.write.p999_ms, 2),
    row('write: the three members\' CPU per op', ' µs', (x) => x.write.cpu_us_per_op, 1),
    row('write: the client\'s CPU per op', ' µs', (x) => x.write.client_cpu_us_per_op, 1),
    row('read (getData) ops/s', '', (x) => x.read.ops_per_s),
    row('read p50', ' ms', (x) => x.read.p50_ms, 2),
    row('read p99', ' ms', (x) => x.read.p99_ms, 2),
    row('read p999', ' ms', (x) => x.read.p999_ms, 2),
    row('read: the three members\' CPU per op', ' µs', (x) => x.read.cpu_us_per_op, 1),
    row('read: the client\'s CPU per op', ' µs', (x) => x.read.client_cpu_us_per_op, 1),
    row('start to leader, three started together', ' ms', (x) => x.start_ms),
    row('failover: leader SIGKILLed → a write succeeds', ' ms', (x) => x.failover_ms),
    row('leader VmHWM (peak RSS)', ' MB', (x) => x.leader.hwm_MB),
    row('leader VmRSS after the load', ' MB', (x) => x.leader.rss_MB),
    row('follower VmHWM (mean of two)', ' MB', (x) => x.follower.hwm_MB),
    row('follower VmRSS after the load', ' MB', (x) => x.follower.rss_MB),
    '',
    'Per round (start ms / failover ms): ' + FLAVOURS.map((fl) => `${fl} ${runs[fl].map((x) => `${f(x.start_ms)}/${f(x.failover_ms)}`).join(', ')}`).join('; '),
  ];
  console.log(lines.join('\n'));
}

void main();
