import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { CheckResult, RegisterOp } from '../../faults/history';
import { checkRegisterLinearizable } from '../../faults/check-linearizable';
import { cas, executedHistory, mulberry32, read, rngArb, write, writeUnknown } from './register-ops';

const ZERO = { value: 0, version: 0 };

function assertValid(r: CheckResult): void {
  assert.equal(r.valid, true, JSON.stringify(r, null, 1));
}

function assertInvalid(r: CheckResult): void {
  assert.equal(r.valid, false, JSON.stringify(r, null, 1));
}

test('a sequential history and concurrent writes seen in either order are linearizable', () => {
  assertValid(checkRegisterLinearizable([write(0, 0, 1, 5, 1), read(1, 2, 3, 5, 1), cas(0, 4, 5, 1, 6), read(1, 6, 7, 6, 2)], ZERO));
  // Two overlapping writes: the read after both may see either one's value, with the
  // version that says which came last.
  const both = [write(0, 0, 10, 1, 1), write(1, 0, 10, 2, 2)];
  assertValid(checkRegisterLinearizable([...both, read(2, 11, 12, 2, 2)], ZERO));
  const swapped = [write(0, 0, 10, 1, 2), write(1, 0, 10, 2, 1)];
  assertValid(checkRegisterLinearizable([...swapped, read(2, 11, 12, 1, 2)], ZERO));
  // A read concurrent with a write may see the old or the new value.
  assertValid(checkRegisterLinearizable([write(0, 0, 10, 1, 1), read(1, 2, 3, 0, 0), read(2, 4, 5, 1, 1)], ZERO));
});

test('a stale read after a completed write is rejected', () => {
  assertInvalid(checkRegisterLinearizable([write(0, 0, 1, 5, 1), read(1, 2, 3, 0, 0)], ZERO));
});

test('a read that sees the new value, then a later read that sees the old one, is rejected (new-old inversion)', () => {
  // Both reads overlap the write, yet the second began after the first ended.
  assertInvalid(checkRegisterLinearizable([write(0, 0, 100, 1, 1), read(1, 10, 20, 1, 1), read(2, 30, 40, 0, 0)], ZERO));
  // The same reads in the other order are fine.
  assertValid(checkRegisterLinearizable([write(0, 0, 100, 1, 1), read(1, 10, 20, 0, 0), read(2, 30, 40, 1, 1)], ZERO));
});

test('two cas from the same version that both succeed are rejected', () => {
  assertInvalid(checkRegisterLinearizable([cas(0, 0, 10, 0, 1), cas(1, 0, 10, 0, 2)], ZERO));
  // One of them answered BADVERSION: fine.
  assertValid(checkRegisterLinearizable([cas(0, 0, 10, 0, 1), cas(1, 0, 10, 0, 2, 'fail')], ZERO));
});

test('a BADVERSION answered while the version did match is rejected', () => {
  // Nothing else writes: the version is 0 throughout, so cas(0) had to succeed.
  assertInvalid(checkRegisterLinearizable([read(0, 0, 1, 0, 0), cas(1, 2, 3, 0, 7, 'fail'), read(0, 4, 5, 0, 0)], ZERO));
});

test('a read of a value never written is rejected, with the initial state known or not', () => {
  assertInvalid(checkRegisterLinearizable([write(0, 0, 1, 5, 1), read(1, 2, 3, 9, 1)], ZERO));
  assertInvalid(checkRegisterLinearizable([write(0, 0, 1, 5, 1), read(1, 2, 3, 9, 1)]));
  // Unknown initial state: the first read fixes it; a later read of a different value at
  // the same version is impossible.
  assertInvalid(checkRegisterLinearizable([read(0, 0, 1, 3, 4), read(1, 2, 3, 8, 4)]));
  assertValid(checkRegisterLinearizable([read(0, 0, 1, 3, 4), write(1, 2, 3, 8, 5), read(0, 4, 5, 8, 5)]));
});

test("an 'unknown' write that took effect is placed after its invocation, even after later operations complete", () => {
  const history = [
    writeUnknown(0, 0, 5, 7),
    read(1, 10, 11, 0, 0), // not yet in effect at 11
    read(1, 20, 21, 7, 1), // in effect by 20, long after the client gave up at 5
  ];
  assertValid(checkRegisterLinearizable(history, ZERO));
  // But never before its invocation.
  assertInvalid(checkRegisterLinearizable([read(1, 0, 1, 7, 1), writeUnknown(0, 2, 5, 7)], ZERO));
});

