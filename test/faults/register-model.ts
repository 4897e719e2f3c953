// The sequential model of the compare-and-set register (RegisterOp): one znode whose data is
// a number and whose version ZooKeeper increments by one on every setData. The
// linearizability checker searches for an order of the history that this model accepts.

import type { RegisterOp } from './history';

/**
 * The znode's data and version. null means not known yet: when a run does not say what the
 * znode held at the start, the first operations that reveal it fix it (there must exist some
 * initial state). A null is never produced once a value or version has been seen.
 */
export interface RegisterState {
  value: number | null;
  version: number | null;
}

export const UNKNOWN_REGISTER: RegisterState = { value: null, version: null };

/**
 * Which operations of a history constrain the register, as the checker sees them:
 * - read ok: saw this value and version; a read that failed or got no answer says nothing.
 * - write/cas ok: took effect, giving this new version.
 * - write/cas unknown: may have taken effect (the search may place it or leave it out).
 * - cas fail with BADVERSION: kept. ZooKeeper's leader checks the version in its one
 *   total order of writes (PrepRequestProcessor), so the answer is an observation, at a
 *   point between invocation and reply, that the version was not the expected one. Keeping
 *   it catches a server that answers BADVERSION when the version did match.
 * - any other fail: dropped (it did not take effect and says nothing about the state).
 */
export function constrainsRegister(op: RegisterOp): boolean {
  if (op.outcome === 'ok') return true;
  if (op.f === 'read') return false;
  if (op.outcome === 'unknown') return true;
  return op.f === 'cas' && op.error === 'BADVERSION';
}

/**
 * What the acknowledged operations say about versions, which prunes where an 'unknown' write
 * may take effect (for speed; it rejects no linearizable history). Versions only grow, so
 * in any order there is one state per version: when an ok write or cas made version k, no
 * other write can have made it; when an ok read saw (x, k), whatever made k wrote x; and
 * when only one operation of the history writes x and a read saw x at k, that operation,
 * if it took effect, made k. Without these a wrong guess of which unknown write filled a
 * version gap is found out only at a read far later, and the search backtracks over
 * everything between (exponential in the distance).
 */
export interface RegisterClaims {
  writtenVersions: Set<number>;
  valueSeenAt: Map<number, number>;
  versionsSeenOf: Map<number, Set<number>>;
  writersOf: Map<number, number>;
}

export function registerClaims(ops: RegisterOp[]): RegisterClaims {
  const claims: RegisterClaims = { writtenVersions: new Set(), valueSeenAt: new Map(), versionsSeenOf: new Map(), writersOf: new Map() };
  for (const op of ops) {
    if (op.f !== 'read') claims.writersOf.set(op.input.value, (claims.writersOf.get(op.input.value) ?? 0) + 1);
    if (op.outcome !== 'ok' || op.output === undefined) continue;
    if (op.f === 'read') {
      const { value, version } = op.output;
      claims.valueSeenAt.set(version, value);
      let versions = claims.versionsSeenOf.get(value);
      if (versions === undefined) claims.versionsSeenOf.set(value, (versions = new Set()));
      versions.add(version);
    } else claims.writtenVersions.add(op.output.version);
  }
  return claims;
}

/** The state after op, or null when op cannot take effect (or be observed) in state s. */
export function stepRegister(s: RegisterState, op: RegisterOp, claims?: RegisterClaims): RegisterState | null {
  const next = step(s, op);
  if (next === null || claims === undefined || op.outcome !== 'unknown' || next.version === null) return next;
  if (claims.writtenVersions.has(next.version)) return null;
  const seen = claims.valueSeenAt.get(next.version);
  if (seen !== undefined && seen !== next.value) return null;
  const versionsOfMine = claims.versionsSeenOf.get(op.f === 'read' ? NaN : op.input.value);
  if (versionsOfMine !== undefined && claims.writersOf.get(next.value ?? NaN) === 1 && !versionsOfMine.has(next.version)) return null;
  return next;
}

/**
 * An unconditional write with no answer whose value no read saw. Such writes are
 * interchangeable: where one took effect, the version it made was never read (a read of it
 * would have seen its value), so which of them made it changes nothing but the value there.
 */
export function isUnseenUnknownWrite(op: RegisterOp, claims: RegisterClaims): boolean {
  return op.f === 'write' && op.outcome === 'unknown' && !claims.versionsSeenOf.has(op.input.value);
}

function step(s: RegisterState, op: RegisterOp): RegisterState | null {
  switch (op.f) {
    case 'read': {
      const seen = op.output;
      if (seen === undefined) return null;
      if (s.value !== null && s.value !== seen.value) return null;
      if (s.version !== null && s.version !== seen.version) return null;
      return { value: seen.value, version: seen.version };
    }
    case 'write': {
      if (op.outcome === 'ok') {
        const version = op.output?.version;
        if (version === undefined) return null;
        if (s.version !== null && version !== s.version + 1) return null;
        return { value: op.input.value, version };
      }
      return { value: op.input.value, version: s.version === null ? null : s.version + 1 };
    }
    case 'cas': {
      const expected = op.input.expectedVersion;
      if (op.outcome === 'fail') {
        // BADVERSION: an observation that the version differed.
        return s.version === expected ? null : s;
      }
      if (s.version !== null && s.version !== expected) return null;
      if (op.outcome === 'ok' && op.output !== undefined && op.output.version !== expected + 1) return null;
      return { value: op.input.value, version: expected + 1 };
    }
  }
}

/** A string that is equal for equal states (the search's cache key). */
export function registerKey(s: RegisterState): string {
  return `${s.value ?? '?'},${s.version ?? '?'}`;
}
