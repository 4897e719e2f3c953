// What the migration run must show, over the recorded histories and the tree each member
// holds at the end. Each check returns the anomalies it found (empty is the bar), worded for
// the report, with the operations that show them.
import { ZooKeeperClient } from '../../../src/client/zookeeper-client';
import type { RegisterOp, SetOp } from '../../faults/history';
import type { Step } from './rolling';
import { PATHS, type WorkloadResult } from './workload';

/** What one member holds at the end, read after a sync. */
export interface FinalState {
  myid: number;
  children: Set<string>;
  counter: { value: number; version: number };
}

export async function finalState(myid: number, host: string): Promise<FinalState> {
  const c = await ZooKeeperClient.connect(host);
  try {
    await c.sync(PATHS.root);
    const children = new Set(await c.getChildren(PATHS.set));
    const { data, stat } = await c.getData(PATHS.counter);
    return { myid, children, counter: { value: Number(data?.toString()), version: stat.version } };
  } finally {
    await c.close();
  }
}

const seq = (path: string) => Number(path.slice(path.lastIndexOf('-') + 1));
/** Map.groupBy, which Node 20 lacks. */
function groupBy<T, K>(items: T[], key: (t: T) => K): Map<K, T[]> {
  const m = new Map<K, T[]>();
  for (const t of items) {
    const k = key(t);
    const g = m.get(k);
    if (g) g.push(t);
    else m.set(k, [t]);
  }
  return m;
}
const byProcess = <T extends { process: number }>(ops: T[]) => groupBy(ops, (o) => o.process);
const bySession = <T extends { session?: string }>(ops: T[]) => groupBy(ops.filter((o) => o.session !== undefined), (o) => o.session!);

/** Every acknowledged create is on every member; the counter on every member is at least every acknowledged CAS and lost none. */
export function noAcknowledgedWriteLost(r: WorkloadResult, finals: FinalState[]): string[] {
  const out: string[] = [];
  const added = r.histories.set.filter((o): o is Extract<SetOp, { f: 'add' }> => o.f === 'add' && o.outcome === 'ok');
  const cas = r.histories.register.filter((o) => o.f === 'cas');
  const casOk = cas.filter((o) => o.outcome === 'ok') as Extract<RegisterOp, { f: 'cas' }>[];
  const casUnknown = cas.filter((o) => o.outcome === 'unknown').length;
  const maxVersion = Math.max(0, ...casOk.map((o) => o.output!.version));
  for (const f of finals) {
    const missing = added.filter((o) => !f.children.has(o.output!.path.slice(PATHS.set.length + 1)));
    if (missing.length > 0) out.push(`member ${f.myid} lacks ${missing.length} acknowledged creates, e.g. ${JSON.stringify(missing.slice(0, 3))}`);
    // Each CAS sets value = read value + 1 at the read version + 1, from 0 at version 0: value = version always.
    if (f.counter.value !== f.counter.version) out.push(`member ${f.myid}: counter value ${f.counter.value} at version ${f.counter.version} (a lost update)`);
    if (f.counter.version < maxVersion) out.push(`member ${f.myid}: counter at version ${f.counter.version}, below the acknowledged ${maxVersion}`);
    if (f.counter.version < casOk.length || f.counter.version > casOk.length + casUnknown) out.push(`member ${f.myid}: counter version ${f.counter.version} not within ${casOk.length} acknowledged CAS and ${casUnknown} unanswered`);
  }
  const versions = groupBy(casOk, (o) => o.output!.version);
  for (const [v, ops] of versions) if (ops.length > 1) out.push(`${ops.length} acknowledged CAS all made version ${v}: ${JSON.stringify(ops)}`);
  return out;
}

/** Each client's acknowledged creates got increasing sequence numbers, and its CAS increasing versions, in the order it issued them. */
export function eachClientsWritesInOrder(r: WorkloadResult): string[] {
  const out: string[] = [];
  for (const [p, ops] of byProcess(r.histories.set.filter((o) => o.f === 'add' && o.outcome === 'ok') as Extract<SetOp, { f: 'add' }>[])) {
    for (let i = 1; i < ops.length; i++) if (seq(ops[i]!.output!.path) <= seq(ops[i - 1]!.output!.path)) out.push(`client ${p}: create ${ops[i]!.output!.path} after ${ops[i - 1]!.output!.path}`);
  }
  for (const [p, ops] of byProcess(r.histories.register.filter((o) => o.f === 'cas' && o.outcome === 'ok') as Extract<RegisterOp, { f: 'cas' }>[])) {
    for (let i = 1; i < ops.length; i++) if (ops[i]!.output!.version <= ops[i - 1]!.output!.version) out.push(`client ${p}: CAS made version ${ops[i]!.output!.version} after ${ops[i - 1]!.output!.version}`);
  }
  return out;
}

