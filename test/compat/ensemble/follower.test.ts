// Our learner (the Learner core behind FollowLeader, in this process) following an Apache
// ZooKeeper 3.8 leader on the real quorum port: it syncs, logs and acknowledges proposals,
// and applies commits — and its ACKs count toward the leader's quorum.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { ZooKeeperClient } from '../../../src/client/zookeeper-client';
import { Election } from '../../../src/quorum/election';
import { FollowLeader } from '../../../src/quorum/follow-leader';
import { ServerState } from '../../../src/quorum/vote';
import { srvrOnceServing, startApacheMember, startOurElection, type ApacheMember, type MemberSpec } from '../../support/ensemble';
import { MemoryDatabase } from '../../support/memory-database';

const members: MemberSpec[] = [1, 2, 3].map((myid) => ({ myid, host: `127.0.5.${10 + myid}` }));
const running: { stop(): unknown }[] = [];
afterEach(async () => {
  for (const r of running.splice(0).reverse()) await r.stop();
});

const quiet = { info: () => {}, warn: (l: string) => console.error(`ours: ${l}`) };

/** Our election for `myid`, in this process, on its member's election address. */
async function ourElection(myid: number): Promise<Election> {
  const e = await startOurElection(members, myid, quiet);
  running.push(e);
  return e;
}

async function apache(myid: number): Promise<ApacheMember> {
  const m = await startApacheMember(members.find((s) => s.myid === myid)!, members);
  running.push(m);
  return m;
}

async function eventually(what: string, check: () => boolean, timeout_ms = 20_000): Promise<void> {
  const deadline = Date.now() + timeout_ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`${what}: not within ${timeout_ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('ours follows an Apache leader: synced by DIFF, proposals acknowledged, commits applied; its ACKs make the quorum when the other follower is gone', { timeout: 180_000 }, async () => {
  const ours = await ourElection(1);
  const a2 = await apache(2);
  const a3 = await apache(3);
  await a3.waitForLog(/LEADING - LEADER ELECTION TOOK/, 60_000);
  assert.match(await srvrOnceServing(members[2]!.host), /Mode: leader/);
  const client = await ZooKeeperClient.connect(`${members[2]!.host}:2181`);
  running.push({ stop: () => client.close() });
  await client.create('/before', Buffer.from('written before we joined'));

  const elected = await ours.lookForLeader(0n, 0n);
  assert.deepEqual([elected.vote.leader, elected.state], [3n, ServerState.FOLLOWING]);
  const db = new MemoryDatabase();
  let servingEpoch = -1;
  const follow = new FollowLeader(
    { myid: 1n, learnerType: 'participant', initLimit: 10, syncLimit: 5, configVersion: 0, leader: [{ host: members[2]!.host, port: 2888 }], tickTime_ms: 500, maxBuffer_bytes: 1 << 20, log: quiet, onServing: (e) => (servingEpoch = e) },
    db,
  );
  running.push({ stop: () => follow.stop() });
  const ended = follow.run();
  await eventually('serving', () => servingEpoch > 0);
  assert.equal(db.acceptedEpoch, servingEpoch);
  assert.equal(db.currentEpoch, servingEpoch);
  assert.equal(db.tree.getData('/before').data?.toString(), 'written before we joined', 'the DIFF brought what was written before we joined');

  await client.create('/during', Buffer.from('x'));
  await eventually('/during committed on ours', () => db.tree.getNode('/during') !== undefined);

  // Without Apache's other follower, the leader's quorum is {3, ours}: a write succeeds only
  // if our ACKs count.
  await a2.stop();
  running.splice(running.indexOf(a2), 1);
  for (let i = 0; i < 20; i++) await client.create(`/quorum-of-two-${i}`, Buffer.from(String(i)));
  await eventually('the writes committed on ours', () => db.tree.getNode('/quorum-of-two-19') !== undefined);
  const zxids = db.committed.map((t) => t.hdr.zxid);
  assert.deepEqual(zxids, [...zxids].sort((a, b) => a - b), 'commits applied in zxid order');
  assert.equal(new Set(zxids).size, zxids.length, 'each txn committed once');

  // Our learner, stopped, takes the leader's quorum with it: Apache's leader gives up.
  follow.stop();
  assert.equal(await ended, 'stopped');
  await a3.waitForLog(/Not sufficient followers synced/, 30_000);
});
