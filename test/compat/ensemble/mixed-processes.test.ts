// Mixed ensembles of real processes: Apache ZooKeeper 3.8 members (Debian's package) and
// zookeeper-ts members (dist/zookeeper-ts.cjs server zoo.cfg) in one ensemble on
// 127.0.10.x with the real ports. Ours leads Apache followers, follows an Apache leader, and
// takes over an Apache member's dataDir and myid in place — the step of a live migration.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { ZooKeeperClient } from '../../../src/client/zookeeper-client';
import { srvrOnceServing, startMember, type Member, type MemberSpec } from '../../support/ensemble';

const members: MemberSpec[] = [1, 2, 3].map((myid) => ({ myid, host: `127.0.10.${myid}` }));
const running: { stop(): unknown }[] = [];
const started: Member[] = [];
afterEach(async (t) => {
  if ((t as { passed?: boolean }).passed === false) for (const m of started) console.error(`--- member ${m.myid}:\n${m.log().split('\n').slice(-30).join('\n')}`);
  started.length = 0;
  for (const r of running.splice(0).reverse()) await r.stop();
});

async function member(flavour: 'apache' | 'ours', myid: number, reuseDir?: string): Promise<Member> {
  const m = await startMember(flavour, members[myid - 1]!, members, {}, reuseDir);
  running.push(m);
  started.push(m);
  return m;
}

function mode(srvr: string): string {
  return /Mode: (\w+)/.exec(srvr)?.[1] ?? `no mode in ${JSON.stringify(srvr)}`;
}

async function client(myid: number): Promise<ZooKeeperClient> {
  const c = await ZooKeeperClient.connect(`${members[myid - 1]!.host}:2181`, { sessionTimeout_ms: 8000 });
  running.push({ stop: () => c.close() });
  return c;
}

/** A write through every member, each read back on every member. */
async function writesEverywhere(tag: string): Promise<void> {
  const clients = await Promise.all([1, 2, 3].map(client));
  for (const [i, c] of clients.entries()) await c.create(`/${tag}-${i + 1}`, Buffer.from(`${tag} via ${i + 1}`));
  for (const c of clients) {
    await c.sync('/');
    for (let i = 1; i <= 3; i++) assert.equal((await c.getData(`/${tag}-${i}`)).data?.toString(), `${tag} via ${i}`);
  }
}

test('{Apache, Apache, ours}: ours (myid 3) leads two Apache followers', { timeout: 180_000 }, async () => {
  // The intended leader starts first: 3 and 1 make the first quorum, 3 leads it, whatever
  // the load (started 1, 2, 3, a late third process lets 1 and 2 elect 2).
  await member('ours', 3);
  const a1 = await member('apache', 1);
  const a2 = await member('apache', 2);
  assert.equal(mode(await srvrOnceServing(members[2]!.host)), 'leader');
  assert.equal(mode(await srvrOnceServing(members[0]!.host)), 'follower');
  assert.equal(mode(await srvrOnceServing(members[1]!.host)), 'follower');
  await a1.waitForLog(/FOLLOWING - LEADER ELECTION TOOK/, 10_000);
  await a2.waitForLog(/Getting a (diff from the|snapshot from) leader/, 10_000);
  await writesEverywhere('led-by-ours');
});

test('{ours, Apache, Apache}: ours (myid 1) follows the Apache leader', { timeout: 180_000 }, async () => {
  await member('apache', 3);
  await member('ours', 1);
  await member('apache', 2);
  assert.equal(mode(await srvrOnceServing(members[2]!.host)), 'leader');
  assert.equal(mode(await srvrOnceServing(members[0]!.host)), 'follower');
  assert.equal(mode(await srvrOnceServing(members[1]!.host)), 'follower'); // started last
  await writesEverywhere('led-by-apache');
});

test('an Apache member replaced in place by ours (same dataDir and myid): it rejoins from Apache\'s files and serves what was written before', { timeout: 180_000 }, async () => {
  await member('apache', 3);
  const a1 = await member('apache', 1);
  await member('apache', 2);
  assert.equal(mode(await srvrOnceServing(members[2]!.host)), 'leader');
  for (const m of members.slice(0, 2)) assert.equal(mode(await srvrOnceServing(m.host)), 'follower');
  await writesEverywhere('before');
  // Member 1 stops as Apache and starts again as ours over the same directory.
  await a1.stop({ keepDir: true });
  running.splice(running.indexOf(a1), 1);
  await member('ours', 1, a1.dir);
  assert.equal(mode(await srvrOnceServing(members[0]!.host)), 'follower');
  const c1 = await client(1);
  for (let i = 1; i <= 3; i++) assert.equal((await c1.getData(`/before-${i}`)).data?.toString(), `before via ${i}`);
  await writesEverywhere('after');
});
