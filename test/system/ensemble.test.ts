// Three zookeeper-ts processes as an ensemble on 127.0.9.1–.3 with the real ports
// (2181/2888/3888), the shape of zk-kfk01..03: started one after another they take the
// roles Apache gives for that order; writes go through any member and read back on all;
// the leader killed, a new one is elected and a client with the three-server connect
// string keeps its session and ephemeral; a restarted member catches up.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ZooKeeperClient } from '../../src/client/zookeeper-client';
import { srvrOnceServing, type Member, type MemberSpec } from '../support/ensemble';
import { ensembleScope, modeOf as mode } from '../support/ensemble-scope';

const members: MemberSpec[] = [1, 2, 3].map((myid) => ({ myid, host: `127.0.9.${myid}` }));
const connectString = members.map((m) => `${m.host}:2181`).join(',');
const scope = ensembleScope();
const ours = (myid: number, reuseDir?: string): Promise<Member> => scope.start('ours', members[myid - 1]!, members, {}, reuseDir);
const client = scope.client;

test('three of ours: started 1, 2, 3 they are follower, leader, follower; writes read back everywhere; the leader killed, the others elect anew and the session lives on', { timeout: 240_000 }, async () => {
  const m1 = await ours(1);
  const m2 = await ours(2);
  await m2.waitForLog(/LEADING - LEADER ELECTION TOOK/, 30_000);
  assert.equal(mode(await srvrOnceServing(members[1]!.host)), 'leader');
  assert.equal(mode(await srvrOnceServing(members[0]!.host)), 'follower');
  const m3 = await ours(3);
  assert.equal(mode(await srvrOnceServing(members[2]!.host)), 'follower', 'a member that joins a serving ensemble follows its leader');

  // Writes through each member, read back on every member.
  await scope.writesEverywhere(members.map((m) => `${m.host}:2181`), 'through');

  // A session on the failover string, with an ephemeral; then the leader dies.
  const session = await client(connectString);
  await session.create('/session-ephemeral', null, { mode: 1 });
  const id = session.sessionId;
  await scope.stopKeepingDir(m2);
  const newLeader = await Promise.race([m1, m3].map((m) => m.waitForLog(/LEADING - LEADER ELECTION TOOK/, 30_000).then(() => m)));
  assert.equal(newLeader.myid, 3, 'of 1 and 3 with the same history, 3 leads');
  assert.equal(mode(await srvrOnceServing(members[2]!.host)), 'leader');
  assert.equal(mode(await srvrOnceServing(members[0]!.host)), 'follower');
  // As a client library does: back with its session id and password on the next live
  // member of the connect string; its session and ephemeral are there, and writes go on.
  const { passwd } = session;
  let resumed: ZooKeeperClient | undefined;
  const deadline = Date.now() + 30_000;
  for (let i = 0; !resumed; i++) {
    const host = members[i % 3]!.host;
    try {
      resumed = await client(`${host}:2181`, { sessionId: id, passwd, connectTimeout_ms: 2000 });
      await resumed.create('/after-failover', Buffer.from('x'));
    } catch (e) {
      resumed?.disconnect();
      resumed = undefined;
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  assert.equal(resumed.sessionId, id, 'the same session after failover');
  assert.ok(await resumed.exists('/session-ephemeral'), 'its ephemeral survived the failover');

  // Member 2 comes back over its dataDir and catches up (by DIFF) with what it missed.
  await ours(2, m2.dir);
  assert.equal(mode(await srvrOnceServing(members[1]!.host)), 'follower');
  const c2 = await client(`${members[1]!.host}:2181`);
  await c2.sync('/');
  assert.equal((await c2.getData('/after-failover')).data?.toString(), 'x');
});
