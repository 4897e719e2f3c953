import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { JavaHashSet, javaStringHash } from '../../../src/tree/java-hash-set';

// Java itself is the oracle: test/support/java/HashOrder.java replays adds and removes on
// a HashSet<String>(8), as DataNode keeps children (or a HashSet() as a session's
// ephemerals), and prints the iteration order, and that of a clone.
const classes = mkdtempSync(join(tmpdir(), 'hashorder-'));
execFileSync('javac', ['-d', classes, resolve(import.meta.dirname, '../../support/java/HashOrder.java')]);

const split = (line: string | undefined): string[] => (line ? line.split(',') : []);

function javaOrder(ops: string[], kind: 'children' | 'default'): { order: string[]; cloned: string[] } {
  const out = execFileSync('java', ['-cp', classes, 'HashOrder', kind], { input: ops.join('\n') + '\n?\nc\n' }).toString();
  const [order, cloned] = out.split('\n');
  return { order: split(order), cloned: split(cloned) };
}

/** The same ops on the table a DataNode keeps its children in (or a session its ephemerals). */
function tableOrder(ops: string[], capacity?: number): { order: string[]; iterated: string[]; cloned: string[]; size: number } {
  const set = new JavaHashSet<string>((name) => javaStringHash(name), capacity);
  for (const op of ops) {
    const name = op.slice(1);
    const present = set.toArray().includes(name);
    if (op[0] === '+' && !present) set.add(name);
    else if (op[0] === '-') assert.equal(set.delete(name), present, `delete ${name}`);
  }
  return { order: set.toArray(), iterated: [...set], cloned: set.clone().toArray(), size: set.size };
}

test('String.hashCode matches Java for ASCII and non-ASCII names', () => {
  assert.equal(javaStringHash(''), 0);
  assert.equal(javaStringHash('a'), 97);
  assert.equal(javaStringHash('hello'), 99162322);
  assert.equal(javaStringHash('lock-0000000001'), javaStringHash('lock-0000000000') + 1);
});

const name = fc.oneof(
  fc.integer({ min: 0, max: 300 }).map((n) => `lock-${String(n).padStart(10, '0')}`),
  fc.string({ minLength: 1, maxLength: 6, unit: fc.constantFrom('a', 'b', 'z', 'Q', '0', '9', '_', 'é', '✓') }),
);
const op = fc.tuple(fc.constantFrom('+', '+', '+', '-'), name).map(([k, n]) => k + n);

test('children are listed in the order Java HashSet iterates them, through growth and removal', () => {
  // Each run starts a JVM: a modest number of runs, each with many ops.
  fc.assert(
    fc.property(fc.array(op, { minLength: 1, maxLength: 120 }), (ops) => {
      const java = javaOrder(ops, 'children');
      const table = tableOrder(ops);
      assert.deepEqual(table.order, java.order);
      assert.deepEqual(table.iterated, java.order);
      assert.equal(table.size, java.order.length);
      assert.deepEqual(table.cloned, java.cloned);
    }),
    { numRuns: 25, seed: 20261124 },
  );
});

test("a session's ephemerals (a HashSet(), listed as a clone of it) are in Java's order", () => {
  fc.assert(
    fc.property(fc.array(op.map((o) => o[0] + '/app/' + o.slice(1)), { minLength: 1, maxLength: 120 }), (ops) => {
      const java = javaOrder(ops, 'default');
      const table = tableOrder(ops, 16);
      assert.deepEqual(table.order, java.order);
      assert.deepEqual(table.cloned, java.cloned);
    }),
    { numRuns: 15, seed: 20261202 },
  );
});
