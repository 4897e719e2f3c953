// Quotas in a mixed ensemble (enforceQuota=true on every member): a follower forwards a
// write and the leader's prepare checks it against the quota — ours leading an Apache
// follower and ours, then, once our leader is gone, Apache leading ours. Every member then
// holds the same stats node. Addresses 127.0.44.11-13.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ZooKeeperClient } from '../../../src/client/zookeeper-client';
import { CreateMode, OpCode, OPEN_ACL_UNSAFE } from '../../../src/jute/constants';
import { KeeperError } from '../../../src/jute/keeper-error';
import type { MultiOp } from '../../../src/jute/multi';
import { fourLetterWord } from '../../support/servers';
import { srvrOnceServing, type Member, type MemberSpec } from '../../support/ensemble';
import { ensembleScope } from '../../support/ensemble-scope';

const members: MemberSpec[] = [1, 2, 3].map((myid) => ({ myid, host: `127.0.44.${10 + myid}` }));
const FLAVOUR: Record<number, 'apache' | 'ours'> = { 1: 'ours', 2: 'apache', 3: 'ours' };
const scope = ensembleScope();

/** How long a member gets to serve, and an ensemble to elect again: JVMs and elections on 2 busy cores. */
const SERVING_ms = 60_000;

const client = (myid: number): Promise<ZooKeeperClient> => scope.client(`${members[myid - 1]!.host}:2181`);

async function outcome(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
    return 'ok';
  } catch (e) {
    if (!(e instanceof KeeperError)) throw e;
    return `${e.code}`;
  }
}

function createOp(path: string, data: string | null): MultiOp {
  return { type: OpCode.create, op: 'create', path, data: data === null ? null : Buffer.from(data), acl: OPEN_ACL_UNSAFE, flags: CreateMode.PERSISTENT, ttl: -1 };
}

/** The stats node as each given member holds it, after a sync (so each has the last write). */
async function statsOn(myids: number[]): Promise<string[]> {
  const out: string[] = [];
  for (const myid of myids) {
    const c = await client(myid);
    await c.sync('/zookeeper/quota/e/zookeeper_stats');
    out.push((await c.getData('/zookeeper/quota/e/zookeeper_stats')).data!.toString());
  }
  return out;
}

async function leader(myids: number[]): Promise<number> {
  const deadline = Date.now() + SERVING_ms;
  while (Date.now() < deadline) {
    for (const myid of myids) {
      const srvr = await fourLetterWord(members[myid - 1]!.host, 2181, 'srvr').catch(() => '');
      if (srvr.includes('Mode: leader')) return myid;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no leader among ${myids.join(', ')} within ${SERVING_ms} ms`);
}

test('a follower forwards, the leader checks the quota: ours leading Apache, then Apache leading ours', { timeout: 180_000 }, async () => {
  const started: Member[] = [];
  for (const m of members) started.push(await scope.start(FLAVOUR[m.myid]!, m, members, { enforceQuota: 'true' }));
  for (const m of members) assert.match(await srvrOnceServing(m.host, 2181, SERVING_ms), /Mode:/, `member ${m.myid} serves`);
  assert.equal(await leader([1, 2, 3]), 3, 'our member 3 leads');

  const viaApache = await client(2);
  const viaOurs = await client(1);
  const first = [
    await outcome(() => viaApache.create('/e', Buffer.from('0123456789'))),
    await outcome(() => viaApache.multi([createOp('/zookeeper/quota/e', null), createOp('/zookeeper/quota/e/zookeeper_limits', 'count=-1,bytes=-1=;byteHardLimit=20;countHardLimit=3'), createOp('/zookeeper/quota/e/zookeeper_stats', 'count=0,bytes=0')])),
    await outcome(() => viaApache.create('/e/a', Buffer.from('01234'))),
    await outcome(() => viaApache.create('/e/b', Buffer.from('0123456789'))), // 25 bytes > 20
    await outcome(() => viaOurs.create('/e/c')),
    await outcome(() => viaOurs.create('/e/d')), // count 4 > 3
  ];
  assert.deepEqual(first, ['ok', 'ok', 'ok', '-125', 'ok', '-125']);
  // A soft limit: the write goes through, the leader logs it.
  const soft = [
    await outcome(() => viaOurs.create('/s')),
    await outcome(() => viaOurs.multi([createOp('/zookeeper/quota/s', null), createOp('/zookeeper/quota/s/zookeeper_limits', 'count=1,bytes=-1=;byteHardLimit=-1;countHardLimit=-1'), createOp('/zookeeper/quota/s/zookeeper_stats', 'count=0,bytes=0')])),
    await outcome(() => viaApache.create('/s/x')),
  ];
  assert.deepEqual(soft, ['ok', 'ok', 'ok']);
  await started[2]!.waitForLog(/WARN .*Quota exceeded: \/s \[current count=2, softCountLimit=1\]/, SERVING_ms);
  assert.deepEqual(await statsOn([1, 2, 3]), Array(3).fill('count=3,bytes=15'));

  // Our leader goes; Apache's member 2 (the higher myid left) leads our member 1.
  await started[2]!.stop();
  assert.equal(await leader([1, 2]), 2, "Apache's member 2 leads");
  assert.match(await srvrOnceServing(members[0]!.host, 2181, SERVING_ms), /Mode: follower/);
  const again = await client(1);
  const second = [
    await outcome(() => again.setData('/e/a', Buffer.from('x'.repeat(20)))), // 30 bytes > 20
    await outcome(() => again.create('/e/d')),
    await outcome(() => again.setData('/e/a', Buffer.from('xy'))),
  ];
  assert.deepEqual(second, ['-125', '-125', 'ok']);
  assert.equal(await outcome(() => again.create('/s/y')), 'ok');
  await started[1]!.waitForLog(/WARN .*Message:Quota exceeded: \/s \[current count=3, softCountLimit=1\]/, SERVING_ms);
  assert.deepEqual(await statsOn([1, 2]), Array(2).fill('count=3,bytes=12'));
});
