// A background snapshot hands the event loop back between bounded steps: no step — a
// slice of nodes made, and a chunk of them checksummed and written — grows with the tree.
// Large nodes show it: 64 nodes of ~1 MB are serialized, checksummed and written one node's
// worth at a time, not 64 MB in one go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { OpCode } from '../../../src/jute/constants';
import { listSnapshots, SNAPSHOT_CHUNK_BYTES, SNAPSHOT_PAUSE, SNAPSHOT_STEP_NODES, snapshotSlices, writeSnapshot } from '../../../src/persistence/file-snap';
import { readSnapshot } from '../../../src/persistence/snapshot-reader';
import { batchEntries } from '../../../src/tree/node-batch';
import { DataTree } from '../../../src/tree/data-tree';
import { CLK_TCK, cpuTicks } from '../../support/proc-stat';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Large nodes: each close to jute.maxbuffer, the most a client may write. */
const LARGE_NODES = 64;
const LARGE_NODE_BYTES = 1_000_000;
/**
 * The event loop's CPU one step may take. A step here is about one large node (~3 ms of
 * copying and checksumming; the first few, before the JIT, 10-20 ms); serializing and
 * writing all 64 MB at once takes well over 200 ms. CPU time, not wall time: other
 * processes on a loaded machine stretch wall time, not CPU. Read in 10 ms ticks.
 */
const STEP_CPU_MS_MAX = 40;

/**
 * CPU time of the calling thread (the event loop's), in ms. Not process.cpuUsage, which adds
 * every thread's: the GC's helpers sweeping 64 MB of buffers and the threadpool's writes run
 * beside a step and, on a loaded machine whose steps stretch in wall time, charged it with
 * their CPU.
 */
function eventLoopCpu_ms(): number {
  return (cpuTicks('/proc/thread-self/stat') * 1000) / CLK_TCK;
}

/** A tree of `count` children of `parent`, each `bytes` of data (child i filled with i), and its last zxid. */
function treeOf(parent: string, count: number, bytes: number): { tree: DataTree; zxid: number } {
  const tree = new DataTree();
  const acl = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
  let zxid = 0;
  const create = (path: string, data: Buffer, parentCVersion: number): void => {
    tree.processTxn({ clientId: 1n, cxid: 0, zxid: ++zxid, time: 0, type: OpCode.create }, { kind: 'create', path, data, acl, ephemeral: false, parentCVersion });
  };
  create(parent, Buffer.alloc(0), 1);
  for (let i = 0; i < count; i++) create(`${parent}/n${i}`, Buffer.alloc(bytes, i), i + 1);
  return { tree, zxid };
}

test('a background snapshot of 64 MB of nodes yields at least once per ~1 MB node, and no step takes more than 40 ms of CPU', async (t) => {
  const { tree, zxid } = treeOf('/big', LARGE_NODES, LARGE_NODE_BYTES);

  const dir = mkdtempSync(join(tmpdir(), 'zk-slices-'));
  let steps = 0;
  let stepCpuMax_ms = 0;
  let stepStart = eventLoopCpu_ms();
  const yieldBetweenSlices = async (): Promise<void> => {
    stepCpuMax_ms = Math.max(stepCpuMax_ms, eventLoopCpu_ms() - stepStart);
    steps++;
    await new Promise((r) => setImmediate(r));
    stepStart = eventLoopCpu_ms();
  };
  const name = await writeSnapshot(dir, tree, new Map(), zxid, yieldBetweenSlices);

  t.diagnostic(`${steps} steps, the longest ${stepCpuMax_ms.toFixed(1)} ms of CPU`);
  // The loop was given back at least once per large node.
  assert.ok(steps >= LARGE_NODES, `${steps} steps for ${LARGE_NODES} nodes of ${LARGE_NODE_BYTES} bytes`);
  assert.ok(stepCpuMax_ms <= STEP_CPU_MS_MAX, `the longest step took ${stepCpuMax_ms.toFixed(1)} ms of CPU (bound ${STEP_CPU_MS_MAX})`);
  // And the file is whole.
  assert.equal(listSnapshots(dir)[0]?.name, name);
  const read = readSnapshot(join(dir, name), zxid);
  let nodes = 0;
  for (const [, n] of batchEntries(read.batches, read.acls)) if (n.data?.length === LARGE_NODE_BYTES) nodes++;
  assert.equal(nodes, LARGE_NODES);
});

