import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { CheckResult, Outcome, SetOp } from '../../faults/history';
import { checkSet, sequenceNumber } from '../../faults/check-set';
import { rngArb } from './register-ops';

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

/**
 * A set history from a real execution: clients add elements and list the parent; each
 * operation takes effect at a random instant inside its interval, where an add takes the
 * parent's next sequence number and a read lists what is there. Some adds get no answer
 * (half of those took effect). Then a final read once everything has completed.
 */
function executedSet(clients: number, perClient: number, rng: () => number): SetOp[] {
  const planned: { process: number; invokedAt: number; completedAt: number; at: number; add: boolean }[] = [];
  for (let p = 0; p < clients; p++) {
    let t = rng() * 10;
    for (let i = 0; i < perClient; i++) {
      const d = 0.5 + rng() * 20;
      planned.push({ process: p, invokedAt: t, completedAt: t + d, at: t + rng() * d, add: rng() < 0.6 });
      t += d + rng() * 5;
    }
  }
  planned.sort((a, b) => a.at - b.at);
  const present: number[] = [];
  const ops: SetOp[] = [];
  let element = 0;
  for (const pl of planned) {
    if (!pl.add) {
      ops.push(readSet(pl.process, pl.invokedAt, pl.completedAt, [...present], `0x${pl.process}`));
      continue;
    }
    const e = element++;
    const unknown = rng() < 0.05;
    if (unknown && rng() < 0.5) {
      ops.push(add(pl.process, pl.invokedAt, pl.completedAt, e, null, 'unknown'));
      continue;
    }
    const seq = present.length;
    present.push(e);
    ops.push(unknown ? add(pl.process, pl.invokedAt, pl.completedAt, e, null, 'unknown') : add(pl.process, pl.invokedAt, pl.completedAt, e, seq));
  }
  const end = Math.max(...ops.map((o) => o.completedAt)) + 1;
  ops.push(readSet(99, end, end + 1, [...present]));
  return ops;
}

test('set histories from a real execution are accepted; dropping an acknowledged add from the final read is lost', () => {
  fc.assert(
    fc.property(rngArb, fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 40 }), (rng, clients, perClient) => {
      const ops = executedSet(clients, perClient, rng);
      assert.equal(checkSet(ops).valid, true);
      const acked = ops.filter((o) => o.f === 'add' && o.outcome === 'ok');
      fc.pre(acked.length > 0);
      const gone = acked[Math.floor(rng() * acked.length)]!.input as { element: number };
      const final = ops[ops.length - 1]!;
      const elements = (final.output as { elements: number[] }).elements.filter((e) => e !== gone.element);
      const mutated = [...ops.slice(0, -1), readSet(99, final.invokedAt, final.completedAt, elements)];
      assert.equal(anomaly(checkSet(mutated)), 'lost');
    }),
    { numRuns: 200 },
  );
});
