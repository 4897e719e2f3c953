// A snapshot file read at start: on a worker thread (a large file) or on the serving thread
// (a small one), the same nodes reach the tree — every kind of data, owner, ACL and name —
// and a file that is not whole fails the same way on both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpCode } from '../../../src/jute/constants';
import { writeSnapshot } from '../../../src/persistence/file-snap';
import { readSnapshot, SNAPSHOT_WORKER_MIN_BYTES } from '../../../src/persistence/snapshot-reader';
import { DataTree } from '../../../src/tree/data-tree';
import { batchEntries, NODE_BATCH_NODES } from '../../../src/tree/node-batch';

const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
const READ = [{ perms: 1, id: { scheme: 'world', id: 'anyone' } }];
const DIGEST = [{ perms: 31, id: { scheme: 'digest', id: 'bob:Rq4JF2sIblS0fqN/kE0sEE0mfQo=' } }];
/** Nodes over several batches, their data over several slabs per batch. */
const NODES = 3 * NODE_BATCH_NODES + 17;
const DATA_BYTES = 400;

/** A tree with null, empty, small, slab-sized and window-sized data, owners of every kind, three ACLs, UTF-8 names. */
function sampleTree(): { tree: DataTree; zxid: number } {
  const tree = new DataTree(true);
  let zxid = 2 ** 32;
  const txn = (body: Parameters<DataTree['processTxn']>[1], clientId = 1n) =>
    tree.processTxn({ clientId, cxid: 0, zxid: ++zxid, time: 1_700_000_000_000 + zxid, type: OpCode.create }, body);
  const create = (path: string, data: Buffer | null, acl = OPEN, ephemeral = false, clientId = 1n) =>
    txn({ kind: 'create', path, data, acl, ephemeral, parentCVersion: -1 }, clientId);
  create('/a', null);
  create('/a/empty', Buffer.alloc(0));
  create('/a/ünïcode-名前', Buffer.from('data'), READ);
  create('/a/digest', Buffer.alloc(20_000, 7), DIGEST);
  create('/a/window', Buffer.alloc(300_000, 9));
  create('/a/eph', Buffer.from('e'), OPEN, true, 0x1234_5678_9abc_def0n);
  txn({ kind: 'createContainer', path: '/c', data: null, acl: OPEN, parentCVersion: -1 });
  txn({ kind: 'createTTL', path: '/c/ttl', data: Buffer.from('t'), acl: OPEN, parentCVersion: -1, ttl: 5000 });
  create('/p', Buffer.alloc(0));
  for (let i = 0; i < NODES; i++) create(`/p/n${i}`, Buffer.alloc(DATA_BYTES, i));
  return { tree, zxid };
}

