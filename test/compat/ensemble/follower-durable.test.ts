// Our learner following an Apache ZooKeeper 3.8 leader with the durable ZKDatabase in a temp
// dataDir: synced and logging; "restarted" (a new database from the same dataDir) it rejoins
// by DIFF with what it logged before; with its dataDir wiped it is sent a SNAP, takes the
// snapshot at NEWLEADER, and that snapshot loads.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { ZooKeeperClient } from '../../../src/client/zookeeper-client';
import { readLongFromFile } from '../../../src/persistence/epoch-files';
import { ZKDatabase } from '../../../src/persistence/zk-database';
import { FollowLeader } from '../../../src/quorum/follow-leader';
import { srvrOnceServing, startApacheMember, type ApacheMember, type MemberSpec } from '../../support/ensemble';

const members: MemberSpec[] = [1, 2, 3].map((myid) => ({ myid, host: `127.0.8.${30 + myid}` }));
const running: { stop(): unknown }[] = [];
afterEach(async () => {
  for (const r of running.splice(0).reverse()) await r.stop();
});
const quiet = { info: () => {}, warn: (l: string) => console.error(`ours: ${l}`) };

async function eventually(what: string, check: () => boolean, timeout_ms = 20_000): Promise<void> {
  const deadline = Date.now() + timeout_ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`${what}: not within ${timeout_ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function openDb(dataDir: string): Promise<ZKDatabase> {
  const db = new ZKDatabase({ dataDir, dataLogDir: dataDir, preAllocSize_bytes: 64 * 1024 * 1024, snapCount: 100_000, log: quiet });
  await db.loadDataBase();
  return db;
}

/** Follows the leader until it serves; returns the epoch and the follower. */
async function follow(leader: MemberSpec, db: ZKDatabase): Promise<{ epoch: number; follower: FollowLeader }> {
  let epoch = -1;
  const follower = new FollowLeader(
    { myid: 1n, learnerType: 'participant', initLimit: 10, syncLimit: 5, configVersion: 0, leader: [{ host: leader.host, port: 2888 }], tickTime_ms: 500, maxBuffer_bytes: 1 << 20, log: quiet, onServing: (e) => (epoch = e) },
    db,
  );
  running.push({ stop: () => follower.stop() });
  void follower.run();
  await eventually('serving', () => epoch > 0);
  return { epoch, follower };
}

test('ours on a durable ZKDatabase follows an Apache leader, rejoins by DIFF from its own dataDir, and by SNAP (snapshot taken and loadable) with the dataDir wiped', { timeout: 240_000 }, async () => {
  const apache: ApacheMember[] = [];
  for (const myid of [2, 3]) {
    const m = await startApacheMember(members.find((s) => s.myid === myid)!, members);
    running.push(m);
    apache.push(m);
  }
  const srvr = await Promise.all(apache.map((m) => srvrOnceServing(m.host, 2181, 60_000)));
  const leaderAt = srvr.findIndex((s) => /Mode: leader/.test(s));
  assert.ok(leaderAt >= 0, srvr.join('\n'));
  const leader = members.find((m) => m.myid === apache[leaderAt]!.myid)!;
  const leaderLog = () => apache[leaderAt]!.log();
  const client = await ZooKeeperClient.connect(`${leader.host}:2181`);
  running.push({ stop: () => client.close() });
  await client.create('/before', Buffer.from('written before we joined'));

  const dataDir = mkdtempSync(join(tmpdir(), 'zkts-learner-'));
  running.push({ stop: () => rmSync(dataDir, { recursive: true, force: true }) });
  const v2 = join(dataDir, 'version-2');

  const snaps = () => (leaderLog().match(/Sending snapshot last zxid of peer is 0x0,/g) ?? []).length;
  const diffs = () => (leaderLog().match(/Sending DIFF zxid=/g) ?? []).length;

  // 1. first join: an empty learner behind a leader with history gets a SNAP
  let db = await openDb(dataDir);
  let { epoch, follower } = await follow(leader, db);
  assert.equal(snaps(), 1, 'the first sync was a SNAP');
  assert.ok(existsSync(join(v2, `snapshot.${db.lastProcessedZxid.toString(16)}`)), 'the snapshot taken at NEWLEADER');
  assert.equal(readLongFromFile(v2, 'acceptedEpoch'), epoch, 'acceptedEpoch on disk');
  assert.equal(readLongFromFile(v2, 'currentEpoch'), epoch, 'currentEpoch on disk');
  assert.equal(db.tree.getData('/before').data?.toString(), 'written before we joined');
  for (let i = 0; i < 10; i++) await client.create(`/during${i}`, Buffer.from(String(i)));
  await eventually('/during9 committed on ours', () => db.tree.getNode('/during9') !== undefined);
  const lastOurs = db.lastLoggedZxid;
  follower.stop();
  await db.close();
  await client.create('/while-away', Buffer.from('missed'));

  // 2. restart: a new database from the same dataDir, then DIFF
  const diffsBefore = diffs();
  db = await openDb(dataDir);
  assert.equal(db.lastLoggedZxid, lastOurs, 'what we logged came back from our log');
  assert.equal(db.tree.getData('/during9').data?.toString(), '9');
  assert.deepEqual([db.acceptedEpoch, db.currentEpoch], [epoch, epoch]);
  ({ epoch, follower } = await follow(leader, db));
  await eventually('/while-away on ours', () => db.tree.getNode('/while-away') !== undefined);
  assert.equal(diffs(), diffsBefore + 1, 'the leader synced us by DIFF');
  assert.equal(snaps(), 1, 'and not by SNAP');
  await client.create('/after-rejoin', Buffer.from('x'));
  await eventually('/after-rejoin on ours', () => db.tree.getNode('/after-rejoin') !== undefined);
  follower.stop();
  await db.close();

  // 3. wiped dataDir: SNAP, the snapshot at NEWLEADER on disk, and it loads
  rmSync(dataDir, { recursive: true, force: true });
  db = await openDb(dataDir);
  assert.equal(db.lastLoggedZxid, 0);
  ({ epoch, follower } = await follow(leader, db));
  assert.equal(snaps(), 2, 'the wiped learner was sent a SNAP');
  const snapZxid = db.lastProcessedZxid;
  const snapName = `snapshot.${snapZxid.toString(16)}`;
  assert.ok(existsSync(join(v2, snapName)), `the snapshot taken at NEWLEADER: ${readdirSync(v2).join(' ')}`);
  await client.create('/after-snap', Buffer.from('y'));
  await eventually('/after-snap on ours', () => db.tree.getNode('/after-snap') !== undefined);
  follower.stop();
  await db.close();
  const reloaded = await openDb(dataDir);
  for (const p of ['/before', '/during9', '/while-away', '/after-rejoin', '/after-snap']) assert.ok(reloaded.tree.getNode(p), `${p} after reloading the SNAP's snapshot and the log`);
  assert.deepEqual([reloaded.acceptedEpoch, reloaded.currentEpoch], [epoch, epoch]);
  await reloaded.close();
});
