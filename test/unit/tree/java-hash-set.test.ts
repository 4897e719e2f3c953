import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { CHAINED_FROM_CAPACITY, JavaHashSet, javaStringHash } from '../../../src/tree/java-hash-set';

// Java itself is the oracle: test/support/java/HashOrder.java replays adds and removes on
// a HashSet<String>(8), as DataNode keeps children (or a HashSet() as a session's
// ephemerals), and prints the iteration order, and that of a clone.
const classes = mkdtempSync(join(tmpdir(), 'hashorder-'));
execFileSync('javac', ['-d', classes, resolve(import.meta.dirname, '../../support/java/HashOrder.java')]);

const split = (line: string | undefined): string[] => (line ? line.split(',') : []);

/** Java's order after each op, and that of a clone at the end. */
function javaOrder(ops: string[], kind: 'children' | 'default'): { orders: string[][]; cloned: string[] } {
  const input = ops.map((o) => `${o}\n?\n`).join('') + 'c\n';
  const lines = execFileSync('java', ['-cp', classes, 'HashOrder', kind], { input }).toString().split('\n');
  return { orders: lines.slice(0, ops.length).map(split), cloned: split(lines[ops.length]) };
}

/**
 * The same ops on the table a DataNode keeps its children in (or a session its ephemerals):
 * the order after each op. `chainedFrom` lowered keeps small sets as a large one is kept.
 */
function tableOrder(ops: string[], capacity?: number, chainedFrom?: number): { orders: string[][]; iterated: string[][]; cloned: string[]; size: number } {
  const set = new JavaHashSet<string>((name) => javaStringHash(name), capacity, chainedFrom);
  const orders: string[][] = [];
  const iterated: string[][] = [];
  for (const op of ops) {
    const name = op.slice(1);
    const present = set.toArray().includes(name);
    if (op[0] === '+' && !present) set.add(name);
    else if (op[0] === '-') assert.equal(set.delete(name), present, `delete ${name}`);
    orders.push(set.toArray());
    iterated.push([...set]);
  }
  return { orders, iterated, cloned: set.clone().toArray(), size: set.size };
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
      for (const chainedFrom of [undefined, 16]) {
        const table = tableOrder(ops, undefined, chainedFrom);
        assert.deepEqual(table.orders, java.orders);
        assert.deepEqual(table.iterated, java.orders);
        assert.equal(table.size, java.orders.at(-1)!.length);
        assert.deepEqual(table.cloned, java.cloned);
      }
    }),
    { numRuns: 25, seed: 20261124 },
  );
});

test("a session's ephemerals (a HashSet(), listed as a clone of it) are in Java's order", () => {
  fc.assert(
    fc.property(fc.array(op.map((o) => o[0] + '/app/' + o.slice(1)), { minLength: 1, maxLength: 120 }), (ops) => {
      const java = javaOrder(ops, 'default');
      for (const chainedFrom of [undefined, 32]) {
        const table = tableOrder(ops, 16, chainedFrom);
        assert.deepEqual(table.orders, java.orders);
        assert.deepEqual(table.cloned, java.cloned);
      }
    }),
    { numRuns: 15, seed: 20261202 },
  );
});

test('a large set, kept as chains, is in Java order through doublings, removals and reused slots', () => {
  // 20,000 names reach a table of 32,768 buckets; every seventh add removes an earlier name,
  // whose slot the next adds take again.
  const ops: string[] = [];
  for (let i = 0; i < 20_000; i++) {
    ops.push(`+lock-${String(i).padStart(10, '0')}`);
    if (i % 7 === 3) ops.push(`-lock-${String(i - 3).padStart(10, '0')}`);
  }
  const checkpoint = (i: number): boolean => i % 733 === 732;
  const input = ops.map((o, i) => (checkpoint(i) ? `${o}\n?\n` : `${o}\n`)).join('') + '?\n';
  const java = execFileSync('java', ['-cp', classes, 'HashOrder', 'children'], { input, maxBuffer: 64 << 20 }).toString().split('\n');
  const set = new JavaHashSet<string>((name) => javaStringHash(name));
  const orders: string[] = [];
  ops.forEach((op, i) => {
    if (op[0] === '+') set.add(op.slice(1));
    else assert.ok(set.delete(op.slice(1)));
    if (checkpoint(i)) orders.push(set.toArray().join(','));
  });
  orders.push(set.toArray().join(','));
  assert.ok(set.capacity > CHAINED_FROM_CAPACITY);
  assert.equal(orders.length, Math.floor(ops.length / 733) + 1);
  assert.deepEqual(orders, java.slice(0, orders.length));
});

test('a doubling re-hashes no name once the set is kept as chains', () => {
  // Counted, not timed: the add that doubled a table of 786,432 children used to re-hash
  // every one of them (196,610 hashes at the last doubling here). Only the add that makes
  // the chains hashes what the set holds, once.
  let hashes = 0;
  const set = new JavaHashSet<string>((name) => (hashes++, javaStringHash(name)));
  let most = 0;
  for (let i = 0; i < 200_000; i++) {
    hashes = 0;
    set.add(`n-${i}`);
    if (set.capacity > CHAINED_FROM_CAPACITY) most = Math.max(most, hashes);
  }
  assert.equal(most, 1, `an add hashed ${most} names`);
  assert.equal(new Set(set.toArray()).size, 200_000);
});
