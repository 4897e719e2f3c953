// Ensembles of ours whose server lines give each member two addresses (multiAddress.enabled,
// Apache 3.6+'s server.N=a:2888:3888|b:2888:3888) with the first address of every member
// dead — held bound and not listening, so the member cannot bind it and every dial to it is
// refused — and an ensemble on [::1] (IPv6 literals in the server lines, the pseudo-cluster
// shape of distinct ports). Each forms, and writes through every member read back on all.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { holdUnreachable, srvrOnceServing, type Member, type MemberSpec } from '../support/ensemble';
import { ensembleScope, modeOf as mode } from '../support/ensemble-scope';

const scope = ensembleScope();
const writesEverywhere = scope.writesEverywhere;

test('ours ×3, each line two addresses with the first dead: the members bind the live one, dial past the dead one, elect, sync and serve', { timeout: 180_000 }, async () => {
  const dead = (myid: number) => `127.0.17.${10 + myid}`;
  const live = (myid: number) => `127.0.17.${myid}`;
  const members: MemberSpec[] = [1, 2, 3].map((myid) => ({ myid, host: live(myid), addresses: `${dead(myid)}:2888:3888|${live(myid)}:2888:3888` }));
  scope.track(await holdUnreachable([1, 2, 3].flatMap((myid) => [2888, 3888].map((port) => ({ host: dead(myid), port })))));
  const started: Member[] = [];
  for (const m of members) started.push(await scope.start('ours', m, members, { 'multiAddress.enabled': 'true' }));
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
  for (const m of members) await scope.start('ours', m, members, { clientPort: 2180 + m.myid });
  const modes = [];
  for (const m of members) modes.push(mode(await srvrOnceServing('::1', 2180 + m.myid, 60_000)));
  assert.deepEqual([...modes].sort(), ['follower', 'follower', 'leader']);
  await writesEverywhere(members.map((m) => `[::1]:${2180 + m.myid}`), 'v6');
});
