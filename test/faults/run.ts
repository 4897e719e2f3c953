// One fault run: an ensemble of one flavour in namespaces, the workloads recording
// histories, the seeded schedule of faults round by round (inject, hold, heal), the time
// each fault kind takes to recover (from the heal to the first write that succeeds), then
// the histories written to the run's directory and handed to the checkers. A run that finds
// an anomaly, or a member that does not serve again within RECOVERY_ms_max, keeps its
// directory and says the seed and schedule that reproduce it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupMounts, startFaultCluster, type FaultCluster } from './cluster';
import { checkAll, type NamedCheckResult } from './check';
import type { Histories } from './history';
import { inject } from './nemesis';
import { makeSchedule, Rng, type FaultKind, type Round } from './schedule';
import { WorkloadSession, withDeadline } from './session';
import { PROBE, setUpWorkload, startWorkload, type WorkloadStats } from './workload';
import type { Flavour } from '../support/servers';

export interface RunOptions {
  flavour: Flavour;
  rounds: number;
  seed: number;
  faults: readonly FaultKind[];
  /** Where run directories go (each run its own). */
  runRoot?: string;
  /** Keep the run directory even when the run passed. */
  keep?: boolean;
  log?: (line: string) => void;
}

export interface RoundResult extends Round {
  resolvedTarget: number;
  detail: string;
  /** From the heal to the first write that succeeded; undefined if none did within RECOVERY_ms_max. */
  recovery_ms?: number;
  /** Members whose process had exited by the heal (restarted, as a supervisor would). */
  exited: number[];
  /** When the fault was injected and healed, on the histories' clock (performance.now()). */
  injectedAt: number;
  healedAt: number;
  /**
   * The longest stretch from the injection to the recovery in which no workload write
   * (register cas, set add) succeeded: what the fault cost the clients.
   */
  unavailable_ms?: number;
}

export interface RunResult {
  flavour: Flavour;
  seed: number;
  schedule: Round[];
  runDir: string;
  rounds: RoundResult[];
  stats: WorkloadStats;
  /** Members that did not recover, a promise the checkers found broken, anything else that makes the run a failure. */
  problems: string[];
  /** The checkers' verdicts (test/faults/check.ts), promised or not. */
  checks: NamedCheckResult[];
  histories: Histories;
}

export const RUN_ROOT = '/tmp/zkf-runs';
/**
 * A member must serve again (and a write succeed) this long after a heal: an election, a
 * JVM start after a kill and a sync of the run's data, with a margin for 2 busy cores.
 * Longer is a member that does not recover: the run stops and keeps its directory.
 */
export const RECOVERY_ms_max = 60_000;
/** Load before the first fault, so that the first one hits writes in flight. */
const WARMUP_ms = 2000;
/** Between a round's recovery and the next fault: the workloads run on a healthy ensemble for a moment. */
const QUIET_ms = 1000;
/** The probe's retry pace while nothing succeeds: the recovery time's resolution. */
const PROBE_RETRY_ms = 50;
const PROBE_OP_ms = 1000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The command that reproduces a run. */
export function reproduceCommand(o: Pick<RunOptions, 'flavour' | 'rounds' | 'seed' | 'faults'>): string {
  return `npm run faults -- --flavour ${o.flavour} --rounds ${o.rounds} --seed ${o.seed} --faults ${o.faults.join(',')}`;
}

/** The time from now to the first setData of PROBE that succeeds, through any member. */
async function firstWrite(c: FaultCluster): Promise<number | undefined> {
  const start = performance.now();
  const s = new WorkloadSession(c.connectString.split(','));
  try {
    while (performance.now() - start < RECOVERY_ms_max) {
      const client = await s.connected();
      if (client) {
        try {
          await withDeadline(client.setData(PROBE, Buffer.from('p')), 'probe', PROBE_OP_ms);
          return performance.now() - start;
        } catch {
          s.drop();
        }
      }
      await sleep(PROBE_RETRY_ms);
    }
    return undefined;
  } finally {
    s.forget();
  }
}

