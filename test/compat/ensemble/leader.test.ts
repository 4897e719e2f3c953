// OUR leader (the Leader core behind Lead, elected by our Election, in this process) with
// Apache ZooKeeper 3.8 followers on the real quorum port: they sync with it (DIFF, SNAP,
// TRUNC as Apache's own leader would choose) and serve; a client's writes through one Apache
// follower are forwarded to us as REQUESTs, prepared here, proposed, committed on a quorum,
// and read back on the other.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { ZooKeeperClient } from '../../../src/client/zookeeper-client';
import { Reader } from '../../../src/jute/codec';
import { OpCode } from '../../../src/jute/constants';
import { Election } from '../../../src/quorum/election';
import { Lead, type LearnerRequest } from '../../../src/quorum/lead';
import { ServerState } from '../../../src/quorum/vote';
import { makeZxid } from '../../../src/quorum/zxid';
import { PrepRequestProcessor } from '../../../src/server/prep-request-processor';
import { decodeRequestBody } from '../../../src/server/request';
import { srvrOnceServing, startApacheMember, startOurElection, type ApacheMember, type MemberSpec } from '../../support/ensemble';
import { MemoryLeaderDatabase } from '../../support/memory-leader-database';

/** Voters 1..3 (ours is 3) and an observer, 4, that only the observer test starts. */
const members: MemberSpec[] = [1, 2, 3, 4].map((myid) => ({ myid, host: `127.0.7.${10 + myid}`, ...(myid === 4 ? { type: 'observer' as const } : {}) }));
const configText = members.map((m) => `server.${m.myid}=${m.host}:2888:3888:${m.type ?? 'participant'}\n`).join('') + 'version=0';
const ids = members.filter((m) => m.type !== 'observer').map((m) => BigInt(m.myid));
const running: { stop(): unknown }[] = [];
afterEach(async () => {
  for (const r of running.splice(0).reverse()) await r.stop();
});

const quiet = { info: (l: string) => (process.env.ZKTS_DEBUG ? console.error(`ours: ${l}`) : undefined), warn: (l: string) => console.error(`ours: ${l}`) };

/** Our election for `myid`, in this process, on its member's election address. */
async function ourElection(myid: number): Promise<Election> {
  const e = await startOurElection(members, myid, quiet);
  running.push(e);
  return e;
}

async function apache(myid: number, reuseDir?: string): Promise<ApacheMember> {
  const m = await startApacheMember(members.find((s) => s.myid === myid)!, members, {}, reuseDir);
  running.push(m);
  return m;
}

async function stopKeeping(m: ApacheMember): Promise<void> {
  running.splice(running.indexOf(m), 1);
  await m.stop({ keepDir: true });
}

/** Lead with a minimal request pipeline: each learner REQUEST prepared by our PrepRequestProcessor and proposed. */
function ourLeader(db: MemoryLeaderDatabase, onServing: (epoch: number) => void): Lead {
  const prep = new PrepRequestProcessor(db.tree, { skipACL: false, extendedTypesEnabled: false, isSessionValid: () => true });
  db.onCommit = (txn) => prep.applied(txn.hdr.zxid);
  const lead: Lead = new Lead(
    {
      myid: 3n,
      isVoter: (s) => ids.includes(s),
      containsQuorum: (s) => [...s].filter((x) => ids.includes(x)).length * 2 > ids.length,
      initLimit: 10,
      syncLimit: 5,
      configText,
      configVersion: 0,
      listen: [{ host: members[2]!.host, port: 2888 }],
      tickTime_ms: 500,
      maxBuffer_bytes: 1 << 20,
      log: quiet,
      onServing,
      onRequest: (r) => request(lead, prep, r),
      onRevalidate: (learner, sessionId) => lead.revalidated(learner, sessionId, db.sessions.has(sessionId)),
    },
    db,
  );
  running.push({ stop: () => lead.stop() });
  return lead;
}

function request(lead: Lead, prep: PrepRequestProcessor, r: LearnerRequest): void {
  if (r.type === OpCode.sync) return lead.syncReached(r.learner);
  const time = Date.now();
  if (r.type === OpCode.createSession) {
    return lead.propose(prep.prepareCreateSession(r.sessionId, r.request.readInt32BE(0), lead.nextZxid(), time));
  }
  const body = decodeRequestBody(r.type, new Reader(r.request));
  const owner = { sessionId: r.sessionId, authInfo: r.authinfo, remoteAddress: `learner ${r.learner}` };
  lead.propose(prep.prepare({ xid: r.cxid, type: r.type, body, owner, received_ms: performance.now() }, lead.nextZxid(), time));
}

