// The walk a background snapshot takes through the tree, a slice at a time while txns keep
// applying: every node that lives through the whole walk is written exactly once, after its
// parent; a node is written only while it is in the tree; and without changes the walk is
// in ZooKeeper's order (depth first, children as Java's HashSet lists them). The log after
// the snapshot restores whatever changed meanwhile (test/compat/storage/fuzzy-snapshot).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpCode } from '../../../src/jute/constants';
import type { ACL } from '../../../src/jute/records';
import { writeSnapshot } from '../../../src/persistence/file-snap';
import { readSnapshot } from '../../../src/persistence/snapshot-reader';
import { DataTree } from '../../../src/tree/data-tree';
import type { DataNode } from '../../../src/tree/data-node';
import { CHAINED_FROM_CAPACITY } from '../../../src/tree/java-hash-set';

const OPEN: ACL[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
/** Children enough that /big is kept as chains and listed in several parts. */
const BIG = CHAINED_FROM_CAPACITY;

class Tree {
  readonly tree = new DataTree();
  private zxid = 0;
  create(path: string): void {
    const parent = this.tree.getNode(path.slice(0, path.lastIndexOf('/')) || '/')!;
    const body = { kind: 'create' as const, path, data: Buffer.from(path), acl: OPEN, ephemeral: false, parentCVersion: parent.cversion + 1 };
    assert.equal(this.txn(OpCode.create, body), 0, `create ${path}`);
  }
  delete(path: string): void {
    assert.equal(this.txn(OpCode.delete, { kind: 'delete', path }), 0, `delete ${path}`);
  }
  private txn(type: number, body: Parameters<DataTree['processTxn']>[1]): number {
    return this.tree.processTxn({ clientId: 1n, cxid: 0, zxid: ++this.zxid, time: 1_700_000_000_000, type }, body).err;
  }
}

function populated(bigChildren: number): Tree {
  const t = new Tree();
  for (const p of ['/big', '/small', '/small/x']) t.create(p);
  for (let i = 0; i < bigChildren; i++) t.create(`/big/n${i}`);
  for (let i = 0; i < 20; i++) t.create(`/small/x/c${i}`);
  return t;
}

test('without changes the walk is depth first, children in HashSet order, each node once', () => {
  const t = populated(BIG + 500);
  const walked = [...t.tree.nodesInSnapshotOrder()].map(([path]) => path || '/');
  const expected = [...t.tree.walk()].map(([path]) => path);
  assert.equal(new Set(walked).size, walked.length);
  assert.deepEqual(walked, expected);
});

/** Each once, in turn, after so many nodes are written: deletes, creates (enough at once to double /big's table), a path deleted and made anew. */
const change = fc.record({
  after: fc.integer({ min: 1, max: 900 }),
  deletes: fc.array(fc.nat(), { maxLength: 40 }),
  creates: fc.integer({ min: 0, max: 3 * BIG }),
  remade: fc.nat(),
});

test('a walk across changes writes every node that lives through it exactly once, after its parent, and only live nodes', () => {
  fc.assert(
    fc.property(fc.integer({ min: BIG / 2, max: 2 * BIG }), fc.array(change, { minLength: 1, maxLength: 12 }), (bigChildren, changes) => {
      const t = populated(bigChildren);
      const tree = t.tree;
      const atStart = new Map<string, DataNode>([...tree.walk()].map(([path, n]) => [path, n]));
      const touched = new Set<string>();
      let made = 0;
      const seen = new Set<string>();
      const walk = tree.snapshotWalk();
      let next = 0;
      let sinceLast = 0;
      for (let node = walk.next(); node !== undefined; node = walk.next()) {
        assert.ok(tree.getNode(node.path) === node, `${node.path} is in the tree when it is written`);
        assert.ok(!seen.has(node.path), `${node.path} written once`);
        const parent = node.path.slice(0, node.path.lastIndexOf('/')) || '/';
        assert.ok(node.path === '/' || seen.has(parent), `${node.path} after its parent`);
        seen.add(node.path);
        const c = changes[next];
        if (c === undefined || ++sinceLast < c.after) continue;
        next++;
        sinceLast = 0;
        const live = tree.getNode('/big')!.childNodesInHashSetOrder();
        for (const d of c.deletes) {
          const victim = live[d % live.length];
          if (victim === undefined || touched.has(victim.path)) continue;
          touched.add(victim.path);
          t.delete(victim.path);
        }
        for (let i = 0; i < c.creates; i++) t.create(`/big/new${made++}`);
        const remade = live[c.remade % live.length];
        if (remade !== undefined && !touched.has(remade.path)) {
          touched.add(remade.path);
          t.delete(remade.path);
          t.create(remade.path);
        }
      }
      for (const path of atStart.keys()) if (!touched.has(path)) assert.ok(seen.has(path), `${path}, there throughout, was written`);
    }),
    // No shrinking: a failing case of thousands of nodes shrinks for many minutes.
    { numRuns: 30, seed: 20261202, endOnFailure: true },
  );
});

test('a walk across a load that replaces the tree writes no node of the tree it began in', { timeout: 60_000 }, async () => {
  const t = populated(BIG + 500);
  const tree = t.tree;
  const dir = mkdtempSync(join(tmpdir(), 'zk-walk-reload-'));
  try {
    const zxid = tree.getNode('/big/n0')!.czxid + BIG + 600;
    const file = join(dir, await writeSnapshot(dir, tree, new Map(), zxid));
    const walk = tree.snapshotWalk();
    // Into /big's first part, then the tree is loaded anew (a SNAP from a leader does this).
    for (let node = walk.next(); node !== undefined && !node.path.startsWith('/big/'); node = walk.next());
    const snap = readSnapshot(file, zxid);
    tree.loadNodes(snap.batches, snap.zxid, snap.acls);
    // Bounded: the walk has no more nodes than the tree had.
    let left = tree.nodeCount;
    for (let node = walk.next(); node !== undefined; node = walk.next()) {
      // ok, not equal: a failing equal would have the reporter print two DataNodes and, through them, both trees.
      assert.ok(tree.getNode(node.path) === node, `${node.path} is the loaded tree's`);
      assert.ok(left-- > 0, 'the walk ends');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
