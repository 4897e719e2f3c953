import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CheckResult, Outcome, SetOp } from '../../faults/history';
import { checkSet, sequenceNumber } from '../../faults/check-set';

function add(process: number, invokedAt: number, completedAt: number, element: number, seq: number | null, outcome: Outcome = 'ok'): SetOp {
  const op: SetOp = { process, f: 'add', input: { element }, outcome, invokedAt, completedAt };
  if (seq !== null) op.output = { path: `/set/e-${String(seq).padStart(10, '0')}` };
  return op;
}

function readSet(process: number, invokedAt: number, completedAt: number, elements: number[], session?: string): SetOp {
  const op: SetOp = { process, f: 'read', input: null, outcome: 'ok', invokedAt, completedAt, output: { elements, paths: elements.map((e) => `/set/e-${String(e).padStart(10, '0')}`) } };
  if (session !== undefined) op.session = session;
  return op;
}

function anomaly(r: CheckResult): string | undefined {
  return r.valid === false ? r.anomaly : undefined;
}

const adds = [add(0, 0, 5, 10, 0), add(1, 1, 6, 11, 1), add(0, 7, 9, 12, 2), add(2, 2, 30, 13, null, 'unknown')];

test('every acknowledged add in the final read; an add in flight may be missing', () => {
  assert.equal(checkSet([...adds, readSet(3, 20, 21, [10, 11, 12])]).valid, true);
  assert.equal(checkSet([...adds, readSet(3, 20, 21, [10, 11, 12, 13])]).valid, true);
  const r = checkSet([...adds, readSet(3, 20, 21, [10, 12])]);
  assert.equal(anomaly(r), 'lost');
  if (r.valid === false) assert.deepEqual(r.witnesses[0], { lost: [11] });
  // Acknowledged after the final read was invoked: not required in it.
  assert.equal(checkSet([...adds, add(4, 8, 22, 14, 3), readSet(3, 20, 21, [10, 11, 12])]).valid, true);
});

test('an add that failed is in no read', () => {
  const failed = add(4, 0, 1, 20, null, 'fail');
  assert.equal(checkSet([...adds, failed, readSet(3, 20, 21, [10, 11, 12])]).valid, true);
  assert.equal(anomaly(checkSet([...adds, failed, readSet(3, 20, 21, [10, 11, 12, 20])])), 'failed-add-present');
});

test('no element twice in a read', () => {
  assert.equal(anomaly(checkSet([...adds, readSet(3, 20, 21, [10, 11, 11, 12])])), 'duplicate-element');
});

test('sequence numbers are unique and grow with adds that did not overlap', () => {
  assert.equal(anomaly(checkSet([add(0, 0, 1, 1, 0), add(1, 0, 1, 2, 0)])), 'duplicate-sequence-number');
  // Overlapping adds may take their numbers in either order.
  assert.equal(checkSet([add(0, 0, 10, 1, 1), add(1, 2, 8, 2, 0)]).valid, true);
  // The second began after the first was acknowledged: it must have the higher number.
  const r = checkSet([add(0, 0, 1, 1, 5), add(0, 2, 3, 2, 4)]);
  assert.equal(anomaly(r), 'sequence-number-out-of-order');
  assert.equal(sequenceNumber('/set/e-0000000042'), 42);
});

test("a session's reads never lose an element they saw; another session's may lag", () => {
  const a = [readSet(3, 10, 11, [10, 11], 'A'), readSet(3, 12, 13, [10, 11, 12], 'A')];
  assert.equal(checkSet([...adds, ...a, readSet(4, 14, 15, [10], 'B'), readSet(3, 20, 21, [10, 11, 12], 'A')]).valid, true);
  assert.equal(anomaly(checkSet([...adds, ...a, readSet(3, 14, 15, [10, 12], 'A'), readSet(3, 20, 21, [10, 11, 12], 'A')])), 'read-lost-element');
});
