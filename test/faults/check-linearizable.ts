// Linearizability of a history against a sequential model, by Wing & Gong's search with
// Lowe's memoization: walk the history's invocations and completions in time order, try to
// take effect ("linearize") each pending operation before any completion that has not been
// linearized yet, and backtrack when a completion is reached whose operation could not be
// placed. A (set of linearized operations, model state) pair already explored is never
// explored again: the rest of the search from it would be the same.
//
// An operation with outcome 'unknown' completes at +∞: it may take effect anywhere after its
// invocation, or never. The history is valid as soon as every other operation is placed.
//
// For speed, three reductions that reject no linearizable history: an operation that
// leaves the state as it is is placed as soon as it can be, without trying it later; the
// model may name interchangeable operations, placed in invocation order only; and the
// register model uses the versions the acknowledged operations reveal to rule out where
// an 'unknown' write can take effect (register-model.ts). One key: no partitioning.

import type { CheckResult, Operation, RegisterOp } from './history';
import { type ConfigurationCache, ExactCache, HashedCache } from './linearized-cache';
import { constrainsRegister, isUnseenUnknownWrite, registerKey, registerClaims, stepRegister, UNKNOWN_REGISTER, type RegisterState } from './register-model';

/**
 * How many (linearized set, state) pairs the search may explore before it gives up. A
 * history from a run is nearly sequential (each client has one operation in flight):
 * 10,000 register operations at 8 clients, 2% of them 'unknown', needed 16,118 (1.6 per
 * operation), so this leaves room for 60 times that, or a run of 600,000 operations.
 * Histories with many concurrent 'unknown' writes of one value make the search exponential;
 * the bound stops it after seconds (1e6 states of 40 such writes: 6 s of CPU, 15 s on this
 * 2-core machine at load 17) and says so, instead of hanging the run. Proving a stale read
 * halfway through 10,000 operations invalid takes under 2 s of CPU, well inside it.
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
  /** 'hashed' (the default: 128-bit, see HashedCache) or 'exact' (no collisions, slower). */
  cache?: 'hashed' | 'exact';
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
  /** Placed without an alternative: backtracking goes on past it. */
  forced: boolean;
}

/** Every operation given takes part: filter out those that say nothing before calling. */
export function checkLinearizable<S, Op extends AnyOp>(
  ops: Op[],
  model: SequentialModel<S, Op>,
  options: LinearizableOptions = {},
): CheckResult {
  const statesMax = options.statesExploredMax ?? STATES_EXPLORED_MAX;
  const cache = options.cache === 'exact' ? new ExactCache(ops.length) : new HashedCache(ops.length);
  return search(ops, model, cache, statesMax);
}

