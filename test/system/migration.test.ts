// The rolling migration from Apache ZooKeeper 3.8 to zookeeper-ts and back, on real
// processes under continuous load (our client and kazoo: sequential creates, CAS on a
// counter, a long session holding ephemerals and watches): three Apache members on
// 127.0.40.1–3 with the real ports, Apache's own rolling restart first, then each member
// replaced by ours over its own dataDir and myid (followers first, the leader last), then by
// Apache again. No acknowledged write may be lost, no session may expire, the long session's
// ephemerals and watches must survive, a session's reads never go back; each step's
// no-write window is printed beside Apache's rolling restart's.
// `npm run migration -- --rounds N` runs it longer, with more load.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runMigration } from './migration/run';

/** Two writers of each client and a 20 ms pause per round: continuous load that two busy cores carry beside three members. */
const LOAD = { ours: 2, kazoo: 2, pause_ms: 20, sessionTimeout_ms: 10_000 };

test('Apache 3.8 → zookeeper-ts → Apache 3.8, one member at a time under load: no acknowledged write lost, no session expired, watches and ephemerals intact, reads never back in time', { timeout: 480_000 }, async () => {
  const { anomalies, figures } = await runMigration({ hosts: ['127.0.40.1', '127.0.40.2', '127.0.40.3'], rounds: 1, load: LOAD, log: (l) => console.log(l) });
  for (const f of figures) console.log(`# ${f}`);
  for (const [check, found] of Object.entries(anomalies)) assert.deepEqual(found, [], check);
});
