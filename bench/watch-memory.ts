// Bytes per watch in the WatchManager: 200k watches of one connection on 200k distinct
// paths (the shape of a client watching a large tree), heap measured after gc.
// Run: node --expose-gc --import tsx bench/watch-memory.ts [watches]
import { DataTree } from '../src/tree/data-tree';
import type { Watcher } from '../src/tree/watch-manager';

const WATCHES = Number(process.argv[2] ?? 200_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run node with --expose-gc');

function heap(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

const tree = new DataTree();
const watcher: Watcher = { sessionId: 1n, authInfo: [], process: () => {} };
// The paths exist before the watches do (they are the znodes' own strings in a server).
const paths = Array.from({ length: WATCHES }, (_, i) => `/app/node-${i}`);
const before = heap();
for (const p of paths) tree.dataWatches.addWatch(p, watcher);
const after = heap();
console.log(`${WATCHES} watches: ${((after - before) / WATCHES).toFixed(0)} bytes per watch (heap ${((after - before) / 1048576).toFixed(1)} MiB)`);
if (tree.dataWatches.size !== WATCHES) throw new Error('lost watches');
