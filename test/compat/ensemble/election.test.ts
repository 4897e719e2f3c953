// Fast leader election on the real election port, mixed with Apache ZooKeeper 3.8 members:
// our election (the FastLeaderElection core behind QuorumCnxManager, run in this process on
// 127.0.5.x:3888) must settle on the leader Apache's members settle on, and Apache's members
// must accept ours as their leader when the rules say it leads.
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { afterEach, test } from 'node:test';
import { Election, type ElectionResult } from '../../../src/quorum/election';
import { ServerState } from '../../../src/quorum/vote';
import { srvrOnceServing, startApacheMember, startOurElection, type ApacheMember, type MemberSpec } from '../../support/ensemble';

const members: MemberSpec[] = [1, 2, 3].map((myid) => ({ myid, host: `127.0.5.${myid}` }));
const running: { stop(): unknown }[] = [];
// Each test stops what it started, passed or failed, so the next finds the ports free.
afterEach(async () => {
  for (const r of running.splice(0).reverse()) await r.stop();
});

/** Our election for `myid`, in this process, on its member's election address. */
async function ourElection(myid: number): Promise<Election> {
  const e = await startOurElection(members, myid, { info: () => {}, warn: (l) => console.error(`ours ${myid}: ${l}`) });
  running.push(e);
  return e;
}

async function apache(myid: number): Promise<ApacheMember> {
  const m = await startApacheMember(members.find((s) => s.myid === myid)!, members);
  running.push(m);
  return m;
}

/** Listens on host:port, accepts and holds every connection (no bytes), until the test ends. */
async function holdingListener(host: string, port: number): Promise<void> {
  const held: Socket[] = [];
  const server = createServer((s) => {
    s.on('error', () => {});
    held.push(s);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  running.push({ stop: () => new Promise<void>((r) => { for (const s of held) s.destroy(); server.close(() => r()); }) });
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, rej) => setTimeout(() => rej(new Error(`${what}: not within ${ms} ms`)), ms))]);
}

test('ours (myid 1) beside Apache members 2 and 3: all settle on 3, which leads Apache 2', { timeout: 120_000 }, async () => {
  const ours = await ourElection(1);
  // Looking before the JVMs start, and 2 only once 3 leads: else, on a loaded machine, ours
  // and Apache 2 may elect 2 before 3's JVM is up.
  const looking = ours.lookForLeader(0n, 0n);
  const a3 = await apache(3);
  await a3.waitForLog(/LEADING - LEADER ELECTION TOOK/, 60_000);
  const a2 = await apache(2);
  const result: ElectionResult = await within(looking, 60_000, 'our election');
  assert.equal(result.vote.leader, 3n);
  assert.equal(result.state, ServerState.FOLLOWING);
  // Apache's two members serve: 3 leads, 2 follows.
  await a3.waitForLog(/LEADING - LEADER ELECTION TOOK/, 60_000);
  await a2.waitForLog(/FOLLOWING - LEADER ELECTION TOOK/, 60_000);
  assert.match(await srvrOnceServing('127.0.5.3'), /Mode: leader/);
  assert.match(await srvrOnceServing('127.0.5.2'), /Mode: follower/);
  // Once Apache's members serve, our election keeps answering: a new round of ours (as a
  // restart would run) joins them through their FOLLOWING/LEADING notifications.
  const again = await within(ours.lookForLeader(0n, 0n), 30_000, 'our second election');
  assert.deepEqual([again.vote.leader, again.state], [3n, ServerState.FOLLOWING]);
});

test('ours (myid 3) beside Apache members 1 and 2: ours is elected, and Apache follows it', { timeout: 120_000 }, async () => {
  const ours = await ourElection(3);
  // A quorum port that takes the followers' connections and says nothing: a member that
  // decided for 3 before the other JVM was up keeps following it for initLimit ticks, instead
  // of finding no leader at once, looking again and electing 2 with the late one.
  await holdingListener('127.0.5.3', 2888);
  // Looking before the JVMs start: else, on a loaded machine, Apache 1 and 2 may elect 2
  // before our vote for 3 reaches them.
  const looking = ours.lookForLeader(0n, 0n);
  const a1 = await apache(1);
  const a2 = await apache(2);
  const result = await within(looking, 60_000, 'our election');
  assert.deepEqual([result.vote.leader, result.state], [3n, ServerState.LEADING]);
  // Each Apache member decides to follow server 3 (it then dials 127.0.5.3:2888, where no
  // leader answers: that is the quorum protocol's part, not the election's).
  for (const a of [a1, a2]) {
    const m = await a.waitForLog(/FOLLOWING - LEADER ELECTION TOOK/, 60_000);
    assert.ok(m);
    assert.match(a.log(), /Notification: my state:LOOKING; n\.sid:3, n\.state:LOOKING, n\.leader:3/);
  }
});
