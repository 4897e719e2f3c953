// The WatchManager's compact table: one watcher held inline, several in a Set, modes on
// the side; counts stay exact through adds, fires and removals; memory per watch bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { EventType } from '../../../src/jute/constants';
import { WatchManager, WatcherMode, type Watcher } from '../../../src/tree/watch-manager';

const watcher = (id: bigint, got: string[] = []): Watcher => ({ sessionId: id, authInfo: [], process: (e) => got.push(`${id} ${e.type} ${e.path}`) });

test('a standard watch fires once, a persistent one stays, and counts follow both', () => {
  const got: string[] = [];
  const [a, b] = [watcher(1n, got), watcher(2n, got)];
  const m = new WatchManager();
  m.addWatch('/x', a);
  m.addWatch('/x', b, WatcherMode.PERSISTENT);
  m.addWatch('/x', a); // again: still one watch
  assert.deepEqual([m.size, m.pathCount, m.watcherCount], [2, 1, 2]);
  m.triggerWatch('/x', EventType.NodeDataChanged);
  m.triggerWatch('/x', EventType.NodeDataChanged);
  assert.deepEqual(got, ['1 3 /x', '2 3 /x', '2 3 /x']);
  assert.deepEqual([m.size, m.pathCount, m.watcherCount], [1, 1, 1]);
  m.addWatch('/y/z', a, WatcherMode.PERSISTENT_RECURSIVE);
  m.triggerWatch('/y/z/w', EventType.NodeCreated);
  assert.equal(got.at(-1), '1 1 /y/z/w');
  m.removeAllWatches(b);
  m.removeAllWatches(a);
  assert.deepEqual([m.size, m.pathCount, m.watcherCount, [...m.byPath()].length], [0, 0, 0, 0]);
});

/** A full collection, whether or not node was started with --expose-gc. */
function collectGarbage(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

test('memory per watch stays well under what it was (239 bytes before the compact table)', () => {
  const gc = collectGarbage();
  const paths = Array.from({ length: 100_000 }, (_, i) => `/n/${i}`);
  const m = new WatchManager();
  const w = watcher(1n);
  gc();
  const before = process.memoryUsage().heapUsed;
  for (const p of paths) m.addWatch(p, w);
  gc();
  const perWatch = (process.memoryUsage().heapUsed - before) / paths.length;
  assert.ok(perWatch < 120, `${perWatch.toFixed(0)} bytes per watch`);
});
