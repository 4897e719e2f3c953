// The migration run's checks (test/system/migration/checks.ts) on small hand-made histories:
// each passes a clean history and names the anomaly it is there to catch, so that the
// migration test's "no anomalies" cannot come from a check that never fires.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RegisterOp, SetOp } from '../faults/history';
import { eachClientsWritesInOrder, measureUnavailability, noAcknowledgedWriteLost, readsNeverGoBack, sessionsIntact, type FinalState } from './migration/checks';
import type { Step } from './migration/rolling';
import { PATHS, type WorkloadResult } from './migration/workload';

const S = 'a1';
const add = (process: number, element: number, seq: number, at: number, zxid: number): SetOp => ({ process, session: S + process, f: 'add', input: { element }, output: { path: `${PATHS.set}/e-${String(seq).padStart(10, '0')}` }, outcome: 'ok', invokedAt: at, completedAt: at + 1, zxid });
const cas = (process: number, from: number, at: number, zxid: number): RegisterOp => ({ process, session: S + process, f: 'cas', input: { expectedVersion: from, value: from + 1 }, output: { version: from + 1 }, outcome: 'ok', invokedAt: at, completedAt: at + 1, zxid });
const read = (process: number, version: number, at: number, zxid: number): RegisterOp => ({ process, session: S + process, f: 'read', input: null, output: { value: version, version }, outcome: 'ok', invokedAt: at, completedAt: at + 1, zxid });

function clean(): { r: WorkloadResult; finals: FinalState[] } {
  const r: WorkloadResult = {
    histories: {
      set: [add(1, 1, 0, 0, 2), add(2, 2, 1, 1, 3), add(1, 3, 2, 10, 5)],
      register: [read(1, 0, 2, 3), cas(1, 0, 4, 4), read(2, 1, 5, 4), cas(2, 1, 6, 6)],
      ephemeral: [{ process: 1000, f: 'exists', input: { path: `${PATHS.eph}/long-a`, owner: 'f00' }, output: { exists: true, ephemeralOwner: 'f00' }, outcome: 'ok', invokedAt: 20, completedAt: 21 }],
      syncedRead: [],
    },
    sessions: [
      { process: 1000, client: 'long', sessions: ['f00'], expired: false, reconnects: 2, zxidBackwards: [], watchEvents: [{ type: 3, path: PATHS.watched }, { type: 1, path: PATHS.absent }, { type: 4, path: PATHS.kids }] },
      { process: 101, client: 'kazoo', sessions: ['k1'], expired: false, reconnects: 1, zxidBackwards: [], ephemeralOwner: 'k1', watchEvents: [{ type: 'CHANGED', path: PATHS.watched }] },
    ],
    longEphemerals: [`${PATHS.eph}/long-a`],
    longSession: 'f00',
  };
  const children = new Set(['e-0000000000', 'e-0000000001', 'e-0000000002']);
  return { r, finals: [1, 2, 3].map((myid) => ({ myid, children, counter: { value: 2, version: 2 } })) };
}

test('a clean history passes every check', () => {
  const { r, finals } = clean();
  assert.deepEqual([...noAcknowledgedWriteLost(r, finals), ...eachClientsWritesInOrder(r), ...sessionsIntact(r), ...readsNeverGoBack(r)], []);
});

test('an acknowledged create missing on one member, or a counter behind an acknowledged CAS, is a lost write', () => {
  const { r, finals } = clean();
  finals[1] = { ...finals[1]!, children: new Set(['e-0000000000', 'e-0000000002']) };
  finals[2] = { ...finals[2]!, counter: { value: 1, version: 1 } };
  const found = noAcknowledgedWriteLost(r, finals);
  assert.equal(found.length, 3, found.join('\n'));
  assert.match(found[0]!, /member 2 lacks 1 acknowledged creates/);
  assert.match(found[1]!, /member 3: counter at version 1, below the acknowledged 2/);
});

test('two acknowledged CAS that made the same version, or a value off its version, are lost updates', () => {
  const { r, finals } = clean();
  r.histories.register.push(cas(2, 1, 7, 7));
  finals[0] = { ...finals[0]!, counter: { value: 3, version: 2 } };
  const found = noAcknowledgedWriteLost(r, finals).join('\n');
  assert.match(found, /2 acknowledged CAS all made version 2/);
  assert.match(found, /member 1: counter value 3 at version 2/);
});

test("a client's later create with a lower sequence number is out of its order", () => {
  const { r } = clean();
  r.histories.set.push(add(1, 4, 1, 30, 9));
  assert.match(eachClientsWritesInOrder(r).join('\n'), /client 1: create \/mig\/set\/e-0000000001 after \/mig\/set\/e-0000000002/);
});

test("a session's reply zxid or counter version going back is caught", () => {
  const { r } = clean();
  r.histories.register.push(read(2, 0, 40, 5));
  const found = readsNeverGoBack(r).join('\n');
  assert.match(found, /session a12: reply zxid 0x5 after 0x6/);
  assert.match(found, /session a12: counter version 0 seen after 2/);
});

test('an expired or replaced session, a foreign ephemeral owner and a watch that did not fire are caught', () => {
  const { r } = clean();
  r.sessions[0]!.watchEvents = [{ type: 3, path: PATHS.watched }];
  r.sessions[1] = { ...r.sessions[1]!, sessions: ['k1', 'k2'], expired: true, ephemeralOwner: 'k2', watchEvents: [] };
  r.histories.ephemeral[0] = { ...r.histories.ephemeral[0]!, output: { exists: false } } as WorkloadResult['histories']['ephemeral'][number];
  const found = sessionsIntact(r).join('\n');
  for (const want of [/session k1 then k2 expired/, /had sessions k1, k2/, /ephemeral's owner is k2/, /did not fire/, /watch event "1 \/mig\/absent" did not come/, /long-a: \{"exists":false\}/]) assert.match(found, want);
});

test("a step's unavailability is the longest gap between acknowledged writes that overlaps it", () => {
  const step = { stoppedAt: 100, wholeAt: 200 } as Step;
  const elsewhere = { stoppedAt: 1000, wholeAt: 1100 } as Step;
  measureUnavailability([step, elsewhere], [10, 90, 150, 400, 990, 1010, 1020, 1030, 1095, 1200]);
  assert.equal(step.unavailable_ms, 250);
  assert.equal(step.unavailableFrom_ms, 50);
  assert.equal(elsewhere.unavailable_ms, 105);
});
