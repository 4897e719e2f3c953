// How long a background snapshot holds the event loop: a tree of --znodes znodes of 100
// bytes under --parents parents, one snapshot written as the server writes it in the
// background (slices with setImmediate in between), and meanwhile a 1 ms timer that
// records each gap between its runs. Reports the longest gap and the p99 (wall time: on a
// loaded machine other processes stretch it), and the CPU of each step between yields
// (what the snapshot itself costs the loop, robust to load).
// Run: node --import tsx bench/snapshot-stall.ts [znodes] [parents]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpCode } from '../src/jute/constants';
import { writeSnapshot } from '../src/persistence/file-snap';
import { DataTree } from '../src/tree/data-tree';

const ZNODES = Number(process.argv[2] ?? 300_000);
const PARENTS = Number(process.argv[3] ?? 1000);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

async function main(): Promise<void> {
  const tree = new DataTree();
  const acl = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
  const data = Buffer.alloc(100, 'd');
  let zxid = 0;
  const create = (path: string): void => {
    const parent = tree.getNode(path.slice(0, path.lastIndexOf('/')) || '/')!;
    tree.processTxn({ clientId: 1n, cxid: 0, zxid: ++zxid, time: 0, type: OpCode.create }, { kind: 'create', path, data, acl, ephemeral: false, parentCVersion: parent.stat.cversion + 1 });
  };
  for (let p = 0; p < PARENTS; p++) create(`/p${p}`);
  for (let i = 0; i < ZNODES; i++) create(`/p${i % PARENTS}/n${i}`);

  const dir = mkdtempSync(join(tmpdir(), 'zk-bench-snap-'));
  const gaps: number[] = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    gaps.push(now - last);
    last = now;
  }, 1);
  const steps: number[] = [];
  let stepStart = process.cpuUsage();
  const started = performance.now();
  await writeSnapshot(dir, tree, new Map(), zxid, async () => {
    const used = process.cpuUsage(stepStart);
    steps.push((used.user + used.system) / 1000);
    await new Promise((r) => setImmediate(r));
    stepStart = process.cpuUsage();
  });
  const took = performance.now() - started;
  clearInterval(timer);
  rmSync(dir, { recursive: true, force: true });
  gaps.sort((a, b) => a - b);
  steps.sort((a, b) => a - b);
  console.log(`${ZNODES} znodes under ${PARENTS} parents: snapshot in ${took.toFixed(0)} ms, ${steps.length} steps`);
  console.log(`event loop gap: longest ${(gaps.at(-1) ?? 0).toFixed(1)} ms, p99 ${percentile(gaps, 0.99).toFixed(1)} ms`);
  console.log(`CPU per step: longest ${(steps.at(-1) ?? 0).toFixed(1)} ms, p99 ${percentile(steps, 0.99).toFixed(1)} ms, median ${percentile(steps, 0.5).toFixed(2)} ms`);
}

void main();
