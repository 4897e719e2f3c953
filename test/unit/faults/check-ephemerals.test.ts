import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CheckResult, EphemeralOp, Outcome } from '../../faults/history';
import { checkEphemerals } from '../../faults/check-ephemerals';

const S = '0x100000001';
const PATH = '/eph/owner-1';

function established(invokedAt: number, completedAt: number): EphemeralOp {
  return { process: 0, session: S, f: 'session-established', input: { sessionTimeoutMs: 4000 }, output: { session: S }, outcome: 'ok', invokedAt, completedAt };
}

function create(invokedAt: number, completedAt: number, outcome: Outcome = 'ok'): EphemeralOp {
  const op: EphemeralOp = { process: 0, session: S, f: 'create-ephemeral', input: { path: PATH }, outcome, invokedAt, completedAt };
  if (outcome === 'ok') op.output = { path: PATH };
  return op;
}

function end(f: 'session-expired' | 'session-closed', invokedAt: number, completedAt: number, outcome: Outcome = 'ok'): EphemeralOp {
  return { process: 0, session: S, f, input: null, output: null, outcome, invokedAt, completedAt };
}

function exists(invokedAt: number, completedAt: number, present: boolean, ephemeralOwner?: string): EphemeralOp {
  const output: { exists: boolean; ephemeralOwner?: string } = { exists: present };
  if (ephemeralOwner !== undefined) output.ephemeralOwner = ephemeralOwner;
  return { process: 1, session: '0x2', f: 'exists', input: { path: PATH, owner: S }, output, outcome: 'ok', invokedAt, completedAt };
}

function anomaly(r: CheckResult): string | undefined {
  return r.valid === false ? r.anomaly : undefined;
}

const life = [established(0, 1), create(2, 3), end('session-expired', 20, 30)];

test('present while the session lives, absent after it ended, either while the end is in flight', () => {
  const r = checkEphemerals([...life, exists(4, 5, true, S), exists(10, 11, true), exists(21, 22, false), exists(25, 26, true), exists(31, 32, false)]);
  assert.deepEqual(r, { valid: true, operations: 5 });
  // Before the create was answered it may or may not be there yet.
  assert.equal(checkEphemerals([...life, exists(2.5, 2.8, false), exists(2.5, 2.9, true)]).valid, true);
});

test('present after the owner session expired or closed is an anomaly', () => {
  assert.equal(anomaly(checkEphemerals([...life, exists(31, 32, true)])), 'ephemeral-outlived-session');
  const closed = [established(0, 1), create(2, 3), end('session-closed', 20, 21)];
  const r = checkEphemerals([...closed, exists(22, 23, true, S)]);
  assert.equal(anomaly(r), 'ephemeral-outlived-session');
  if (r.valid === false) assert.equal(r.witnesses.length, 3);
  // A close with no answer may not have happened: no claim.
  const unanswered = [established(0, 1), create(2, 3), end('session-closed', 20, 21, 'unknown')];
  assert.equal(checkEphemerals([...unanswered, exists(22, 23, true)]).valid, true);
  // A node of that name owned by another session says nothing about this one.
  assert.equal(checkEphemerals([...life, exists(31, 32, true, '0x9')]).valid, true);
});

test('absent between the create and the session end is an anomaly', () => {
  assert.equal(anomaly(checkEphemerals([...life, exists(10, 11, false)])), 'ephemeral-missing-while-session-lives');
  // With no end at all the session lives to the end of the run.
  assert.equal(anomaly(checkEphemerals([established(0, 1), create(2, 3), exists(100, 101, false)])), 'ephemeral-missing-while-session-lives');
  // A create with no answer may never have happened.
  assert.equal(checkEphemerals([established(0, 1), create(2, 3, 'unknown'), exists(10, 11, false)]).valid, true);
});

test('present before it was created, or when the create failed, is an anomaly', () => {
  assert.equal(anomaly(checkEphemerals([established(0, 1), exists(1, 1.5, true), create(2, 3)])), 'ephemeral-present-before-create');
  assert.equal(anomaly(checkEphemerals([established(0, 1), create(2, 3, 'fail'), exists(4, 5, true)])), 'ephemeral-present-before-create');
});
