// The ACL cache is reference-counted as ZooKeeper's ReferenceCountedACLCache: a list goes
// when its last node goes (delete, setACL, session close), indices only grow, and a
// snapshot written to and read back from a real file indexes exactly the lists in use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { OpCode, Perms } from '../../../src/jute/constants';
import type { ACL } from '../../../src/jute/records';
import { writeSnapshot } from '../../../src/persistence/file-snap';
import { readSnapshot } from '../../../src/persistence/snapshot-reader';
import { generateDigest } from '../../../src/tree/auth';
import { AclCache } from '../../../src/tree/acl-cache';
import { DataTree } from '../../../src/tree/data-tree';
import type { TxnBody } from '../../../src/tree/txn';

/** Churn of the resource test: rounds of creating then deleting nodes, each with a list never seen before. */
const CHURN_ROUNDS = 2000;
const CHURN_NODES_PER_ROUND = 50;
/**
 * Heap the churn may leave behind. Before counting, the same churn left ~0.5 MiB a round
 * (about 1 GiB over 2000 rounds); a tree back to its starting nodes holds a few KiB more
 * at most, and 16 MiB leaves room for V8's own bookkeeping and GC timing.
 */
const CHURN_HEAP_GROWTH_MAX_BYTES = 16 * 1024 * 1024;

let zxid = 1;
function apply(tree: DataTree, body: TxnBody, clientId = 1n): number {
  const type = body.kind === 'delete' ? OpCode.delete : body.kind === 'setACL' ? OpCode.setACL : body.kind === 'closeSession' ? OpCode.closeSession : OpCode.create;
  return tree.processTxn({ clientId, cxid: 0, zxid: ++zxid, time: Date.now(), type }, body).err;
}
const digestAcl = (user: string): ACL[] => [{ perms: Perms.ALL, id: { scheme: 'digest', id: generateDigest(`${user}:pw`) } }];
const world = (perms: number): ACL[] => [{ perms, id: { scheme: 'world', id: 'anyone' } }];
const create = (path: string, acl: ACL[], ephemeral = false): TxnBody => ({ kind: 'create', path, data: Buffer.from('x'), acl, ephemeral, parentCVersion: -1 });

// A full collection before each heap reading, also without --expose-gc on the command line.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

test('create + delete with ever new ACL lists returns the cache to its baseline and keeps the heap flat', (t) => {
  const tree = new DataTree();
  assert.equal(apply(tree, create('/churn', world(Perms.ALL))), 0);
  const baseline = tree.aclCacheSize();
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  for (let round = 0; round < CHURN_ROUNDS; round++) {
    for (let i = 0; i < CHURN_NODES_PER_ROUND; i++) apply(tree, create(`/churn/n${i}`, digestAcl(`u${round}-${i}`)));
    assert.equal(tree.aclCacheSize(), baseline + CHURN_NODES_PER_ROUND);
    for (let i = 0; i < CHURN_NODES_PER_ROUND; i++) assert.equal(apply(tree, { kind: 'delete', path: `/churn/n${i}` }), 0);
    assert.equal(tree.aclCacheSize(), baseline, `round ${round}: lists of deleted nodes are gone`);
  }
  gc();
  const growth = process.memoryUsage().heapUsed - heapBefore;
  t.diagnostic(`heap growth over ${CHURN_ROUNDS} x ${CHURN_NODES_PER_ROUND}: ${(growth / 1048576).toFixed(2)} MiB`);
  assert.ok(growth < CHURN_HEAP_GROWTH_MAX_BYTES, `heap grew by ${(growth / 1048576).toFixed(1)} MiB over ${CHURN_ROUNDS} rounds`);
});

test('nodes sharing a list count it once each: it stays until the last one goes, ephemerals on session close included', () => {
  const tree = new DataTree();
  const base = tree.aclCacheSize();
  apply(tree, create('/a', digestAcl('shared')));
  apply(tree, create('/b', digestAcl('shared')));
  apply(tree, create('/e', digestAcl('shared'), true), 7n);
  assert.equal(tree.aclCacheSize(), base + 1);
  const index = tree.aclIndexOf(tree.getNode('/a')!.acl);
  assert.equal(tree.aclIndexOf(tree.getNode('/e')!.acl), index, 'one shared list, one index');
  apply(tree, { kind: 'delete', path: '/a' });
  apply(tree, { kind: 'closeSession', paths2Delete: ['/e'] }, 7n);
  assert.equal(tree.aclCacheSize(), base + 1, '/b still uses it');
  apply(tree, { kind: 'delete', path: '/b' });
  assert.equal(tree.aclCacheSize(), base);
});

