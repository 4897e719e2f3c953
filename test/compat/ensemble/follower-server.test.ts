// Our follower serving clients inside an Apache ZooKeeper 3.8 ensemble: the election, the
// learner and FollowerZooKeeperServer in this process on 127.0.5.21 (its client port
// 2181), Apache members 2 and 3 beside it. Clients read on ours, write through ours (the
// REQUEST goes to Apache's leader), see writes made on Apache members, and move their
// sessions between ours and Apache's members with their ephemerals.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { ZooKeeperClient } from '../../../src/client/zookeeper-client';
import { Election } from '../../../src/quorum/election';
import { FollowLeader } from '../../../src/quorum/follow-leader';
import { FollowerZooKeeperServer } from '../../../src/quorum/follower-zookeeper-server';
import { ServerState } from '../../../src/quorum/vote';
import { ServerCnxnFactory } from '../../../src/server/server-cnxn-factory';
import { srvrOnceServing, startApacheMember, type ApacheMember, type MemberSpec } from '../../support/ensemble';
import { MemoryDatabase } from '../../support/memory-database';

const members: MemberSpec[] = [1, 2, 3].map((myid) => ({ myid, host: `127.0.5.${20 + myid}` }));
const running: { stop(): unknown }[] = [];
afterEach(async () => {
  for (const r of running.splice(0).reverse()) await r.stop();
});
const quiet = { info: () => {}, warn: (l: string) => console.error(`ours: ${l}`), error: (l: string) => console.error(`ours: ${l}`) };

async function apache(myid: number): Promise<ApacheMember> {
  const m = await startApacheMember(members.find((s) => s.myid === myid)!, members);
  running.push(m);
  return m;
}

/** Member 1 as ours: election, then following the leader it finds, serving on its client port. */
async function ourFollower(): Promise<{ zks: FollowerZooKeeperServer; db: MemoryDatabase; follow: FollowLeader }> {
  const me = members[0]!;
  const ids = members.map((m) => BigInt(m.myid));
  const election = new Election(
    {
      myid: 1n,
      quorum: { isVoter: (id) => ids.includes(id), voters: () => ids, containsQuorum: (acks) => acks.size * 2 > ids.length },
      learnerType: 'participant',
      configText: members.map((m) => `server.${m.myid}=${m.host}:2888:3888:participant\n`).join('') + 'version=0',
    },
    { listen: [{ host: me.host, port: 3888 }], peers: new Map(members.slice(1).map((m) => [BigInt(m.myid), [{ host: m.host, port: 3888 }]])), log: quiet },
  );
  await election.start();
  running.push(election);
  const elected = await election.lookForLeader(0n, 0n);
  assert.equal(elected.state, ServerState.FOLLOWING);
  const leader = members.find((m) => BigInt(m.myid) === elected.vote.leader)!;

  const db = new MemoryDatabase();
  let follow: FollowLeader | undefined;
  const zks = new FollowerZooKeeperServer(
    { tickTime_ms: 500, minSessionTimeout_ms: 1000, maxSessionTimeout_ms: 10_000, globalOutstandingLimit: 1000, serverId: 1, skipACL: false, extendedTypesEnabled: false, tree: db.tree },
    { forward: (p) => follow!.forward(p) },
  );
  db.commit = (txn) => {
    db.committed.push(txn);
    zks.commit(txn);
  };
  const factory = new ServerCnxnFactory(zks, { host: me.host, port: 2181, maxClientCnxns: 60, maxBuffer_bytes: 1 << 20, log: quiet.warn });
  let serving!: () => void;
  const inSync = new Promise<void>((r) => (serving = r));
  follow = new FollowLeader(
    {
      myid: 1n, learnerType: 'participant', initLimit: 10, syncLimit: 5, configVersion: 0, leader: [{ host: leader.host, port: 2888 }], tickTime_ms: 500, maxBuffer_bytes: 1 << 20, log: quiet,
      onServing: () => {
        zks.start();
        void factory.start().then(serving);
      },
      onRevalidated: (id, valid) => zks.revalidated(id, valid),
      onSynced: () => zks.synced(),
      touches: () => zks.touches(),
    },
    db,
  );
  const f = follow;
  running.push({ stop: () => f.stop() }, { stop: () => factory.stop() });
  void follow.run().then(() => zks.leaderLost());
  await inSync;
  return { zks, db, follow };
}

