// Mixed ensembles of real processes with multiAddress enabled on both sides (Apache 3.8 with
// -Dzookeeper.multiAddress.enabled=true, ours with multiAddress.enabled=true): server lines
// with two addresses each, the first of every member dead (held bound, not listening).
// Apache is myid 1, so every election connection to it is one of ours dialling back after
// its V2 initial message: ours must get past its dead address. And an ensemble on [::1].
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { ZooKeeperClient } from '../../../src/client/zookeeper-client';
import { holdUnreachable, srvrOnceServing, startMember, type Member, type MemberSpec } from '../../support/ensemble';

const MULTI_ADDRESS_JVM = ['-Dzookeeper.multiAddress.enabled=true'];
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

async function start(flavour: 'apache' | 'ours', me: MemberSpec, members: MemberSpec[], extra: Record<string, string | number>): Promise<Member> {
  const m = await startMember(flavour, me, members, extra);
  running.push(m);
  started.push(m);
  return m;
}

test('{Apache, ours, ours} with multiAddress, first addresses dead: Apache (myid 1) is dialled back past its dead address, follows our leader and serves', { timeout: 240_000 }, async () => {
  const dead = (myid: number) => `127.0.17.${30 + myid}`;
  const live = (myid: number) => `127.0.17.${20 + myid}`;
  const members: MemberSpec[] = [1, 2, 3].map((myid) => ({
    myid,
    host: live(myid),
    addresses: `${dead(myid)}:2888:3888|${live(myid)}:2888:3888`,
    ...(myid === 1 ? { jvmFlags: MULTI_ADDRESS_JVM } : {}),
  }));
  running.push(await holdUnreachable([1, 2, 3].flatMap((myid) => [2888, 3888].map((port) => ({ host: dead(myid), port })))));
  const apache = await start('apache', members[0]!, members, {});
  // Apache cannot bind its dead address and listens on the live one. Ours start after: they
  // dial Apache while they elect, and Apache answers on those connections (its own dials to
  // ours pick an address by InetAddress.isReachable, true for a dead port on a live host).
  await apache.waitForLog(new RegExp(`accepting connections now, my election bind port: /?${live(1).replace(/\./g, '\\.')}:3888`), 30_000);
  for (const m of members.slice(1)) await start('ours', m, members, { 'multiAddress.enabled': 'true' });
  const modes = [];
  for (const m of members) modes.push(mode(await srvrOnceServing(m.host, 2181, 90_000)));
  assert.deepEqual(modes, ['follower', 'follower', 'leader']);
  await writesEverywhere(members.map((m) => `${m.host}:2181`), 'mixed-multi');
});

test('{Apache, ours, Apache} on [::1] (server.N=[::1]:port:port, distinct ports): they elect, sync and serve', { timeout: 240_000 }, async () => {
  const members: MemberSpec[] = [1, 2, 3].map((myid) => ({ myid, host: '::1', addresses: `[::1]:${2890 + myid}:${3890 + myid}` }));
  const flavours = ['apache', 'ours', 'apache'] as const;
  for (const m of members) await start(flavours[m.myid - 1]!, m, members, { clientPort: 2183 + m.myid });
  const modes = [];
  for (const m of members) modes.push(mode(await srvrOnceServing('::1', 2183 + m.myid, 90_000)));
  assert.deepEqual([...modes].sort(), ['follower', 'follower', 'leader']);
  await writesEverywhere(members.map((m) => `[::1]:${2183 + m.myid}`), 'mixed-v6');
});
