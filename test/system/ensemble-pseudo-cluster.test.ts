// The pseudo-cluster of ZooKeeper's administrator guide ("Running Replicated ZooKeeper" on
// one machine): three zoo.cfg on ONE address, each with its own clientPort (2181/2182/2183),
// quorum and election ports (2888:3888, 2889:3889, 2890:3890) and dataDir, myid 1..3.
// Started 1, then 2, then 3, Apache ZooKeeper 3.8 gives follower, leader, follower; three of
// ours give the same, and serve writes through any member read back on all.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { ZooKeeperClient } from '../../src/client/zookeeper-client';
import { srvrOnceServing, startMember, type Member, type MemberSpec } from '../support/ensemble';

const HOST = '127.0.13.1';
const members: MemberSpec[] = [1, 2, 3].map((myid) => ({ myid, host: HOST }));
const clientPort = (myid: number) => 2180 + myid;
/** The guide's shape: every member on one host, ports counted up from 2888 and 3888. */
const serverLines = Object.fromEntries(members.map((m) => [`server.${m.myid}`, `${HOST}:${2887 + m.myid}:${3887 + m.myid}`]));

const running: { stop(): unknown }[] = [];
const started: Member[] = [];
afterEach(async (t) => {
  if ((t as { passed?: boolean }).passed === false) for (const m of started) console.error(`--- member ${m.myid}:\n${m.log().split('\n').slice(-40).join('\n')}`);
  started.length = 0;
  for (const r of running.splice(0).reverse()) await r.stop();
});

async function member(flavour: 'apache' | 'ours', myid: number): Promise<Member> {
  const m = await startMember(flavour, members[myid - 1]!, members, { clientPort: clientPort(myid), ...serverLines });
  running.push(m);
  started.push(m);
  return m;
}

function mode(srvr: string): string {
  return /Mode: (\w+)/.exec(srvr)?.[1] ?? `no mode in ${JSON.stringify(srvr)}`;
}

/** Starts 1, then 2 (once 2 leads), then 3, and reads each member's Mode. */
async function startInOrder(flavour: 'apache' | 'ours'): Promise<string[]> {
  await member(flavour, 1);
  const m2 = await member(flavour, 2);
  await m2.waitForLog(/LEADING - LEADER ELECTION TOOK/, 30_000);
  await member(flavour, 3);
  const modes: string[] = [];
  for (const myid of [1, 2, 3]) modes.push(mode(await srvrOnceServing(HOST, clientPort(myid))));
  return modes;
}

for (const flavour of ['apache', 'ours'] as const) {
  test(`pseudo-cluster of ${flavour === 'apache' ? 'Apache' : 'ours'} ×3 on one address: started 1, 2, 3 they are follower, leader, follower; writes through each read back on all`, { timeout: 120_000 }, async () => {
    assert.deepEqual(await startInOrder(flavour), ['follower', 'leader', 'follower']);
    const clients: ZooKeeperClient[] = [];
    for (const myid of [1, 2, 3]) {
      const c = await ZooKeeperClient.connect(`${HOST}:${clientPort(myid)}`, { sessionTimeout_ms: 8000 });
      running.push({ stop: () => c.close() });
      clients.push(c);
    }
    for (const [i, c] of clients.entries()) await c.create(`/pseudo-${i + 1}`, Buffer.from(`via ${clientPort(i + 1)}`));
    for (const c of clients) {
      await c.sync('/');
      for (let i = 1; i <= 3; i++) assert.equal((await c.getData(`/pseudo-${i}`)).data?.toString(), `via ${clientPort(i)}`);
    }
  });
}