test('setACL moves the count from the old list to the new one, and indices only grow (as ZooKeeper)', () => {
  const tree = new DataTree();
  const base = tree.aclCacheSize();
  // A fresh tree: "/" and /zookeeper carry the uncounted -1; /zookeeper/config's list is index 1.
  assert.equal(tree.aclIndexOf(tree.getNode('/')!.acl), -1);
  assert.equal(tree.aclIndexOf(tree.getNode('/zookeeper/config')!.acl), 1);
  apply(tree, create('/x', digestAcl('old')));
  apply(tree, create('/y', digestAcl('old')));
  const oldIndex = tree.aclIndexOf(tree.getNode('/x')!.acl);
  assert.equal(oldIndex, 2);
  apply(tree, { kind: 'setACL', path: '/x', acl: digestAcl('new'), version: 1 });
  assert.equal(tree.aclCacheSize(), base + 2, 'old (still on /y) and new');
  assert.equal(tree.aclIndexOf(tree.getNode('/x')!.acl), 3);
  apply(tree, { kind: 'setACL', path: '/y', acl: digestAcl('new'), version: 1 });
  assert.equal(tree.aclCacheSize(), base + 1, 'the old list lost its last user');
  assert.equal(tree.aclIndexOf(tree.getNode('/y')!.acl), 3, 'the equal list is shared');
  // Re-setting a list one node alone uses: ZooKeeper drops it first, so it comes back as a new index.
  apply(tree, { kind: 'delete', path: '/y' });
  apply(tree, { kind: 'setACL', path: '/x', acl: digestAcl('new'), version: 2 });
  assert.equal(tree.aclIndexOf(tree.getNode('/x')!.acl), 4);
  assert.equal(tree.aclCacheSize(), base + 1);
  // The root's list, set by a client, is an ordinary counted list.
  apply(tree, { kind: 'setACL', path: '/', acl: world(Perms.ALL), version: 1 });
  assert.equal(tree.aclIndexOf(tree.getNode('/')!.acl), 5);
});

test('a snapshot after churn lists only the ACLs in use, and loading it resumes the index counter', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'acl-snap-'));
  try {
    const tree = new DataTree();
    apply(tree, create('/keep', digestAcl('keep')));
    for (let i = 0; i < 100; i++) apply(tree, create(`/gone${i}`, digestAcl(`gone${i}`)));
    apply(tree, create('/last', digestAcl('last')));
    for (let i = 0; i < 100; i++) apply(tree, { kind: 'delete', path: `/gone${i}` });
    const name = await writeSnapshot(dir, tree, new Map(), zxid);
    const snap = readSnapshot(join(dir, name), zxid);
    const map = [...snap.acls].filter(([i]) => i !== -1).map(([i, acl]) => [i, acl[0]!.id.id]);
    assert.deepEqual(map, [
      [1, 'anyone'],
      [2, generateDigest('keep:pw')],
      [103, generateDigest('last:pw')],
    ]);
    const loaded = new DataTree();
    loaded.loadNodes(snap.batches, snap.zxid, snap.acls);
    assert.equal(loaded.aclCacheSize(), 3);
    assert.deepEqual(loaded.getACL('/last').acl, digestAcl('last'));
    assert.equal(loaded.aclIndexOf(loaded.getNode('/')!.acl), -1);
    apply(loaded, create('/next', digestAcl('next')));
    assert.equal(loaded.aclIndexOf(loaded.getNode('/next')!.acl), 104, 'after the highest index loaded');
    apply(loaded, create('/keep2', digestAcl('keep')));
    assert.equal(loaded.aclIndexOf(loaded.getNode('/keep2')!.acl), 2, 'a loaded list is shared by new nodes');
    apply(loaded, { kind: 'delete', path: '/keep' });
    apply(loaded, { kind: 'delete', path: '/keep2' });
    assert.equal(loaded.aclCacheSize(), 3, 'config, last, next');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loading a snapshot purges map entries no node refers to', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'acl-purge-'));
  try {
    const tree = new DataTree();
    apply(tree, create('/a', digestAcl('a')));
    const name = await writeSnapshot(dir, tree, new Map(), zxid);
    const snap = readSnapshot(join(dir, name), zxid);
    // As a snapshot written by a server whose cache still held an unused list (ZooKeeper's can).
    snap.acls.set(50, digestAcl('unused'));
    const loaded = new DataTree();
    loaded.loadNodes(snap.batches, snap.zxid, snap.acls);
    assert.equal(loaded.aclCacheSize(), 2);
    apply(loaded, create('/b', digestAcl('unused')));
    assert.equal(loaded.aclIndexOf(loaded.getNode('/b')!.acl), 51, 'the purged index is not reused');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lists are one entry when equal element by element, and apart when scheme, id, perms or order differ however the text lines up', () => {
  const cache = new AclCache();
  const acl = (...entries: [number, string, string][]): ACL[] => entries.map(([perms, scheme, id]) => ({ perms, id: { scheme, id } }));
  const lists = [
    acl([31, 'world', 'anyone']),
    acl([31, 'ab', 'c']),
    acl([31, 'a', 'bc']),
    acl([3, '1', 'x']),
    acl([31, '', 'x']),
    acl([31, 'ip', '127.0.0.1'], [1, 'world', 'anyone']),
    acl([1, 'world', 'anyone'], [31, 'ip', '127.0.0.1']),
    acl([31, 'ip', '127.0.0.1:1world'], [6, 'anyone', '']),
    acl([31, 'world', 'anyone:1:x'], [1, 'a', 'b']),
  ];
  const held = lists.map((l) => cache.addUsage(l));
  assert.equal(new Set(held.map((l) => cache.indexOf(l))).size, lists.length, 'each list its own index');
  // Equal lists, as new arrays (each create decodes its own), share the first one's entry.
  for (const l of lists) assert.equal(cache.indexOf(cache.addUsage(structuredClone(l))), cache.indexOf(cache.addUsage(l)));
});