/** The snapshot file a tree makes: equal files, equal trees. */
async function snapshotBytes(tree: DataTree, sessions: Map<bigint, number>, zxid: number): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'zk-reader-out-'));
  try {
    return readFileSync(join(dir, await writeSnapshot(dir, tree, sessions, zxid)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Where two files first differ (-1: nowhere). */
function firstDifference(a: Buffer, b: Buffer): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return -1;
}

function load(file: string, zxid: number, worker?: boolean): { tree: DataTree; sessions: Map<bigint, number>; readOn: string } {
  const snap = readSnapshot(file, zxid, worker === undefined ? {} : { worker });
  const tree = new DataTree(true);
  tree.loadNodes(snap.batches, snap.zxid, snap.acls);
  return { tree, sessions: snap.sessions, readOn: snap.readOn };
}

test('a snapshot read on a worker and one read here give the tree that was written', async () => {
  const { tree, zxid } = sampleTree();
  const sessions = new Map([[0x1234_5678_9abc_def0n, 30_000], [2n, 4_000]]);
  const dir = mkdtempSync(join(tmpdir(), 'zk-reader-'));
  try {
    const file = join(dir, await writeSnapshot(dir, tree, sessions, zxid));
    // Under the size a worker is started for: by default it is read here.
    assert.ok(statSync(file).size < SNAPSHOT_WORKER_MIN_BYTES);
    const onWorker = load(file, zxid, true);
    assert.equal(onWorker.readOn, 'worker');
    const here = load(file, zxid);
    assert.equal(here.readOn, 'serving thread');
    // Both loads make the same tree: it writes the same snapshot. (Not the file read: a
    // loaded tree lists colliding children in the file's order, as a reloaded ZooKeeper does.)
    const fromWorker = await snapshotBytes(onWorker.tree, onWorker.sessions, zxid);
    const fromHere = await snapshotBytes(here.tree, here.sessions, zxid);
    assert.equal(firstDifference(fromWorker, fromHere), -1, 'the trees loaded on the worker and here write different snapshots');
    for (const loaded of [onWorker, here]) {
      assert.deepEqual(loaded.sessions, sessions);
      assert.equal(loaded.tree.nodeCount, tree.nodeCount);
      // Every node as the tree written had it.
      for (const [path] of batchEntries(readSnapshot(file, zxid, { worker: false }).batches, new Map())) {
        const key = path === '' ? '/' : path;
        const was = tree.getNode(key)!;
        const is = loaded.tree.getNode(key);
        assert.ok(is, `${loaded.readOn}: ${key} is missing`);
        assert.deepEqual(is.stat, was.stat, `${loaded.readOn}: ${key}'s Stat`);
        assert.deepEqual(is.data, was.data, `${loaded.readOn}: ${key}'s data`);
        assert.deepEqual(is.acl, was.acl, `${loaded.readOn}: ${key}'s ACL`);
        assert.deepEqual([...is.children].sort(), [...was.children].sort(), `${loaded.readOn}: ${key}'s children`);
      }
      // What the file holds reaches the tree as the tree had it.
      assert.equal(loaded.tree.getData('/a').data, null);
      assert.equal(loaded.tree.getData('/a/empty').data?.length, 0);
      assert.deepEqual(loaded.tree.getData('/a/window').data, Buffer.alloc(300_000, 9));
      assert.deepEqual(loaded.tree.getData(`/p/n${NODES - 1}`).data, Buffer.alloc(DATA_BYTES, NODES - 1));
      assert.deepEqual(loaded.tree.getACL('/a/ünïcode-名前').acl, READ);
      assert.deepEqual(loaded.tree.getACL('/a/digest').acl, DIGEST);
      assert.equal(loaded.tree.getNode('/a/eph')!.ephemeralOwner, 0x1234_5678_9abc_def0n);
      assert.deepEqual([...loaded.tree.getEphemerals(0x1234_5678_9abc_def0n)], ['/a/eph']);
      assert.deepEqual([...loaded.tree.containers], ['/c']);
      assert.deepEqual([...loaded.tree.ttls], ['/c/ttl']);
      // A node made after the load gets a row of its own, not one of a loaded node.
      loaded.tree.processTxn({ clientId: 1n, cxid: 0, zxid: zxid + 1, time: 5, type: OpCode.create }, { kind: 'create', path: '/new', data: null, acl: OPEN, ephemeral: false, parentCVersion: -1 });
      assert.equal(loaded.tree.getNode('/new')!.czxid, zxid + 1);
      assert.equal(loaded.tree.getNode(`/p/n${NODES - 1}`)!.czxid, tree.getNode(`/p/n${NODES - 1}`)!.czxid);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a snapshot that is not whole fails on the worker as it does here', async () => {
  const { tree, zxid } = sampleTree();
  const dir = mkdtempSync(join(tmpdir(), 'zk-reader-bad-'));
  try {
    const file = join(dir, await writeSnapshot(dir, tree, new Map(), zxid));
    const whole = readFileSync(file);
    const flipped = Buffer.from(whole);
    // A byte of a node's data: only the seal can tell.
    flipped[whole.indexOf(Buffer.alloc(DATA_BYTES, 5)) + DATA_BYTES / 2]! ^= 0xff;
    // And one of the last node's pzxid, in a later window than the first (the checksum is
    // taken a window at a time): the file ends "/" (4 + 1 bytes), the seal (8), "/" again.
    const flippedLate = Buffer.from(whole);
    flippedLate[whole.length - 5 - 8 - 5 - 4]! ^= 0x01;
    const cases: [string, Buffer, RegExp][] = [
      ['a byte flipped', flipped, /checksum mismatch/],
      ['a byte of the last node flipped', flippedLate, /checksum mismatch/],
      ['cut short', whole.subarray(0, Math.floor(whole.length * 0.7)), /record ends early/],
      ['not a snapshot', Buffer.concat([Buffer.from('ZKLG'), whole.subarray(4)]), /not a snapshot/],
    ];
    for (const [what, bytes, error] of cases) {
      writeFileSync(file, bytes);
      const messages = [true, false].map((worker) => {
        try {
          load(file, zxid, worker);
        } catch (e) {
          return (e as Error).message;
        }
        assert.fail(`${what}: loaded on ${worker ? 'the worker' : 'this thread'}`);
      });
      assert.match(messages[0]!, error, what);
      assert.equal(messages[0], messages[1], what);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
