// Linearizability of a history against a sequential model, by Wing & Gong's search with
// Lowe's memoization: walk the history's invocations and completions in time order, try to
// take effect ("linearize") each pending operation before any completion that has not been
// linearized yet, and backtrack when a completion is reached whose operation could not be
// placed. A (set of linearized operations, model state) pair already explored is never
// explored again: the rest of the search from it would be the same.
//
// An operation with outcome 'unknown' completes at +∞: it may take effect anywhere after its
// invocation, or never. The history is valid as soon as every other operation is placed.

import type { CheckResult, Operation, RegisterOp } from './history';
import { type ConfigurationCache, ExactCache, HashedCache } from './linearized-cache';
import { constrainsRegister, isUnseenUnknownWrite, registerKey, registerClaims, stepRegister, UNKNOWN_REGISTER, type RegisterState } from './register-model';

/**
 * How many (linearized set, state) pairs the search may explore before it gives up. A
 * history from a run is nearly sequential (each client has one operation in flight):
 * 10,000 register operations at 8 clients, 2% of them 'unknown', needed 25,008 (2.5 per
 * operation), so this leaves room for 40 times that, or a run of 400,000 operations.
 * Histories with many concurrent 'unknown' writes of one value make the search exponential;
 * the bound stops it after seconds (1e6 states of 40 such writes: 4 s of CPU, 11 s on this
 * loaded 2-core machine) and says so, instead of hanging the run.
 */
export const STATES_EXPLORED_MAX = 1_000_000;

/** A sequential specification: step returns the state after op, or null if op is illegal. */
export interface SequentialModel<S, Op> {
  init: S;
  step(state: S, op: Op): S | null;
  key(state: S): string;
  /**
   * Operations with the same class are interchangeable: any linearization that places a
   * later-invoked one where an earlier one stayed out (or came later) stays one when they
   * swap. The search places the members of a class in invocation order only, which keeps it
   * from trying every assignment of them when it has to prove a history invalid.
   */
  interchangeable?(op: Op): string | undefined;
}

export interface LinearizableOptions {
  /** Overrides STATES_EXPLORED_MAX (the tests use a small one). */
  statesExploredMax?: number;
}

/** How many linearized operations a failure reports before the one that could not be placed. */
const WITNESS_CONTEXT_OPS = 6;

/** The register model; initial is the znode's state before the run, when the run knows it. */
export function registerModel(ops: RegisterOp[], initial: RegisterState = UNKNOWN_REGISTER): SequentialModel<RegisterState, RegisterOp> {
  const claims = registerClaims(ops);
  return {
    init: initial,
    step: (s, op) => stepRegister(s, op, claims),
    key: registerKey,
    interchangeable: (op) => (isUnseenUnknownWrite(op, claims) ? 'unseen-unknown-write' : undefined),
  };
}

/**
 * Checks the register operations of a history. Which ones constrain it (a failed read, say,
 * does not) is the model's rule, constrainsRegister.
 */
export function checkRegisterLinearizable(
  history: RegisterOp[],
  initial?: RegisterState,
  options: LinearizableOptions = {},
): CheckResult {
  const ops = history.filter(constrainsRegister);
  return checkLinearizable(ops, registerModel(ops, initial), options);
}

type AnyOp = Operation<string, unknown, unknown>;

/** An invocation or completion in the doubly linked list the search walks and splices. */
interface Entry {
  op: number;
  call: boolean;
  time: number;
  match: Entry | null; // a call's completion, a completion's call
  prev: Entry | null;
  next: Entry | null;
}

interface Placed<S> {
  entry: Entry;
  stateBefore: S;
}

/**
 * Every operation given takes part: filter out those that say nothing before calling. The
 * search runs with the hashed cache; a rejection (which a hash collision could cause, by
 * pruning a branch never explored) is confirmed by a second search with the exact cache.
 */
export function checkLinearizable<S, Op extends AnyOp>(
  ops: Op[],
  model: SequentialModel<S, Op>,
  options: LinearizableOptions = {},
): CheckResult {
  const statesMax = options.statesExploredMax ?? STATES_EXPLORED_MAX;
  const fast = search(ops, model, new HashedCache(ops.length), statesMax);
  if (fast.valid !== false) return fast;
  return search(ops, model, new ExactCache(ops.length), statesMax);
}