async function eventually(what: string, check: () => boolean | Promise<boolean>, timeout_ms = 20_000): Promise<void> {
  const deadline = Date.now() + timeout_ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`${what}: not within ${timeout_ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function client(m: MemberSpec): Promise<ZooKeeperClient> {
  const c = await ZooKeeperClient.connect(`${m.host}:2181`);
  running.push({ stop: () => c.close() });
  return c;
}

test('two Apache followers follow our leader: synced by DIFF, a write through one is forwarded, committed on a quorum and read on the other; a restarted follower catches up by DIFF with the txns it missed, one with an empty dataDir by SNAP; without them our leader gives up', { timeout: 240_000 }, async () => {
  const election = await ourElection(3);
  const a1 = await apache(1);
  const a2 = await apache(2);
  const elected = await election.lookForLeader(0n, 0n);
  assert.deepEqual([elected.vote.leader, elected.state], [3n, ServerState.LEADING]);

  const db = new MemoryLeaderDatabase();
  let servingEpoch = -1;
  const lead = ourLeader(db, (e) => (servingEpoch = e));
  const ended = lead.run();
  await eventually('our leader serves', () => servingEpoch > 0, 40_000);
  // The first follower to sync makes the quorum and gets an empty DIFF; one that comes
  // after the leader serves gets a SNAP (Apache's rule: the new epoch's zxid 0 is past it).
  for (const a of [a1, a2]) await a.waitForLog(/Getting a (diff from the|snapshot from) leader/, 30_000);
  assert.ok([a1, a2].some((a) => /Getting a diff from the leader 0x0/.test(a.log())), 'the follower that made the quorum synced by DIFF');
  assert.match(await srvrOnceServing(members[0]!.host), /Mode: follower/);
  assert.match(await srvrOnceServing(members[1]!.host), /Mode: follower/);

  const c1 = await client(members[0]!);
  const c2 = await client(members[1]!);
  await c1.create('/via-apache-1', Buffer.from('forwarded to our leader'));
  assert.ok(db.tree.getNode('/via-apache-1'), 'our leader applied the write');
  await c2.sync('/via-apache-1');
  assert.equal((await c2.getData('/via-apache-1')).data?.toString(), 'forwarded to our leader', 'read back on the other Apache follower');
  const stat = (await c2.getData('/via-apache-1')).stat;
  assert.equal(Math.floor(stat.czxid / 2 ** 32), servingEpoch, "the txn carries our leader's epoch");

  // Follower 2 goes down, writes go on with {3, 1}, and it comes back over its dataDir: the
  // txns it missed arrive as a DIFF of PROPOSAL+COMMIT pairs.
  await c2.close();
  await stopKeeping(a2);
  for (let i = 0; i < 5; i++) await c1.create(`/while-2-was-down-${i}`, Buffer.from(String(i)));
  const a2again = await apache(2, a2.dir);
  await a2again.waitForLog(/Getting a diff from the leader 0x[0-9a-f]+/, 40_000);
  assert.match(await srvrOnceServing(members[1]!.host), /Mode: follower/);
  const c2again = await client(members[1]!);
  await c2again.sync('/');
  assert.equal((await c2again.getData('/while-2-was-down-4')).data?.toString(), '4');
  assert.equal(lead.core.lastCommittedZxid, makeZxid(servingEpoch, lead.core.lastCommittedZxid % 2 ** 32));

  // Follower 2 again, over an empty dataDir: zxid 0 is before our committed window, so SNAP
  // and the snapshot stream; it then serves what the stream carried.
  await c2again.close();
  running.splice(running.indexOf(a2again), 1);
  await a2again.stop();
  await c1.create('/after-the-purge', Buffer.from('p'));
  const a2fresh = await apache(2);
  await a2fresh.waitForLog(/Getting a snapshot from leader 0x[0-9a-f]+/, 40_000);
  assert.match(await srvrOnceServing(members[1]!.host), /Mode: follower/);
  const c2fresh = await client(members[1]!);
  assert.equal((await c2fresh.getData('/via-apache-1')).data?.toString(), 'forwarded to our leader', 'carried by the snapshot');
  assert.equal((await c2fresh.getData('/after-the-purge')).data?.toString(), 'p');
  await c2fresh.close();

  // Both Apache followers gone: our leader gives up as Apache's does.
  running.splice(running.indexOf(a1), 1);
  await a1.stop();
  running.splice(running.indexOf(a2fresh), 1);
  await a2fresh.stop();
  assert.match(await ended, /Not sufficient followers synced/);
});

test('an Apache observer observes our leader: synced, INFORMed of each commit, a sync through it answered by us, and no vote', { timeout: 180_000 }, async () => {
  const election = await ourElection(3);
  const a1 = await apache(1);
  const obs = await apache(4);
  const elected = await election.lookForLeader(0n, 0n);
  assert.deepEqual([elected.vote.leader, elected.state], [3n, ServerState.LEADING]);
  const db = new MemoryLeaderDatabase();
  let servingEpoch = -1;
  const lead = ourLeader(db, (e) => (servingEpoch = e));
  const ended = lead.run();
  await eventually('our leader serves', () => servingEpoch > 0, 40_000);
  await obs.waitForLog(/OBSERVING/, 30_000);
  assert.match(await srvrOnceServing(members[3]!.host), /Mode: observer/);
  assert.match(await srvrOnceServing(members[0]!.host), /Mode: follower/);
  const c1 = await client(members[0]!);
  const c4 = await client(members[3]!);
  await c1.create('/seen-by-the-observer', Buffer.from('inform'));
  await c4.sync('/seen-by-the-observer');
  assert.equal((await c4.getData('/seen-by-the-observer')).data?.toString(), 'inform');
  // A write through the observer goes to us too.
  await c4.create('/via-the-observer', Buffer.from('o'));
  assert.ok(db.tree.getNode('/via-the-observer'));
  await c4.close();
  // The observer is no voter: with follower 1 gone we are alone and give up.
  running.splice(running.indexOf(a1), 1);
  await a1.stop();
  assert.match(await ended, /Not sufficient followers synced, only synced with sids: \[ 3 \]/);
});
