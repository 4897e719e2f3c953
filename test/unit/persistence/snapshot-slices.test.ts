// A background snapshot hands the event loop back between bounded steps: no step — a
// slice of nodes, checksumming or writing a part of the file — grows with the tree. Large
// nodes show it: 64 nodes of ~1 MB are serialized, checksummed and written one node's
// worth at a time, not 64 MB in one go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpCode } from '../../../src/jute/constants';
import { listSnapshots, readSnapshot, writeSnapshot } from '../../../src/persistence/file-snap';
import { DataTree } from '../../../src/tree/data-tree';

/** Large nodes: each close to jute.maxbuffer, the most a client may write. */
const LARGE_NODES = 64;
const LARGE_NODE_BYTES = 1_000_000;
/**
 * The CPU one step may take. A step here is about one large node (~2 ms of copying and
 * checksumming); serializing and writing all 64 MB at once takes well over 200 ms. CPU
 * time, not wall time: other processes on a loaded machine stretch wall time, not CPU.
 */
const STEP_CPU_MS_MAX = 40;

test('a background snapshot of 64 MB of nodes yields at least once per ~1 MB node, and no step takes more than 40 ms of CPU', async (t) => {
  const tree = new DataTree();
  const acl = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
  let zxid = 0;
  const create = (path: string, data: Buffer): void => {
    const parent = tree.getNode(path.slice(0, path.lastIndexOf('/')) || '/')!;
    tree.processTxn({ clientId: 1n, cxid: 0, zxid: ++zxid, time: 0, type: OpCode.create }, { kind: 'create', path, data, acl, ephemeral: false, parentCVersion: parent.stat.cversion + 1 });
  };
  create('/big', Buffer.alloc(0));
  for (let i = 0; i < LARGE_NODES; i++) create(`/big/n${i}`, Buffer.alloc(LARGE_NODE_BYTES, i));

  const dir = mkdtempSync(join(tmpdir(), 'zk-slices-'));
  let steps = 0;
  let stepCpuMax_ms = 0;
  let stepStart = process.cpuUsage();
  const yieldBetweenSlices = async (): Promise<void> => {
    const used = process.cpuUsage(stepStart);
    stepCpuMax_ms = Math.max(stepCpuMax_ms, (used.user + used.system) / 1000);
    steps++;
    await new Promise((r) => setImmediate(r));
    stepStart = process.cpuUsage();
  };
  const name = await writeSnapshot(dir, tree, new Map(), zxid, yieldBetweenSlices);

  t.diagnostic(`${steps} steps, the longest ${stepCpuMax_ms.toFixed(1)} ms of CPU`);
  // Serializing and writing each gave the loop back at least once per large node.
  assert.ok(steps >= 2 * LARGE_NODES, `${steps} steps for ${LARGE_NODES} nodes of ${LARGE_NODE_BYTES} bytes`);
  assert.ok(stepCpuMax_ms <= STEP_CPU_MS_MAX, `the longest step took ${stepCpuMax_ms.toFixed(1)} ms of CPU (bound ${STEP_CPU_MS_MAX})`);
  // And the file is whole.
  assert.equal(listSnapshots(dir)[0]?.name, name);
  const read = readSnapshot(join(dir, name), zxid);
  let nodes = 0;
  for (const [, n] of read.nodes) if (n.data?.length === LARGE_NODE_BYTES) nodes++;
  assert.equal(nodes, LARGE_NODES);
});
