// One migration run, as the test and `npm run migration` drive it: three Apache ZooKeeper
// 3.8 members under continuous load; Apache's own rolling restart first (the figures to
// compare with); then, `rounds` times, every member replaced by ours and then by Apache
// again, the same way; then the load stops and every check runs over what it recorded.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMember, type Member, type MemberSpec } from '../../support/ensemble';
import { eachClientsWritesInOrder, finalState, measureUnavailability, noAcknowledgedWriteLost, readsNeverGoBack, report, sessionsIntact, writeAcks } from './checks';
import { quiet, rollingReplace, untilWhole, type Flavour, type Step } from './rolling';
import { Workload, type WorkloadOptions, type WorkloadResult } from './workload';

export interface RunOptions {
  hosts: string[];
  rounds: number;
  load: Omit<WorkloadOptions, 'hosts'>;
  log?: (line: string) => void;
}

export interface RunResult {
  steps: Step[];
  result: WorkloadResult;
  /** Each check's anomalies, by the check's name: all empty is the bar. */
  anomalies: Record<string, string[]>;
  /** The figures, for the report. */
  figures: string[];
}

/** Load before the first step and after the last, so that each step has writes on both sides. */
const LOAD_SETTLE_ms = 1500;

export async function runMigration(opts: RunOptions): Promise<RunResult> {
  const log = opts.log ?? (() => undefined);
  const specs: MemberSpec[] = opts.hosts.map((host, i) => ({ myid: i + 1, host }));
  const members: Member[] = [];
  const flavours = new Map<number, Flavour>(specs.map((s) => [s.myid, 'apache']));
  let workload: Workload | undefined;
  /** Every process the run started, in order: on a failure each one's log goes to a file. */
  const started: { m: Member; flavour: Flavour }[] = [];
  const onStart = (m: Member, flavour: Flavour) => started.push({ m, flavour });
  try {
    for (const s of specs) {
      members.push(await startMember('apache', s, specs));
      started.push({ m: members.at(-1)!, flavour: 'apache' });
    }
    await untilWhole(members);
    const hosts = opts.hosts.map((h) => `${h}:2181`);
    workload = await Workload.start({ ...opts.load, hosts });
    await new Promise((r) => setTimeout(r, LOAD_SETTLE_ms));
    const steps: Step[] = [];
    steps.push(...(await rollingReplace(members, flavours, specs, 'apache', { log, label: 'rolling restart ', onStart })));
    for (let round = 1; round <= opts.rounds; round++) {
      const label = opts.rounds > 1 ? `round ${round} ` : '';
      steps.push(...(await rollingReplace(members, flavours, specs, 'ours', { log, label, onStart })));
      steps.push(...(await rollingReplace(members, flavours, specs, 'apache', { log, label, onStart })));
    }
    await untilWhole(members);
    await new Promise((r) => setTimeout(r, LOAD_SETTLE_ms));
    const w = workload;
    workload = undefined;
    const result = await w.stop();
    const finals = await Promise.all(members.map((m) => finalState(m.myid, `${m.host}:2181`)));
    measureUnavailability(steps, writeAcks(result));
    const anomalies = {
      'no acknowledged write lost': noAcknowledgedWriteLost(result, finals),
      "each client's writes in its order": eachClientsWritesInOrder(result),
      'sessions, ephemerals and watches intact': sessionsIntact(result),
      'reads never go back for a session': readsNeverGoBack(result),
    };
    const ops = result.histories.register.length + result.histories.set.length;
    const acked = writeAcks(result).length;
    const unknown = [...result.histories.register, ...result.histories.set].filter((o) => o.outcome === 'unknown').length;
    const reconnects = result.sessions.reduce((n, s) => n + s.reconnects, 0);
    const figures = [...report(steps), `${ops} operations recorded (${acked} acknowledged writes, ${unknown} unanswered), ${result.sessions.length} sessions (${reconnects} reconnects), ${finals[0]!.children.size} sequential nodes and counter version ${finals[0]!.counter.version} at the end`];
    return { steps, result, anomalies, figures };
  } catch (e) {
    const dir = mkdtempSync(join(tmpdir(), 'migration-logs-'));
    started.forEach(({ m, flavour }, i) => writeFileSync(join(dir, `${String(i).padStart(2, '0')}-member-${m.myid}-${flavour}.log`), quiet(m.log())));
    for (const m of members) log(`--- member ${m.myid} (${flavours.get(m.myid)}):\n${quiet(m.log()).split('\n').slice(-40).join('\n')}`);
    log(`every member's log (each process the run started, srvr/mntr polls left out): ${dir}`);
    throw e;
  } finally {
    await workload?.stop().catch(() => undefined);
    for (const m of members) await m.stop();
  }
}