/** No session expired or was replaced; the long session's ephemerals are its own still; every watch set before the run fired after it. */
export function sessionsIntact(r: WorkloadResult): string[] {
  const out: string[] = [];
  for (const s of r.sessions) {
    if (s.expired) out.push(`client ${s.process} (${s.client}): session ${s.sessions.join(' then ')} expired`);
    if (s.sessions.length !== 1) out.push(`client ${s.process} (${s.client}): had sessions ${s.sessions.join(', ')}`);
    if (s.client === 'kazoo' && s.ephemeralOwner !== s.sessions[0]) out.push(`client ${s.process} (kazoo): its ephemeral's owner is ${s.ephemeralOwner}, not ${s.sessions[0]}`);
  }
  const expired = r.histories.ephemeral.filter((o) => o.f === 'session-expired');
  if (expired.length > 0) out.push(`session expiry recorded: ${JSON.stringify(expired)}`);
  for (const o of r.histories.ephemeral) {
    if (o.f === 'exists' && (!o.output?.exists || o.output.ephemeralOwner !== r.longSession)) out.push(`long session's ephemeral ${o.input.path}: ${JSON.stringify(o.output)} (owner should be ${r.longSession})`);
  }
  const long = r.sessions.find((s) => s.client === 'long')!;
  const fired = new Set((long.watchEvents as { type: number; path: string }[]).map((e) => `${e.type} ${e.path}`));
  // NodeDataChanged (3) on the watched node, NodeCreated (1) on the absent one, NodeChildrenChanged (4) on the parent.
  for (const want of [`3 ${PATHS.watched}`, `1 ${PATHS.absent}`, `4 ${PATHS.kids}`]) if (!fired.has(want)) out.push(`long session: watch event "${want}" did not come (got ${[...fired].join(', ') || 'none'})`);
  for (const s of r.sessions.filter((x) => x.client === 'kazoo')) {
    if (!(s.watchEvents as { path: string }[] | undefined)?.some((e) => e.path === PATHS.watched)) out.push(`client ${s.process} (kazoo): its data watch on ${PATHS.watched} did not fire`);
  }
  return out;
}

/** Per session, in the order its answers came: reply zxids never go back, nor does the counter's version it saw. */
export function readsNeverGoBack(r: WorkloadResult): string[] {
  const out: string[] = [];
  const all = [...r.histories.register, ...r.histories.set];
  for (const [session, ops] of bySession(all.filter((o) => o.outcome !== 'unknown'))) {
    ops.sort((a, b) => a.completedAt - b.completedAt);
    let zxid = 0;
    let version = -1;
    for (const o of ops) {
      if (o.zxid !== undefined && o.zxid > 0) {
        if (o.zxid < zxid) out.push(`session ${session}: reply zxid 0x${o.zxid.toString(16)} after 0x${zxid.toString(16)} (${JSON.stringify(o)})`);
        zxid = Math.max(zxid, o.zxid);
      }
      const v = o.outcome === 'ok' && (o.f === 'read' || o.f === 'cas') ? (o.output as { version: number }).version : undefined;
      if (v !== undefined) {
        if (v < version) out.push(`session ${session}: counter version ${v} seen after ${version} (${JSON.stringify(o)})`);
        version = Math.max(version, v);
      }
    }
  }
  for (const s of r.sessions) for (const b of s.zxidBackwards) out.push(`client ${s.process} (${s.client}): a reply header's zxid went back: ${JSON.stringify(b)}`);
  return out;
}

/** When acknowledged writes (creates and CAS) completed, in order. */
export function writeAcks(r: WorkloadResult): number[] {
  return [...r.histories.set.filter((o) => o.f === 'add'), ...r.histories.register.filter((o) => o.f === 'cas')]
    .filter((o) => o.outcome === 'ok')
    .map((o) => o.completedAt)
    .sort((a, b) => a - b);
}

/**
 * Each step's unavailability: the longest time between two acknowledged writes (of any
 * client) where that gap overlaps the step, from its stop to the ensemble whole again.
 * The load's own spacing (a few ms) is the floor of what this can tell.
 */
export function measureUnavailability(steps: Step[], acks: number[]): void {
  for (const s of steps) {
    let longest = 0;
    let from = 0;
    for (let i = 1; i < acks.length; i++) {
      if (acks[i]! > s.stoppedAt && acks[i - 1]! < s.wholeAt && acks[i]! - acks[i - 1]! > longest) {
        longest = acks[i]! - acks[i - 1]!;
        from = acks[i - 1]!;
      }
    }
    s.unavailable_ms = Math.round(longest);
    s.unavailableFrom_ms = Math.round(from - s.stoppedAt);
  }
}

/** The figures, one line per step and one per round (its worst step). */
export function report(steps: Step[]): string[] {
  const lines = steps.map((s) => `${s.round.padEnd(16)} member ${s.myid} (${s.role.padEnd(8)}) ${s.from}→${s.to}: no write for ${s.unavailable_ms} ms (from ${s.unavailableFrom_ms} ms after the stop); serving ${Math.round(s.servingAt - s.stoppedAt)} ms, whole ${Math.round(s.wholeAt - s.stoppedAt)} ms after the stop`);
  for (const [round, ss] of groupBy(steps, (s) => s.round)) {
    const worst = (role: string) => Math.max(0, ...ss.filter((s) => s.role === role).map((s) => s.unavailable_ms ?? 0));
    lines.push(`${round}: worst no-write window ${worst('follower')} ms at a follower step, ${worst('leader')} ms at the leader step`);
  }
  return lines;
}
