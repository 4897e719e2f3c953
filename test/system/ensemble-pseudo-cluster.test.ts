// The pseudo-cluster of ZooKeeper's administrator guide ("Running Replicated ZooKeeper" on
// one machine): three zoo.cfg on ONE address, each with its own clientPort (2181/2182/2183),
// quorum and election ports (2888:3888, 2889:3889, 2890:3890) and dataDir, myid 1..3.
// Started 1, then 2, then 3, Apache ZooKeeper 3.8 gives follower, leader, follower; three of
// ours give the same, and serve writes through any member read back on all.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { srvrOnceServing, type Member, type MemberSpec } from '../support/ensemble';
import { ensembleScope, modeOf as mode } from '../support/ensemble-scope';

const HOST = '127.0.13.1';
const members: MemberSpec[] = [1, 2, 3].map((myid) => ({ myid, host: HOST }));
const clientPort = (myid: number) => 2180 + myid;
/** The guide's shape: every member on one host, ports counted up from 2888 and 3888. */
const serverLines = Object.fromEntries(members.map((m) => [`server.${m.myid}`, `${HOST}:${2887 + m.myid}:${3887 + m.myid}`]));

const scope = ensembleScope();
const member = (flavour: 'apache' | 'ours', myid: number): Promise<Member> => scope.start(flavour, members[myid - 1]!, members, { clientPort: clientPort(myid), ...serverLines });

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
    await scope.writesEverywhere([1, 2, 3].map((myid) => `${HOST}:${clientPort(myid)}`), 'pseudo');
  });
}
