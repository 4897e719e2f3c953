// An ephemeral exists exactly while its session lives: observed present only between its
// create and its owner session's end, observed absent never while both surely hold. Each
// event happened somewhere in its operation's interval, so only an observation that does
// not overlap the create or the end can prove an anomaly.

import type { CheckResult, EphemeralOp } from './history';

type CreateOp = Extract<EphemeralOp, { f: 'create-ephemeral' }>;
type ExistsOp = Extract<EphemeralOp, { f: 'exists' }>;
type EndOp = Extract<EphemeralOp, { f: 'session-expired' | 'session-closed' }>;

interface Found {
  at: number;
  anomaly: string;
  witnesses: unknown[];
}

export function checkEphemerals(history: EphemeralOp[]): CheckResult {
  const creates = new Map<string, CreateOp>(); // owner session + path → its create
  // session → its end (expired or closed) answered: it certainly ended by completedAt
  const endedBy = new Map<string, EndOp>();
  // session → the end (answered or not) invoked first: it certainly lived until invokedAt
  const livedUntil = new Map<string, EndOp>();
  for (const op of history) {
    if (op.f === 'create-ephemeral' && op.session !== undefined) {
      const key = ownedKey(op.session, op.input.path);
      const prev = creates.get(key);
      // One create per (session, path) in the workload; keep the one that took effect.
      if (prev === undefined || rank(op) > rank(prev)) creates.set(key, op);
    }
    if ((op.f === 'session-expired' || op.f === 'session-closed') && op.session !== undefined && op.outcome !== 'fail') {
      const prev = livedUntil.get(op.session);
      if (prev === undefined || op.invokedAt < prev.invokedAt) livedUntil.set(op.session, op);
      const sure = endedBy.get(op.session);
      if (op.outcome === 'ok' && (sure === undefined || op.completedAt < sure.completedAt)) endedBy.set(op.session, op);
    }
  }
  const observations = history.filter((op): op is ExistsOp => op.f === 'exists' && op.outcome === 'ok' && op.output !== undefined);
  let first: Found | null = null;
  const note = (f: Found): void => {
    if (first === null || f.at < first.at) first = f;
  };
  for (const obs of observations) {
    const owner = obs.input.owner;
    const create = creates.get(ownedKey(owner, obs.input.path));
    const ended = endedBy.get(owner);
    const ending = livedUntil.get(owner);
    if (obs.output!.exists) {
      // Present with another owner: a node of the same name from another session, which says
      // nothing about this one, unless this one should be gone and the owner is wrong.
      const theirs = obs.output!.ephemeralOwner;
      if (theirs !== undefined && theirs !== owner) continue;
      if (create === undefined || create.outcome === 'fail' || obs.completedAt < create.invokedAt) {
        note({ at: obs.completedAt, anomaly: 'ephemeral-present-before-create', witnesses: create === undefined ? [obs] : [create, obs] });
      } else if (ended !== undefined && obs.invokedAt > ended.completedAt) {
        note({ at: obs.completedAt, anomaly: 'ephemeral-outlived-session', witnesses: [create, ended, obs] });
      }
    } else if (create !== undefined && create.outcome === 'ok' && obs.invokedAt > create.completedAt && (ending === undefined || obs.completedAt < ending.invokedAt)) {
      note({ at: obs.completedAt, anomaly: 'ephemeral-missing-while-session-lives', witnesses: ending === undefined ? [create, obs] : [create, ending, obs] });
    }
  }
  const found = first as Found | null;
  if (found === null) return { valid: true, operations: observations.length };
  return { valid: false, operations: observations.length, anomaly: found.anomaly, witnesses: found.witnesses };
}

function ownedKey(session: string, path: string): string {
  return `${session} ${path}`;
}

/** ok over unknown over fail: which of two creates of one (session, path) to take as the create. */
function rank(op: CreateOp): number {
  return op.outcome === 'ok' ? 2 : op.outcome === 'unknown' ? 1 : 0;
}
