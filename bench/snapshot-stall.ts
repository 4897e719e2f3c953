// What a background snapshot costs the server: a tree of --znodes znodes of 100 bytes under
// --parents parents, one snapshot written as the server writes it in the background
// (slices with setImmediate in between), and meanwhile a 1 ms timer that records each gap
// between its runs. Reports the longest gap and the p99 (wall time: on a loaded machine
// other processes stretch it), the CPU of each step between yields (what the snapshot
// itself costs the loop, robust to load; the process's, so the pool's writes and the GC's
// helpers count too) and its wall time (what a request arriving during a step waits, on an
// idle machine; a step that writes a chunk counts the write's wait too), and the CPU per
// znode; then the file is loaded back as a start loads it (readSnapshot +
// DataTree.loadNodes), timed with its CPU. A last, untimed snapshot measures the buffers
// it held (the peak above the start, after a collection every few slices: collections in
// the timed runs would be the figure).
// --src DIR runs the code of another checkout (a baseline: `git worktree add DIR <commit>`),
// so that before and after are measured on the same machine in one sitting.
// Run: node --expose-gc --import tsx bench/snapshot-stall.ts [--znodes 300000] [--parents 1000] [--runs 3] [--src DIR]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    znodes: { type: 'string', default: '300000' },
    parents: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '3' },
    src: { type: 'string', default: resolve(import.meta.dirname, '..') },
  },
});
const ZNODES = Number(values.znodes);
const PARENTS = Number(values.parents);
const RUNS = Number(values.runs);
const SRC = resolve(values.src!);
/** Buffers are measured after a collection once in this many slices (a collection each would be the figure). */
const GC_EVERY_SLICES = 32;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

const cpu_ms = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};

async function main(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc (the buffers held are measured after a collection)');
  const { OpCode } = (await import(join(SRC, 'src/jute/constants.ts'))) as typeof import('../src/jute/constants');
  const { writeSnapshot } = (await import(join(SRC, 'src/persistence/file-snap.ts'))) as typeof import('../src/persistence/file-snap');
  const { readSnapshot } = (await import(join(SRC, 'src/persistence/snapshot-reader.ts'))) as typeof import('../src/persistence/snapshot-reader');
  const { DataTree } = (await import(join(SRC, 'src/tree/data-tree.ts'))) as typeof import('../src/tree/data-tree');

  const tree = new DataTree();
  const acl = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
  const data = Buffer.alloc(100, 'd');
  let zxid = 0;
  const create = (path: string): void => {
    const parent = tree.getNode(path.slice(0, path.lastIndexOf('/')) || '/')!;
    tree.processTxn({ clientId: 1n, cxid: 0, zxid: ++zxid, time: 0, type: OpCode.create }, { kind: 'create', path, data, acl, ephemeral: false, parentCVersion: parent.cversion + 1 });
  };
  for (let p = 0; p < PARENTS; p++) create(`/p${p}`);
  for (let i = 0; i < ZNODES; i++) create(`/p${i % PARENTS}/n${i}`);
  console.log(`${SRC}: ${ZNODES} znodes under ${PARENTS} parents`);

  for (let run = 1; run <= RUNS + 1; run++) {
    const measureHeld = run > RUNS;
    const dir = mkdtempSync(join(tmpdir(), 'zk-bench-snap-'));
    const gaps: number[] = [];
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      gaps.push(now - last);
      last = now;
    }, 1);
    const steps: number[] = [];
    const stepsWall: number[] = [];
    if (measureHeld) gc();
    const buffersAtStart = process.memoryUsage().arrayBuffers;
    let buffersPeak = buffersAtStart;
    let stepStart = process.cpuUsage();
    let stepStartWall = performance.now();
    const cpuStart = process.cpuUsage();
    const started = performance.now();
    const name = await writeSnapshot(dir, tree, new Map(), zxid, async () => {
      steps.push(cpu_ms(stepStart));
      stepsWall.push(performance.now() - stepStartWall);
      if (measureHeld && steps.length % GC_EVERY_SLICES === 0) {
        gc();
        buffersPeak = Math.max(buffersPeak, process.memoryUsage().arrayBuffers);
      }
      await new Promise((r) => setImmediate(r));
      stepStart = process.cpuUsage();
      stepStartWall = performance.now();
    });
    const took = performance.now() - started;
    const cpu = cpu_ms(cpuStart);
    clearInterval(timer);
    gaps.sort((a, b) => a - b);
    steps.sort((a, b) => a - b);
    stepsWall.sort((a, b) => a - b);
    const size_MB = statSync(join(dir, name)).size / 2 ** 20;
    if (measureHeld) {
      rmSync(dir, { recursive: true, force: true });
      console.log(`buffers held while a snapshot was written: ${((buffersPeak - buffersAtStart) / 2 ** 20).toFixed(1)} MB at most (of a ${size_MB.toFixed(0)} MB file)`);
      break;
    }

    const loadCpu = process.cpuUsage();
    const loadStart = performance.now();
    const loaded = new DataTree();
    const snap = readSnapshot(join(dir, name), zxid);
    loaded.loadNodes(snap.batches, snap.zxid, snap.acls);
    const loadTook = performance.now() - loadStart;
    const loadCpu_ms = cpu_ms(loadCpu);
    rmSync(dir, { recursive: true, force: true });

    console.log(
      `run ${run}: snapshot (${size_MB.toFixed(0)} MB) in ${took.toFixed(0)} ms, ${cpu.toFixed(0)} ms of CPU = ${((cpu * 1000) / ZNODES).toFixed(2)} µs per znode; ` +
        `${steps.length} steps, CPU per step longest ${(steps.at(-1) ?? 0).toFixed(1)} ms, p99 ${percentile(steps, 0.99).toFixed(1)} ms, ` +
        `wall per step median ${percentile(stepsWall, 0.5).toFixed(2)}, p99 ${percentile(stepsWall, 0.99).toFixed(2)}, longest ${(stepsWall.at(-1) ?? 0).toFixed(1)} ms; ` +
        `event loop gap longest ${(gaps.at(-1) ?? 0).toFixed(1)} ms, p99 ${percentile(gaps, 0.99).toFixed(1)} ms; ` +
        `loaded back in ${loadTook.toFixed(0)} ms, ${loadCpu_ms.toFixed(0)} ms of CPU (${loaded.nodeCount} nodes)`,
    );
  }
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
