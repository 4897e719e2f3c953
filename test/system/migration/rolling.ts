// The operator's rolling replacement of an ensemble, one member at a time, each started
// again (as the other flavour, or the same one for a plain rolling restart) over its own
// dataDir and myid: followers first, the leader last. Before each step it checks what an
// operator checks — `srvr` on every member says follower or leader (one leader), and the
// leader's `mntr` says every follower is synced (zk_synced_followers) — and it times each
// step: the stop, the new process serving, the ensemble whole again.
import { fourLetterWord } from '../../support/servers';
import { startMember, type Member, type MemberSpec } from '../../support/ensemble';

export type Flavour = 'apache' | 'ours';

/** What one step did and how long its parts took (times on performance.now()). */
export interface Step {
  /** e.g. "apache→ours" or "apache→apache" (a rolling restart). */
  round: string;
  myid: number;
  from: Flavour;
  to: Flavour;
  /** Its role when it was stopped. */
  role: 'follower' | 'leader';
  stoppedAt: number;
  /** The old process gone (SIGTERM, as `systemctl stop` sends). */
  exitedAt: number;
  /** Its `srvr` shows a Mode again (it joined and synced). */
  servingAt: number;
  /** Every member serving and the leader's synced followers all there: the next step may start. */
  wholeAt: number;
  /** Who leads once the step is done. */
  leaderAfter: number;
  /** The longest time with no write acknowledged around the step: filled in by the checks. */
  unavailable_ms?: number;
  /** When that window began, from the stop (negative: the last write before it came before the stop). */
  unavailableFrom_ms?: number;
}

/** The state of the ensemble as srvr and mntr tell it. */
export interface EnsembleView {
  modes: Map<number, string>;
  leader: number;
  syncedFollowers: number;
}

/**
 * How long a step may take to be whole again: a JVM start (~1.6 s idle, more under load), an
 * election when the leader went (~1–4 s here) and a sync; generous for a loaded 2-core machine.
 */
export const STEP_WHOLE_ms = 90_000;
/** Between polls of srvr/mntr while waiting for the ensemble to be whole. */
const POLL_ms = 100;
/** One four-letter word: a member answers in milliseconds; a stopped one refuses at once. */
const WORD_TIMEOUT_ms = 2000;

function mode(srvr: string): string {
  return /Mode: (\w+)/.exec(srvr)?.[1] ?? 'not serving';
}

/** srvr on every member, mntr on the leader. */
export async function view(members: Member[]): Promise<EnsembleView> {
  const modes = new Map<number, string>();
  for (const m of members) modes.set(m.myid, mode(await fourLetterWord(m.host, 2181, 'srvr', WORD_TIMEOUT_ms).catch(() => '')));
  const leaders = [...modes].filter(([, md]) => md === 'leader').map(([id]) => id);
  let syncedFollowers = -1;
  if (leaders.length === 1) {
    const mntr = await fourLetterWord(members.find((m) => m.myid === leaders[0])!.host, 2181, 'mntr', WORD_TIMEOUT_ms).catch(() => '');
    syncedFollowers = Number(/^zk_synced_followers\s+(\d+)/m.exec(mntr)?.[1] ?? -1);
  }
  return { modes, leader: leaders.length === 1 ? leaders[0]! : -1, syncedFollowers };
}

/** The check before each step: one leader, the others followers, and the leader has them all synced. */
export function isWhole(v: EnsembleView, size: number): boolean {
  const followers = [...v.modes.values()].filter((m) => m === 'follower').length;
  return v.leader > 0 && followers === size - 1 && v.syncedFollowers === size - 1;
}

/** Polls until the ensemble is whole; throws with what srvr/mntr said last if it is not within STEP_WHOLE_ms. */
export async function untilWhole(members: Member[]): Promise<EnsembleView> {
  const deadline = Date.now() + STEP_WHOLE_ms;
  for (;;) {
    const v = await view(members);
    if (isWhole(v, members.length)) return v;
    if (Date.now() > deadline) throw new Error(`ensemble not whole within ${STEP_WHOLE_ms} ms: srvr modes ${JSON.stringify([...v.modes])}, leader ${v.leader}, synced followers ${v.syncedFollowers}`);
    await new Promise((r) => setTimeout(r, POLL_ms));
  }
}

/**
 * Replaces every member of `members` (in place in the array) by a `to` member over the same
 * directory, followers first and the leader last, checking the ensemble is whole before each
 * step and after the last.
 */
export async function rollingReplace(
  members: Member[],
  flavours: Map<number, Flavour>,
  specs: MemberSpec[],
  to: Flavour,
  opts: { log?: (line: string) => void; label?: string; onStart?: (m: Member, flavour: Flavour) => void } = {},
): Promise<Step[]> {
  const { log = () => undefined, label = '', onStart = () => undefined } = opts;
  const round = `${label}${[...new Set(flavours.values())].join('+')}→${to}`;
  const steps: Step[] = [];
  const todo = new Set(members.map((m) => m.myid));
  while (todo.size > 0) {
    const before = await untilWhole(members);
    // A follower still to do if there is one; the leader once it is the last.
    const myid = [...todo].sort((a, b) => a - b).find((id) => id !== before.leader) ?? before.leader;
    const i = members.findIndex((m) => m.myid === myid);
    const old = members[i]!;
    const from = flavours.get(myid)!;
    const stoppedAt = performance.now();
    await old.stop({ keepDir: true, signal: 'SIGTERM' });
    const exitedAt = performance.now();
    const next = await startMember(to, specs.find((s) => s.myid === myid)!, specs, {}, old.dir);
    members[i] = next;
    onStart(next, to);
    flavours.set(myid, to);
    const servingDeadline = Date.now() + STEP_WHOLE_ms;
    while (!/Mode: (follower|leader)/.test(await fourLetterWord(next.host, 2181, 'srvr', WORD_TIMEOUT_ms).catch(() => ''))) {
      if (Date.now() > servingDeadline) throw new Error(`member ${myid} (${to}) does not serve ${STEP_WHOLE_ms} ms after starting over its dataDir; its log ends:\n${quiet(next.log()).slice(-4000)}`);
      await new Promise((r) => setTimeout(r, POLL_ms));
    }
    const servingAt = performance.now();
    const after = await untilWhole(members);
    const step: Step = { round, myid, from, to, role: myid === before.leader ? 'leader' : 'follower', stoppedAt, exitedAt, servingAt, wholeAt: performance.now(), leaderAfter: after.leader };
    steps.push(step);
    log(`# ${round}: member ${myid} (${step.role}) ${from}→${to}: exited ${ms(exitedAt - stoppedAt)}, serving ${ms(servingAt - stoppedAt)}, whole ${ms(step.wholeAt - stoppedAt)} after the stop; leader now ${after.leader}`);
    todo.delete(myid);
  }
  return steps;
}

/** A member's log without the lines of our own srvr/mntr polls (Apache logs each at INFO). */
export function quiet(log: string): string {
  return log
    .split('\n')
    .filter((l) => !/Processing (srvr|mntr) command/.test(l))
    .join('\n');
}

function ms(x: number): string {
  return `${Math.round(x)} ms`;
}