test("an 'unknown' write that never took effect may be left out", () => {
  const history = [writeUnknown(0, 0, 5, 7), write(1, 10, 11, 8, 1), read(1, 20, 21, 8, 1)];
  assertValid(checkRegisterLinearizable(history, ZERO));
  // It took effect or not, but not both: a version gap of one after the write says it did,
  // and then its value must have been seen in between or overwritten.
  assertValid(checkRegisterLinearizable([writeUnknown(0, 0, 5, 7), write(1, 10, 11, 8, 2), read(1, 20, 21, 8, 2)], ZERO));
  assertInvalid(checkRegisterLinearizable([writeUnknown(0, 0, 5, 7), write(1, 10, 11, 8, 3)], ZERO));
});

test('a failure names the operation that could not be placed', () => {
  const stale = read(1, 2, 3, 0, 0);
  const r = checkRegisterLinearizable([write(0, 0, 1, 5, 1), stale], ZERO);
  assert.equal(r.valid, false);
  if (r.valid !== false) return;
  assert.equal(r.anomaly, 'not-linearizable');
  const w = r.witnesses[0] as { cannotPlace: RegisterOp; stateAfterLongestPrefix: unknown };
  assert.deepEqual(w.cannotPlace, stale);
  assert.deepEqual(w.stateAfterLongestPrefix, { value: 5, version: 1 });
});

test('histories recorded from a real sequential execution with overlapping timing are accepted', () => {
  fc.assert(
    fc.property(rngArb, fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 40 }), (rng, clients, perClient) => {
      const { ops } = executedHistory(clients, perClient, rng);
      assertValid(checkRegisterLinearizable(ops, ZERO));
      assertValid(checkRegisterLinearizable(ops));
    }),
    { numRuns: 300 },
  );
});

test('the same histories with one read made stale, or made to see a value never written, are rejected', () => {
  fc.assert(
    fc.property(rngArb, fc.integer({ min: 1, max: 6 }), fc.integer({ min: 2, max: 40 }), fc.boolean(), (rng, clients, perClient, stale) => {
      const { ops, valueAt } = executedHistory(clients, perClient, rng);
      // A read that began after some acknowledged write completed.
      const writes = ops.filter((o) => o.f !== 'read' && o.outcome === 'ok' && o.output !== undefined);
      const candidates = ops.filter((o) => o.f === 'read' && writes.some((w) => w.completedAt < o.invokedAt));
      fc.pre(candidates.length > 0);
      const victim = candidates[Math.floor(rng() * candidates.length)]!;
      const earlier = writes.filter((w) => w.completedAt < victim.invokedAt);
      const version = earlier[Math.floor(rng() * earlier.length)]!.output!.version;
      // stale: the register as it was just before that write (versions only grow, so a read
      // begun after the write completed cannot see it); otherwise a value nobody wrote.
      const output = stale
        ? { value: valueAt.get(version - 1)!, version: version - 1 }
        : { value: -1, version: victim.output!.version };
      const mutated = ops.map((o) => (o === victim ? ({ ...o, output } as RegisterOp) : o));
      assertInvalid(checkRegisterLinearizable(mutated, ZERO));
    }),
    { numRuns: 300 },
  );
});

test('a pathological history hits the search bound and says it gave up, naming the bound', () => {
  // Many concurrent writes of the same value with no answer, then a read of a version one
  // past what they can all make: to reject it the search tries every subset of them.
  const pathological: RegisterOp[] = [];
  for (let i = 0; i < 40; i++) pathological.push(writeUnknown(i, 0, 1, 1));
  pathological.push(read(99, 2, 3, 1, 41));
  const small = checkRegisterLinearizable(pathological, ZERO, { statesExploredMax: 10_000 });
  assert.deepEqual(small, { valid: 'unknown', operations: 41, gaveUp: 'STATES_EXPLORED_MAX (10000) states explored' });
});

test('10,000 operations at 8 concurrent clients, 2% unknown, are accepted (the time is printed)', () => {
  const { ops } = executedHistory(8, 1250, mulberry32(11));
  const started = performance.now();
  const r = checkRegisterLinearizable(ops, ZERO);
  const ms = performance.now() - started;
  assertValid(r);
  console.log(`10,000 ops at 8 clients: ${ms.toFixed(0)} ms (${ops.filter((o) => o.outcome === 'unknown').length} unknown)`);
});
