// Mixed ensembles of real processes: Apache ZooKeeper 3.8 members (Debian's package) and
// zookeeper-ts members (dist/zookeeper-ts.cjs server zoo.cfg) in one ensemble on
// 127.0.10.x with the real ports. Ours leads Apache followers, follows an Apache leader, and
// takes over an Apache member's dataDir and myid in place — the step of a live migration.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ZooKeeperClient } from '../../../src/client/zookeeper-client';
import { srvrOnceServing, type Member, type MemberSpec } from '../../support/ensemble';
import { ensembleScope, modeOf as mode } from '../../support/ensemble-scope';

const members: MemberSpec[] = [1, 2, 3].map((myid) => ({ myid, host: `127.0.10.${myid}` }));
const scope = ensembleScope();
const member = (flavour: 'apache' | 'ours', myid: number, reuseDir?: string): Promise<Member> => scope.start(flavour, members[myid - 1]!, members, {}, reuseDir);
const client = (myid: number): Promise<ZooKeeperClient> => scope.client(`${members[myid - 1]!.host}:2181`);
/** A write through every member, each read back on every member. */
const writesEverywhere = (tag: string) => scope.writesEverywhere(members.map((m) => `${m.host}:2181`), tag);

/**
 * Members 3 and 1 make the first quorum and 3 leads it: member 2 starts only then, so that
 * a slow JVM start on a loaded machine cannot let 1 and 2 elect 2 first.
 */
async function firstQuorumLedBy3(): Promise<void> {
  assert.equal(mode(await srvrOnceServing(members[2]!.host, 2181, 60_000)), 'leader');
}

test('{Apache, Apache, ours}: ours (myid 3) leads two Apache followers', { timeout: 180_000 }, async () => {
  await member('ours', 3);
  const a1 = await member('apache', 1);
  await firstQuorumLedBy3();
  const a2 = await member('apache', 2);
  assert.equal(mode(await srvrOnceServing(members[0]!.host)), 'follower');
  assert.equal(mode(await srvrOnceServing(members[1]!.host)), 'follower');
  await a1.waitForLog(/FOLLOWING - LEADER ELECTION TOOK/, 10_000);
  await a2.waitForLog(/Getting a (diff from the|snapshot from) leader/, 10_000);
  await writesEverywhere('led-by-ours');
});

test('{ours, Apache, Apache}: ours (myid 1) follows the Apache leader', { timeout: 180_000 }, async () => {
  await member('apache', 3);
  await member('ours', 1);
  await firstQuorumLedBy3();
  await member('apache', 2);
  assert.equal(mode(await srvrOnceServing(members[0]!.host)), 'follower');
  assert.equal(mode(await srvrOnceServing(members[1]!.host)), 'follower'); // started last
  await writesEverywhere('led-by-apache');
});

test('an Apache member replaced in place by ours (same dataDir and myid): it rejoins from Apache\'s files and serves what was written before', { timeout: 180_000 }, async () => {
  await member('apache', 3);
  const a1 = await member('apache', 1);
  await firstQuorumLedBy3();
  await member('apache', 2);
  for (const m of members.slice(0, 2)) assert.equal(mode(await srvrOnceServing(m.host)), 'follower');
  await writesEverywhere('before');
  // Member 1 stops as Apache and starts again as ours over the same directory.
  await scope.stopKeepingDir(a1);
  await member('ours', 1, a1.dir);
  assert.equal(mode(await srvrOnceServing(members[0]!.host)), 'follower');
  const c1 = await client(1);
  for (let i = 1; i <= 3; i++) assert.equal((await c1.getData(`/before-${i}`)).data?.toString(), `before via ${i}`);
  await writesEverywhere('after');
});
