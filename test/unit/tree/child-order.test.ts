import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { capacityAfterAdd, INITIAL_CHILD_CAPACITY, javaHashSetOrder, javaStringHash } from '../../../src/tree/child-order';
import { JavaHashSet } from '../../../src/tree/java-hash-set';

// Java itself is the oracle: test/support/java/HashOrder.java replays adds and removes on
// a HashSet<String>(8), as DataNode keeps children, and prints the iteration order.
const classes = mkdtempSync(join(tmpdir(), 'hashorder-'));
execFileSync('javac', ['-d', classes, resolve(import.meta.dirname, '../../support/java/HashOrder.java')]);

function javaOrder(ops: string[]): string[] {
  const out = execFileSync('java', ['-cp', classes, 'HashOrder'], { input: ops.join('\n') + '\n?\n' }).toString().trim();
  return out === '' ? [] : out.split(',');
}

function modelOrder(ops: string[]): string[] {
  const set = new Set<string>();
  let capacity = INITIAL_CHILD_CAPACITY;
  for (const op of ops) {
    const name = op.slice(1);
    if (op[0] === '+' && !set.has(name)) {
      set.add(name);
      capacity = capacityAfterAdd(capacity, set.size);
    } else if (op[0] === '-') set.delete(name);
  }
  return javaHashSetOrder(set, capacity);
}

/** The same ops on the table a DataNode keeps its children in: its order with no sort. */
function tableOrder(ops: string[]): { order: string[]; iterated: string[]; size: number; capacity: number } {
  const set = new JavaHashSet<string>((name) => javaStringHash(name));
  for (const op of ops) {
    const name = op.slice(1);
    const present = set.toArray().includes(name);
    if (op[0] === '+' && !present) set.add(name);
    else if (op[0] === '-') assert.equal(set.delete(name), present, `delete ${name}`);
  }
  return { order: set.toArray(), iterated: [...set], size: set.size, capacity: set.capacity };
}

test('String.hashCode matches Java for ASCII and non-ASCII names', () => {
  assert.equal(javaStringHash(''), 0);
  assert.equal(javaStringHash('a'), 97);
  assert.equal(javaStringHash('hello'), 99162322);
  assert.equal(javaStringHash('lock-0000000001'), javaStringHash('lock-0000000000') + 1);
});

test('children are listed in the order Java HashSet iterates them, through growth and removal', () => {
  const name = fc.oneof(
    fc.integer({ min: 0, max: 300 }).map((n) => `lock-${String(n).padStart(10, '0')}`),
    fc.string({ minLength: 1, maxLength: 6, unit: fc.constantFrom('a', 'b', 'z', 'Q', '0', '9', '_', 'é', '✓') }),
  );
  const op = fc.tuple(fc.constantFrom('+', '+', '+', '-'), name).map(([k, n]) => k + n);
  // Each run starts a JVM: a modest number of runs, each with many ops.
  fc.assert(
    fc.property(fc.array(op, { minLength: 1, maxLength: 120 }), (ops) => {
      const java = javaOrder(ops);
      assert.deepEqual(modelOrder(ops), java);
      const table = tableOrder(ops);
      assert.deepEqual(table.order, java);
      assert.deepEqual(table.iterated, java);
      assert.equal(table.size, java.length);
    }),
    { numRuns: 25, seed: 20261124 },
  );
});
