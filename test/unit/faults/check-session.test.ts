import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CheckResult, Histories } from '../../faults/history';
import { checkSessionReads, checkSessionZxids, checkSyncedReads } from '../../faults/check-session';
import { cas, inSession, read, write, writeUnknown } from './register-ops';

function histories(partial: Partial<Histories>): Histories {
  return { register: [], set: [], ephemeral: [], syncedRead: [], registerInitial: { value: 0, version: 0 }, ...partial };
}

function anomaly(r: CheckResult): string | undefined {
  return r.valid === false ? r.anomaly : undefined;
}

const A = '0x100000001';
const B = '0x100000002';

test('reply zxids per session may repeat and grow; one going back is an anomaly naming both replies', () => {
  const fine = [inSession(read(0, 0, 1, 0, 0), A, 5), inSession(write(0, 2, 3, 1, 1), A, 7), inSession(read(0, 4, 5, 1, 1), A, 7)];
  // Another session on a member that lags sees lower zxids: allowed.
  const other = [inSession(read(1, 6, 7, 0, 0), B, 3)];
  assert.equal(checkSessionZxids(histories({ register: [...fine, ...other] })).valid, true);
  const back = inSession(read(0, 8, 9, 1, 1), A, 6);
  const r = checkSessionZxids(histories({ register: [...fine, ...other, back] }));
  assert.equal(anomaly(r), 'session-zxid-went-back');
  if (r.valid === false) assert.deepEqual(r.witnesses, [fine[1], back]);
  // Across the histories: a set operation of the same session counts too.
  const add = { process: 0, session: A, f: 'add' as const, input: { element: 1 }, output: { path: '/s/e-0000000000' }, outcome: 'ok' as const, invokedAt: 10, completedAt: 11, zxid: 4 };
  assert.equal(anomaly(checkSessionZxids(histories({ register: fine, set: [add] }))), 'session-zxid-went-back');
  // An operation with no reply has no zxid to compare.
  assert.equal(checkSessionZxids(histories({ register: [...fine, { ...back, outcome: 'unknown' }] })).valid, true);
});

test("a session's reads never go back in version, and follow its own writes", () => {
  const up = [inSession(read(0, 0, 1, 0, 0), A), inSession(write(1, 0, 2, 1, 1), B), inSession(read(0, 3, 4, 1, 1), A)];
  assert.equal(checkSessionReads(histories({ register: up })).valid, true);
  const back = inSession(read(0, 5, 6, 0, 0), A);
  assert.equal(anomaly(checkSessionReads(histories({ register: [...up, back] }))), 'session-read-went-back');
  // Session B wrote version 1; its own later read must see it.
  const mine = inSession(read(1, 7, 8, 0, 0), B);
  assert.equal(anomaly(checkSessionReads(histories({ register: [...up, mine] }))), 'session-read-went-back');
  // A third session may still see version 0 (its member lags): sequentially consistent.
  assert.equal(checkSessionReads(histories({ register: [...up, inSession(read(2, 9, 10, 0, 0), '0x3')] })).valid, true);
});

test('a read sees a state the register had: the value the write of that version wrote', () => {
  const w = inSession(write(0, 0, 1, 5, 1), A);
  assert.equal(anomaly(checkSessionReads(histories({ register: [w, inSession(read(1, 2, 3, 9, 1), B)] }))), 'read-of-state-never-written');
  assert.equal(anomaly(checkSessionReads(histories({ register: [w, inSession(read(1, 2, 3, 3, 0), B)] }))), 'read-of-state-never-written');
  // Version 2 made by a write that got no answer: its value may be seen.
  const lost = writeUnknown(2, 2, 3, 7);
  assert.equal(checkSessionReads(histories({ register: [w, lost, inSession(read(1, 4, 5, 7, 2), B)] })).valid, true);
  assert.equal(anomaly(checkSessionReads(histories({ register: [w, lost, inSession(read(1, 4, 5, 8, 2), B)] }))), 'read-of-state-never-written');
  // Two reads of one version with different values.
  const two = [inSession(read(1, 4, 5, 7, 2), B), inSession(read(2, 4, 5, 6, 2), '0x3'), writeUnknown(3, 0, 1, 6)];
  assert.equal(anomaly(checkSessionReads(histories({ register: [w, lost, ...two] }))), 'read-of-state-never-written');
});

test('a read after sync sees every write acknowledged before the sync was invoked', () => {
  const writes = [write(0, 0, 10, 1, 1), cas(0, 11, 20, 1, 2)];
  const synced = { ...inSession(read(1, 15, 16, 1, 1), B), syncInvokedAt: 12 };
  // The cas completed at 20, after the sync was invoked at 12: version 1 is fresh enough.
  assert.equal(checkSyncedReads(histories({ register: writes, syncedRead: [synced] })).valid, true);
  const late = { ...inSession(read(1, 25, 26, 1, 1), B), syncInvokedAt: 21 };
  const r = checkSyncedReads(histories({ register: writes, syncedRead: [late] }));
  assert.equal(anomaly(r), 'stale-synced-read');
  if (r.valid === false) assert.deepEqual(r.witnesses, [writes[1], late]);
  // Without syncInvokedAt the read's own invocation is the line.
  const { syncInvokedAt: _, ...noSync } = late;
  assert.equal(anomaly(checkSyncedReads(histories({ register: writes, syncedRead: [noSync] }))), 'stale-synced-read');
});