function search<S, Op extends AnyOp>(ops: Op[], model: SequentialModel<S, Op>, cache: ConfigurationCache, statesMax: number): CheckResult {
  // The known operations' invocations and completions in one list; the 'unknown' ones'
  // invocations (their completions are at +∞) in another, tried only once no known one can
  // be placed: an unknown write that never took effect stays a candidate to the end, and
  // walking past every such one at each step made long histories quadratic.
  const { head, unknownHead } = buildEntries(ops);
  const classes = interchangeableClasses(ops, model);
  const placed: Placed<S>[] = [];
  let state = model.init;
  let explored = 0;
  // The deepest point the search reached, for the report when it fails.
  let deepest: { depth: number; blocked: number; state: S; before: number[] } | null = null;

  let stateKey = model.key(state);
  let linearizable = true; // until the search runs out of placements to undo
  let entry = head.next;
  // Walking the unknown invocations up to the first completion not yet placed (blocking).
  let blocking: Entry | null = null;
  for (;;) {
    if (blocking === null && entry === null) break; // every known operation placed
    let dead = false;
    const candidate = blocking === null ? entry!.call : entry !== null && entry.time <= blocking.time;
    if (candidate) {
      const at = entry!;
      const cls = classes.of[at.op]!;
      const next = cls >= 0 && classes.members[cls]![classes.placed[cls]!] !== at.op ? null : model.step(state, ops[at.op]!);
      if (next !== null) {
        const nextKey = model.key(next);
        // An operation that leaves the state as it is (a read, a BADVERSION) and may take
        // effect now can be moved here in any linearization that places it later: every
        // state stays the same, and what had to precede it has (it is a candidate). So not
        // placing it now is never tried: without this, proving a history invalid tries
        // every subset of the reads in flight at every point before the anomaly.
        const forced = nextKey === stateKey;
        if (cache.tryAdd(at.op, nextKey)) {
          if (++explored > statesMax) {
            return { valid: 'unknown', operations: ops.length, gaveUp: `STATES_EXPLORED_MAX (${statesMax}) states explored` };
          }
          cache.place(at.op);
          if (cls >= 0) classes.placed[cls]!++;
          placed.push({ entry: at, stateBefore: state, forced });
          state = next;
          stateKey = nextKey;
          lift(at);
          entry = head.next;
          blocking = null;
          continue;
        }
        // Seen, so explored from there and failed: so would this configuration.
        dead = forced;
      }
      if (!dead) {
        entry = at.next;
        continue;
      }
    } else if (blocking === null) {
      // A completion before its operation was placed: the unknown operations invoked before
      // it are the last candidates.
      blocking = entry;
      entry = unknownHead.next;
      continue;
    }
    if (!dead && (deepest === null || placed.length > deepest.depth)) {
      deepest = {
        depth: placed.length,
        blocked: blocking!.op,
        state,
        before: placed.slice(-WITNESS_CONTEXT_OPS).map((p) => p.entry.op),
      };
    }
    // Back to the last placement that had an alternative.
    let last: Placed<S> | undefined;
    do {
      last = placed.pop();
      if (last === undefined) break;
      cache.unplace(last.entry.op);
      const cls = classes.of[last.entry.op]!;
      if (cls >= 0) classes.placed[cls]!--;
      state = last.stateBefore;
      unlift(last.entry);
    } while (last.forced);
    if (last === undefined) {
      linearizable = false;
      break;
    }
    stateKey = model.key(state);
    entry = last.entry.next;
    // Back among the unknown invocations: the first completion not placed is again the line.
    blocking = last.entry.match === null ? firstCompletion(head) : null;
  }
  if (linearizable) return { valid: true, operations: ops.length };
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

function firstCompletion(head: Entry): Entry {
  let e = head.next;
  while (e !== null && e.call) e = e.next;
  return e!;
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

/**
 * The known operations' invocations and completions in time order, and the unknown ones'
 * invocations in time order, each behind a sentinel head. An unknown operation's entry has
 * no match (no completion).
 */
function buildEntries(ops: AnyOp[]): { head: Entry; unknownHead: Entry } {
  const entries: Entry[] = [];
  const unknown: Entry[] = [];
  ops.forEach((op, i) => {
    const call: Entry = { op: i, call: true, time: op.invokedAt, match: null, prev: null, next: null };
    if (op.outcome === 'unknown') {
      unknown.push(call);
      return;
    }
    if (!(op.completedAt >= op.invokedAt)) throw new Error(`operation ${i} completes (${op.completedAt}) before it is invoked (${op.invokedAt})`);
    const ret: Entry = { op: i, call: false, time: op.completedAt, match: call, prev: null, next: null };
    call.match = ret;
    entries.push(call, ret);
  });
  // At equal times invocations come first: operations that touch are taken as concurrent,
  // the reading that never reports an anomaly the clock cannot prove.
  const order = (a: Entry, b: Entry): number => a.time - b.time || Number(b.call) - Number(a.call) || a.op - b.op;
  return { head: linked(entries.sort(order)), unknownHead: linked(unknown.sort(order)) };
}

function linked(entries: Entry[]): Entry {
  const head: Entry = { op: -1, call: false, time: -Infinity, match: null, prev: null, next: null };
  let prev = head;
  for (const e of entries) {
    prev.next = e;
    e.prev = prev;
    prev = e;
  }
  return head;
}

/** Takes a placed call and its completion out of their list (the head sentinel is never lifted). */
function lift(call: Entry): void {
  call.prev!.next = call.next;
  if (call.next !== null) call.next.prev = call.prev;
  const ret = call.match;
  if (ret === null) return;
  ret.prev!.next = ret.next;
  if (ret.next !== null) ret.next.prev = ret.prev;
}

/** Puts back what lift took out; lifts are undone in reverse order, so the neighbours are as they were. */
function unlift(call: Entry): void {
  const ret = call.match;
  if (ret !== null) {
    ret.prev!.next = ret;
    if (ret.next !== null) ret.next.prev = ret;
  }
  call.prev!.next = call;
  if (call.next !== null) call.next.prev = call;
}