/** The memory test's tree: 40,000 nodes of 1,000 bytes, a 40 MB snapshot. */
const MANY_NODES = 40_000;
const MANY_NODE_BYTES = 1_000;
/** What a background snapshot may hold beyond the tree while it runs: a slice or two, and slack. */
const SNAPSHOT_BUFFERS_BYTES_MAX = 8 * 1024 * 1024;

test(`a background snapshot holds a slice at a time, not the file: ${MANY_NODES} nodes of ${MANY_NODE_BYTES} bytes, buffers grow by at most ${SNAPSHOT_BUFFERS_BYTES_MAX >> 20} MB`, async (t) => {
  const { tree, zxid } = treeOf('/many', MANY_NODES, MANY_NODE_BYTES);
  const dir = mkdtempSync(join(tmpdir(), 'zk-slices-'));
  // What is held, not what awaits collection: measured after a collection, every few slices.
  gc();
  const base = process.memoryUsage().arrayBuffers;
  let peak = base;
  let slices = 0;
  const name = await writeSnapshot(dir, tree, new Map(), zxid, async () => {
    if (++slices % 16 === 0) {
      gc();
      peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    }
    await new Promise((r) => setImmediate(r));
  });
  t.diagnostic(`buffers peaked ${((peak - base) / 2 ** 20).toFixed(1)} MB above the start; the file is ${(statSync(join(dir, name)).size / 2 ** 20).toFixed(1)} MB`);
  assert.ok(peak - base <= SNAPSHOT_BUFFERS_BYTES_MAX, `buffers grew by ${peak - base} bytes while the snapshot was written`);
  let read = 0;
  const again = readSnapshot(join(dir, name), zxid);
  for (const [, n] of batchEntries(again.batches, again.acls)) if (n.data?.length === MANY_NODE_BYTES) read++;
  assert.equal(read, MANY_NODES);
  rmSync(dir, { recursive: true, force: true });
});

/** Small nodes, as most trees hold: many steps, and chunks far fewer. */
const SMALL_NODES = 20_000;
const SMALL_NODE_BYTES = 100;

test(`a snapshot of ${SMALL_NODES} small nodes hands the loop back every ${SNAPSHOT_STEP_NODES} nodes, and writes in chunks of ${SNAPSHOT_CHUNK_BYTES >> 10} KiB`, () => {
  const { tree, zxid } = treeOf('/small', SMALL_NODES, SMALL_NODE_BYTES);
  const parts = [...snapshotSlices(tree, new Map(), zxid)];
  const chunks = parts.filter((p) => p !== SNAPSHOT_PAUSE);
  const bytes = chunks.reduce((n, p) => n + p.length, 0);
  // Every pull is one step: the head, then at most SNAPSHOT_STEP_NODES nodes each.
  assert.ok(parts.length - 1 >= Math.ceil(tree.nodeCount / SNAPSHOT_STEP_NODES), `${parts.length} pulls for ${tree.nodeCount} nodes`);
  // Written a chunk at a time: all but the head and the last fill one.
  for (const c of chunks.slice(1, -1)) assert.ok(c.length >= SNAPSHOT_CHUNK_BYTES, `a chunk of ${c.length} bytes`);
  assert.ok(chunks.length <= Math.ceil(bytes / SNAPSHOT_CHUNK_BYTES) + 2, `${chunks.length} chunks for ${bytes} bytes`);
});