/** The longest time within [from, to] with no successful workload write completing. */
export function longestWriteGap(h: Histories, from: number, to: number): number {
  const writes = [...h.register.filter((o) => o.f === 'cas'), ...h.set.filter((o) => o.f === 'add')]
    .filter((o) => o.outcome === 'ok' && o.completedAt > from && o.completedAt < to)
    .map((o) => o.completedAt)
    .sort((a, b) => a - b);
  let gap = 0;
  let last = from;
  for (const t of [...writes, to]) {
    gap = Math.max(gap, t - last);
    last = t;
  }
  return gap;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function runFaults(o: RunOptions): Promise<RunResult> {
  const log = o.log ?? ((l: string) => console.log(l));
  const runRoot = o.runRoot ?? RUN_ROOT;
  mkdirSync(runRoot, { recursive: true });
  cleanupMounts(runRoot);
  const runDir = join(runRoot, `${o.flavour}-seed${o.seed}-${new Date().toISOString().replace(/[:.]/g, '')}`);
  mkdirSync(runDir, { recursive: true });
  const n = 3;
  const schedule = makeSchedule(o.seed, o.rounds, o.faults, n);
  writeFileSync(join(runDir, 'schedule.json'), JSON.stringify({ ...o, log: undefined, schedule, reproduce: reproduceCommand(o) }, null, 1));
  const rng = new Rng(o.seed ^ 0x5bd1e995);
  const cluster = await startFaultCluster(o.flavour, n, runDir);
  const addresses = cluster.net.members.map((id) => cluster.clientAddress(id));
  const problems: string[] = [];
  const rounds: RoundResult[] = [];
  let workload: ReturnType<typeof startWorkload> | undefined;
  try {
    await setUpWorkload(cluster.connectString);
    workload = startWorkload(addresses, rng);
    await sleep(WARMUP_ms);
    for (const round of schedule) {
      const injectedAt = performance.now();
      const injected = await inject(cluster, round, rng);
      log(`round ${round.round}/${schedule.length} ${round.kind}: ${injected.detail}, held ${round.hold_ms} ms`);
      await sleep(round.hold_ms);
      await injected.heal();
      const healedAt = performance.now();
      const exited: number[] = [];
      for (const [id, m] of [...cluster.members]) {
        if (!alive(m.pid)) {
          exited.push(id);
          await cluster.kill(id);
        }
      }
      for (const id of cluster.net.members) if (!cluster.members.has(id)) await cluster.start(id);
      const recovery_ms = await firstWrite(cluster);
      const down = await cluster.waitServing(RECOVERY_ms_max);
      const r: RoundResult = { ...round, resolvedTarget: injected.target, detail: injected.detail, recovery_ms, exited, injectedAt, healedAt };
      rounds.push(r);
      log(`  healed: first write after ${recovery_ms === undefined ? 'none' : Math.round(recovery_ms) + ' ms'}${exited.length ? `; member ${exited.join(',')} had exited (restarted)` : ''}${down.length ? `; members ${down.join(',')} do not serve` : ''}`);
      if (recovery_ms === undefined) problems.push(`round ${round.round} (${round.kind}): no write succeeded within ${RECOVERY_ms_max} ms of the heal`);
      if (down.length) problems.push(`round ${round.round} (${round.kind}): members ${down.join(',')} do not serve within ${RECOVERY_ms_max} ms of the heal`);
      if (problems.length) break;
      await sleep(QUIET_ms);
    }
    await workload.stop();
    await workload.finalReads(addresses);
  } catch (e) {
    problems.push(`the run failed: ${(e as Error).stack ?? e}`);
    await workload?.stop().catch(() => undefined);
  }
  const histories = workload?.histories ?? { register: [], set: [], ephemeral: [], syncedRead: [] };
  for (const r of rounds) r.unavailable_ms = longestWriteGap(histories, r.injectedAt, r.healedAt + (r.recovery_ms ?? RECOVERY_ms_max));
  const stats = workload?.stats() ?? { ok: 0, fail: 0, unknown: 0 };
  writeFileSync(join(runDir, 'histories.json'), JSON.stringify(histories));
  const checks = checkAll(histories);
  for (const c of checks) {
    // An anomaly in what ZooKeeper promises fails the run; what it does not promise (plain
    // reads linearizable, sync + read) is reported as what the server did.
    if (c.promised && c.valid === false) problems.push(`anomaly (${c.checker}): ${c.anomaly}; witnesses ${JSON.stringify(c.witnesses).slice(0, 2000)}`);
  }
  const result: RunResult = { flavour: o.flavour, seed: o.seed, schedule, runDir, rounds, stats, problems, checks, histories };
  writeFileSync(join(runDir, 'result.json'), JSON.stringify({ ...result, histories: undefined }, null, 1));
  // Kept too when a checker reported what ZooKeeper does not promise (a stale synced read): to read it.
  const keep = problems.length > 0 || o.keep === true || checks.some((c) => c.valid !== true && c.checker !== 'register-reads-linearizable');
  await cluster.destroy({ keepDir: keep });
  if (problems.length) {
    log(`FAILED: ${problems.join('\n  ')}`);
    log(`reproduce: ${reproduceCommand(o)}\nschedule: ${JSON.stringify(schedule)}\nrun directory kept: ${runDir}`);
  }
  return result;
}
