import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkAll } from '../../faults/check';
import type { Histories } from '../../faults/history';
import { read, write } from './register-ops';

function histories(partial: Partial<Histories>): Histories {
  return { register: [], set: [], ephemeral: [], syncedRead: [], ...partial };
}

test('checkAll names one result per checker; a stale plain read fails only the check ZooKeeper does not promise', () => {
  const h = histories({ register: [write(0, 0, 1, 5, 1), read(1, 2, 3, 0, 0)], registerInitial: { value: 0, version: 0 } });
  const results = checkAll(h);
  const byName = new Map(results.map((r) => [r.checker, r]));
  assert.equal(byName.size, results.length, 'checker names are unique');
  assert.equal(byName.get('register-writes-linearizable')?.valid, true);
  assert.equal(byName.get('register-writes-linearizable')?.promised, true);
  assert.equal(byName.get('register-reads-linearizable')?.valid, false);
  assert.equal(byName.get('register-reads-linearizable')?.promised, false);
});

test('checkAll on empty histories: every checker, each once, valid', () => {
  const results = checkAll(histories({}));
  assert.deepEqual(
    results.map((r) => r.checker),
    ['register-writes-linearizable', 'register-reads-linearizable', 'session-zxids-monotonic', 'session-reads-sequential', 'synced-read-not-stale', 'set', 'ephemerals'],
  );
  for (const r of results) assert.equal(r.valid, true, r.checker);
});
