// What a large tree costs in memory once loaded from a snapshot, and while it loads: each
// znode is one object (no Stat object, no Set for a leaf, no Buffer object for its data,
// which sits in shared slabs), and the snapshot file is read in chunks, never held whole.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { OpCode } from '../../../src/jute/constants';
import { writeSnapshot } from '../../../src/persistence/file-snap';
import { readSnapshot } from '../../../src/persistence/snapshot-reader';
import { LOG_READ_CHUNK_BYTES } from '../../../src/persistence/file-txn-log';
import { DataTree } from '../../../src/tree/data-tree';
import type { NodeBatch } from '../../../src/tree/node-batch';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** The benchmark's shape (bench/startup.ts), smaller: 100-byte znodes under 20 parents. */
const ZNODES = 50_000;
const PARENTS = 20;
/**
 * Heap and buffers per loaded znode of 100 bytes (path /pN/nM): the node, its path, its
 * entries in the tree's map and its parent's set, and its data. Measured 389 (Node 20,
 * 64-bit); 784 before (a Stat object, a Set per leaf, a Buffer object per data).
 */
const BYTES_PER_ZNODE_MAX = 500;
/** The chunked read's test: 1000-byte znodes, a file of 20 MB. */
const LARGE_ZNODES = 20_000;
/** The first zxid of epoch 1. */
const EPOCH_1 = 2 ** 32;
/** What reading may hold beyond the data it loads: the reused chunk, and some slack. */
const READ_BUFFERS_BYTES_MAX = 4 * LOG_READ_CHUNK_BYTES;

async function snapshotOf(znodes: number, dataBytes: number): Promise<{ dir: string; file: string; zxid: number }> {
  const tree = new DataTree();
  const acl = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
  // A server's zxids carry its epoch in the high 32 bits: past V8's small integers, as in any real tree.
  let zxid = EPOCH_1;
  const create = (path: string, data: Buffer) =>
    tree.processTxn({ clientId: 1n, cxid: 0, zxid: ++zxid, time: 1_700_000_000_000, type: OpCode.create }, { kind: 'create', path, data, acl, ephemeral: false, parentCVersion: -1 });
  for (let p = 0; p < PARENTS; p++) create(`/p${p}`, Buffer.alloc(0));
  for (let i = 0; i < znodes; i++) create(`/p${i % PARENTS}/n${i}`, Buffer.alloc(dataBytes, i));
  const dir = mkdtempSync(join(tmpdir(), 'zk-tree-memory-'));
  const name = await writeSnapshot(dir, tree, new Map(), zxid);
  return { dir, file: join(dir, name), zxid };
}

function used(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

test(`a tree of ${ZNODES} 100-byte znodes loaded from a snapshot holds at most ${BYTES_PER_ZNODE_MAX} bytes per znode`, async () => {
  const { dir, file, zxid } = await snapshotOf(ZNODES, 100);
  try {
    const before = used();
    const tree = new DataTree();
    // The reader (and its chunk) goes once loaded, as at a server's start.
    (() => {
      const snap = readSnapshot(file, zxid);
      tree.loadNodes(snap.batches, snap.zxid, snap.acls);
    })();
    const perZnode = (used() - before) / ZNODES;
    console.log(`# ${perZnode.toFixed(0)} bytes per znode`);
    assert.equal(tree.nodeCount, ZNODES + PARENTS + 5);
    assert.ok(perZnode <= BYTES_PER_ZNODE_MAX, `${perZnode.toFixed(0)} bytes per znode (bound ${BYTES_PER_ZNODE_MAX})`);
    // Still the same tree: data, Stat, children.
    assert.deepEqual(tree.getData('/p3/n12343').data, Buffer.alloc(100, 12343));
    assert.equal(tree.getData('/p3/n12343').stat.mzxid, EPOCH_1 + PARENTS + 12343 + 1);
    assert.equal(tree.getChildren('/p7').children.length, ZNODES / PARENTS);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loading a snapshot holds a chunk of the file at a time, not the file (1000-byte znodes: a 20 MB file)', async () => {
  const { dir, file, zxid } = await snapshotOf(LARGE_ZNODES, 1000);
  try {
    const fileBytes = statSync(file).size;
    const dataBytes = LARGE_ZNODES * 1000;
    // What the test before left for the collector goes first: it would pass for room made.
    used();
    const before = process.memoryUsage().arrayBuffers;
    let peak = 0;
    const snap = readSnapshot(file, zxid);
    function* sampled(): Generator<NodeBatch> {
      for (const b of snap.batches) {
        peak = Math.max(peak, process.memoryUsage().arrayBuffers - before);
        yield b;
      }
    }
    const tree = new DataTree();
    tree.loadNodes(sampled(), snap.zxid, snap.acls);
    console.log(`# buffers peaked ${(peak / 1e6).toFixed(1)} MB above the start`);
    assert.ok(fileBytes > dataBytes);
    // The data loaded so far, in slabs, plus at most the chunk: not the file besides.
    assert.ok(peak <= dataBytes + READ_BUFFERS_BYTES_MAX, `buffers grew by ${(peak / 1e6).toFixed(1)} MB while loading ${(dataBytes / 1e6).toFixed(0)} MB of data from a ${(fileBytes / 1e6).toFixed(0)} MB file`);
    assert.deepEqual(tree.getData(`/p0/n${LARGE_ZNODES - PARENTS}`).data, Buffer.alloc(1000, LARGE_ZNODES - PARENTS));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