test('clients of our follower in an Apache ensemble: reads, forwarded writes, sync, and sessions that move between members with their ephemerals', { timeout: 180_000 }, async () => {
  await apache(2);
  await apache(3);
  assert.match(await srvrOnceServing(members[2]!.host), /Mode: leader/);
  const onApache = await ZooKeeperClient.connect(`${members[1]!.host}:2181`);
  running.push({ stop: () => onApache.close() });
  await onApache.create('/written-on-apache', Buffer.from('a'));

  await ourFollower();
  const onOurs = await ZooKeeperClient.connect(`${members[0]!.host}:2181`, { sessionTimeout_ms: 6000 });
  running.push({ stop: () => onOurs.close() });

  // A read on ours: the DIFF brought what was written before we joined.
  assert.equal((await onOurs.getData('/written-on-apache')).data?.toString(), 'a');
  // A write through ours goes to Apache's leader and is answered once it is committed here.
  assert.equal(await onOurs.create('/written-on-ours', Buffer.from('b')), '/written-on-ours');
  assert.equal((await onOurs.getData('/written-on-ours')).data?.toString(), 'b', 'read your own write');
  await onApache.sync('/written-on-ours'); // another member: the write is promised there after a sync
  assert.equal((await onApache.getData('/written-on-ours')).data?.toString(), 'b');
  // A write on Apache, then sync on ours: then ours has it.
  await onApache.setData('/written-on-apache', Buffer.from('a2'));
  await onOurs.sync('/written-on-apache');
  assert.equal((await onOurs.getData('/written-on-apache')).data?.toString(), 'a2');
  // Errors come back as Apache's leader decided them.
  await assert.rejects(onOurs.create('/written-on-ours', null), /NODEEXISTS/);
  await assert.rejects(onOurs.setData('/nowhere', null), /NONODE/);

  // A session of ours with an ephemeral moves to an Apache member, and one of Apache's to ours.
  await onOurs.create('/ours-ephemeral', null, { mode: 1 });
  const { sessionId, passwd } = onOurs;
  onOurs.disconnect();
  const moved = await ZooKeeperClient.connect(`${members[1]!.host}:2181`, { sessionId, passwd, sessionTimeout_ms: 6000 });
  running.push({ stop: () => moved.close() });
  assert.equal(moved.sessionId, sessionId, 'the same session on the Apache member');
  assert.ok(await moved.exists('/ours-ephemeral'), 'its ephemeral is still there');

  await onApache.create('/apache-ephemeral', null, { mode: 1 });
  const back = await ZooKeeperClient.connect(`${members[0]!.host}:2181`, { sessionId: onApache.sessionId, passwd: onApache.passwd, sessionTimeout_ms: 6000 });
  running.push({ stop: () => back.close() });
  assert.equal(back.sessionId, onApache.sessionId, 'REVALIDATE with the leader accepted the session on ours');
  await back.sync('/apache-ephemeral');
  assert.ok(await back.exists('/apache-ephemeral'));
  // A made-up session is refused on ours, as the leader refuses it.
  await assert.rejects(ZooKeeperClient.connect(`${members[0]!.host}:2181`, { sessionId: 0x7777n, passwd: Buffer.alloc(16), connectTimeout_ms: 5000 }));

  // Closing the session on ours deletes its ephemeral everywhere.
  await back.close();
  const deadline = Date.now() + 10_000;
  while ((await moved.exists('/apache-ephemeral')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.equal(await moved.exists('/apache-ephemeral'), null);
});