function search<S, Op extends AnyOp>(ops: Op[], model: SequentialModel<S, Op>, cache: ConfigurationCache, statesMax: number): CheckResult {
  const head = buildEntries(ops);
  const classes = interchangeableClasses(ops, model);
  const placed: Placed<S>[] = [];
  let state = model.init;
  let explored = 0;
  // The deepest point the search reached, for the report when it fails.
  let deepest: { depth: number; blocked: number; state: S; before: number[] } | null = null;

  let entry = head.next;
  while (entry !== null) {
    if (entry.call) {
      const cls = classes.of[entry.op]!;
      const next = cls >= 0 && classes.members[cls]![classes.placed[cls]!] !== entry.op ? null : model.step(state, ops[entry.op]!);
      if (next !== null && cache.tryAdd(entry.op, model.key(next))) {
        if (++explored > statesMax) {
          return { valid: 'unknown', operations: ops.length, gaveUp: `STATES_EXPLORED_MAX (${statesMax}) states explored` };
        }
        cache.place(entry.op);
        if (cls >= 0) classes.placed[cls]!++;
        placed.push({ entry, stateBefore: state });
        state = next;
        lift(entry);
        entry = head.next;
        continue;
      }
      entry = entry.next;
      continue;
    }
    // A completion before its operation was placed. At +∞ only 'unknown' operations remain,
    // and they may never have taken effect: every other operation has been placed.
    if (entry.time === Infinity) break;
    if (deepest === null || placed.length > deepest.depth) {
      deepest = {
        depth: placed.length,
        blocked: entry.op,
        state,
        before: placed.slice(-WITNESS_CONTEXT_OPS).map((p) => p.entry.op),
      };
    }
    const last = placed.pop();
    if (last === undefined) break;
    cache.unplace(last.entry.op);
    const cls = classes.of[last.entry.op]!;
    if (cls >= 0) classes.placed[cls]!--;
    state = last.stateBefore;
    unlift(last.entry);
    entry = last.entry.next;
  }
  if (entry === null || entry.time === Infinity) return { valid: true, operations: ops.length };
  const d = deepest!;
  return {
    valid: false,
    operations: ops.length,
    anomaly: 'not-linearizable',
    witnesses: [
      {
        cannotPlace: ops[d.blocked],
        stateAfterLongestPrefix: d.state,
        longestPrefixLength: d.depth,
        lastPlaced: d.before.map((i) => ops[i]),
      },
    ],
  };
}

/** Each op's class (-1: none), each class's members in invocation order, how many are placed. */
interface Classes {
  of: Int32Array;
  members: number[][];
  placed: Int32Array;
}

function interchangeableClasses<S, Op extends AnyOp>(ops: Op[], model: SequentialModel<S, Op>): Classes {
  const of = new Int32Array(ops.length).fill(-1);
  const byName = new Map<string, number>();
  const members: number[][] = [];
  const order = ops.map((_, i) => i).sort((a, b) => ops[a]!.invokedAt - ops[b]!.invokedAt || a - b);
  for (const i of order) {
    const name = model.interchangeable?.(ops[i]!);
    if (name === undefined) continue;
    let c = byName.get(name);
    if (c === undefined) {
      c = members.length;
      byName.set(name, c);
      members.push([]);
    }
    of[i] = c;
    members[c]!.push(i);
  }
  return { of, members, placed: new Int32Array(members.length) };
}

/** The list of invocations and completions in time order, behind a sentinel head. */
function buildEntries(ops: AnyOp[]): Entry {
  const entries: Entry[] = [];
  ops.forEach((op, i) => {
    const end = op.outcome === 'unknown' ? Infinity : op.completedAt;
    if (!(end >= op.invokedAt)) throw new Error(`operation ${i} completes (${end}) before it is invoked (${op.invokedAt})`);
    const call: Entry = { op: i, call: true, time: op.invokedAt, match: null, prev: null, next: null };
    const ret: Entry = { op: i, call: false, time: end, match: call, prev: null, next: null };
    call.match = ret;
    entries.push(call, ret);
  });
  // At equal times invocations come first: operations that touch are taken as concurrent,
  // the reading that never reports an anomaly the clock cannot prove.
  entries.sort((a, b) => a.time - b.time || Number(b.call) - Number(a.call) || a.op - b.op);
  const head: Entry = { op: -1, call: false, time: -Infinity, match: null, prev: null, next: null };
  let prev = head;
  for (const e of entries) {
    prev.next = e;
    e.prev = prev;
    prev = e;
  }
  return head;
}

/** Takes a placed call and its completion out of the list (the head sentinel is never lifted). */
function lift(call: Entry): void {
  call.prev!.next = call.next;
  call.next!.prev = call.prev;
  const ret = call.match!;
  ret.prev!.next = ret.next;
  if (ret.next !== null) ret.next.prev = ret.prev;
}

/** Puts back what lift took out; lifts are undone in reverse order, so the neighbours are as they were. */
function unlift(call: Entry): void {
  const ret = call.match!;
  ret.prev!.next = ret;
  if (ret.next !== null) ret.next.prev = ret;
  call.prev!.next = call;
  call.next!.prev = call;
}
