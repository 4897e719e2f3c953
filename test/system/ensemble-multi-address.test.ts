// Ensembles of ours whose server lines give each member two addresses (multiAddress.enabled,
// Apache 3.6+'s server.N=a:2888:3888|b:2888:3888) with the first address of every member
// dead — held bound and not listening, so the member cannot bind it and every dial to it is
// refused — and an ensemble on [::1] (IPv6 literals in the server lines, the pseudo-cluster
// shape of distinct ports). Each forms, and writes through every member read back on all.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { ZooKeeperClient } from '../../src/client/zookeeper-client';
import { holdUnreachable, srvrOnceServing, startMember, type Member, type MemberSpec } from '../support/ensemble';

const running: { stop(): unknown }[] = [];
const started: Member[] = [];
afterEach(async (t) => {
  if ((t as { passed?: boolean }).passed === false) for (const m of started) console.error(`--- member ${m.myid}:\n${m.log().split('\n').slice(-40).join('\n')}`);
  started.length = 0;
  for (const r of running.splice(0).reverse()) await r.stop();
});

function mode(srvr: string): string {
  return /Mode: (\w+)/.exec(srvr)?.[1] ?? `no mode in ${JSON.stringify(srvr)}`;
}

/** A write through every member (at host:clientPort), each read back on every member. */
async function writesEverywhere(clientAddresses: string[], tag: string): Promise<void> {
  const clients: ZooKeeperClient[] = [];
  for (const a of clientAddresses) {
    const c = await ZooKeeperClient.connect(a, { sessionTimeout_ms: 8000 });
    running.push({ stop: () => c.close() });
    clients.push(c);
  }
  for (const [i, c] of clients.entries()) await c.create(`/${tag}-${i + 1}`, Buffer.from(`${tag} via ${i + 1}`));
  for (const c of clients) {
    await c.sync('/');
    for (let i = 1; i <= clients.length; i++) assert.equal((await c.getData(`/${tag}-${i}`)).data?.toString(), `${tag} via ${i}`);
  }
}

test('ours ×3, each line two addresses with the first dead: the members bind the live one, dial past the dead one, elect, sync and serve', { timeout: 180_000 }, async () => {
  const dead = (myid: number) => `127.0.17.${10 + myid}`;
  const live = (myid: number) => `127.0.17.${myid}`;
  const members: MemberSpec[] = [1, 2, 3].map((myid) => ({ myid, host: live(myid), addresses: `${dead(myid)}:2888:3888|${live(myid)}:2888:3888` }));
  running.push(await holdUnreachable([1, 2, 3].flatMap((myid) => [2888, 3888].map((port) => ({ host: dead(myid), port })))));
  for (const m of members) {
    const member = await startMember('ours', m, members, { 'multiAddress.enabled': 'true' });
    running.push(member);
    started.push(member);
  }
  const modes = [];
  for (const m of members) modes.push(mode(await srvrOnceServing(m.host, 2181, 60_000)));
  assert.deepEqual([...modes].sort(), ['follower', 'follower', 'leader']);
  // The followers reached the leader on its live quorum address after the dead one refused.
  const leaderId = modes.indexOf('leader') + 1;
  for (const m of started.filter((s) => s.myid !== leaderId)) {
    await m.waitForLog(new RegExp(`Successfully connected to leader, using address: 127\\.0\\.17\\.${leaderId}:2888`), 10_000);
  }
  await writesEverywhere(members.map((m) => `${m.host}:2181`), 'multi');
});

test('ours ×3 on [::1] (server.N=[::1]:2888:3888 and up, the pseudo-cluster shape): they elect, sync and serve', { timeout: 180_000 }, async () => {
  const members: MemberSpec[] = [1, 2, 3].map((myid) => ({ myid, host: '::1', addresses: `[::1]:${2887 + myid}:${3887 + myid}` }));
  for (const m of members) {
    const member = await startMember('ours', m, members, { clientPort: 2180 + m.myid });
    running.push(member);
    started.push(member);
  }
  const modes = [];
  for (const m of members) modes.push(mode(await srvrOnceServing('::1', 2180 + m.myid, 60_000)));
  assert.deepEqual([...modes].sort(), ['follower', 'follower', 'leader']);
  await writesEverywhere(members.map((m) => `[::1]:${2180 + m.myid}`), 'v6');
});
