// A member that was down for more writes than the leader keeps in memory (commitLogCount,
// 500) still catches up by DIFF when the leader's txn log reaches back to it and weighs less
// than snapshotSizeFactor (0.33) x its newest snapshot: Apache 3.8's syncFollower reads the
// log, then the in-memory window on top. Our leader, an Apache ZooKeeper 3.8 follower, and
// the restarted member Apache's or ours, as real processes: the learner logs "Getting a diff
// from the leader" (Apache's line, which ours prints too) and has every node written while
// it was down. Addresses 127.0.16.x only, so it runs without the shared test lock.
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ZooKeeperClient } from '../../../src/client/zookeeper-client';
import { srvrOnceServing, startMember, type Member, type MemberSpec } from '../../support/ensemble';

/** More than commitLogCount (500): the leader cannot DIFF from memory alone. */
const WRITES_WHILE_DOWN = 600;
/**
 * The snapshot the log is weighed against: this many nodes of BIG_NODE_bytes (~5 MB), so
 * 0.33 of it (~1.6 MB) is well above the log files the DIFF reads (a few 64 KB steps).
 */
const BIG_NODES = 10;
const BIG_NODE_bytes = 500_000;
/** Rolls the log and snapshots every 201..400 txns (ZooKeeper's random share of snapCount): the big nodes are in a snapshot after the first few hundred writes. */
const SNAP_COUNT = 400;
/** Small writes after the big nodes, enough for at least one roll (more than SNAP_COUNT). */
const WRITES_TO_SNAPSHOT = 450;
/** In KB: log files grow in 64 KB steps, not the default 64 MB, whose length alone would exceed the limit (Apache weighs the files' lengths). */
const PRE_ALLOC_KB = 64;
/** A restarted member: JVM start (about 1.5 s), election, sync; generous for a loaded machine. */
const REJOIN_ms = 60_000;

type Flavour = 'apache' | 'ours';

async function write(host: string, prefix: string, count: number, data: (i: number) => Buffer): Promise<void> {
  const c = await ZooKeeperClient.connect(`${host}:2181`, { sessionTimeout_ms: 8000 });
  try {
    await c.create(prefix, null);
    for (let done = 0; done < count; done += 100) {
      await Promise.all(Array.from({ length: Math.min(100, count - done) }, (_, k) => c.create(`${prefix}/n${done + k}`, data(done + k))));
    }
  } finally {
    await c.close();
  }
}

/** The largest snapshot in a member's dataDir, in bytes. */
function largestSnapshot_bytes(dataDir: string): number {
  const dir = join(dataDir, 'version-2');
  return Math.max(0, ...readdirSync(dir).filter((f) => f.startsWith('snapshot.')).map((f) => statSync(join(dir, f)).size));
}

async function until<T>(what: string, timeout_ms: number, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeout_ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

for (const [learner, subnet] of [
  ['apache', 10],
  ['ours', 20],
] as const satisfies readonly (readonly [Flavour, number])[]) {
  describe(`our leader, an Apache follower, ${learner === 'apache' ? 'an Apache' : 'our'} learner down for ${WRITES_WHILE_DOWN} writes`, () => {
    const members: MemberSpec[] = [1, 2, 3].map((myid) => ({ myid, host: `127.0.16.${subnet + myid}` }));
    const flavours: Flavour[] = [learner, 'apache', 'ours'];
    const procs: Member[] = [];
    const start = async (myid: number, reuseDir?: string) => (procs[myid - 1] = await startMember(flavours[myid - 1]!, members[myid - 1]!, members, { snapCount: SNAP_COUNT, preAllocSize: PRE_ALLOC_KB }, reuseDir));
    let failed = false;
    before(async () => {
      // 3 and 2 first, so 3 (ours, the higher) leads; then 1.
      for (const myid of [3, 2, 1]) await start(myid);
      assert.equal(/Mode: (\w+)/.exec(await srvrOnceServing(members[2]!.host))?.[1], 'leader');
      for (const myid of [1, 2]) assert.equal(/Mode: (\w+)/.exec(await srvrOnceServing(members[myid - 1]!.host))?.[1], 'follower');
    });
    after(async () => {
      if (failed) for (const m of procs) if (m) console.error(`--- member ${m.myid}:\n${m.log().split('\n').slice(-40).join('\n')}`);
      for (const m of procs) await m?.stop();
    });

    test('it catches up by DIFF from the leader\'s txn log and has every node', { timeout: 240_000 }, async () => {
      try {
        const leader = procs[2]!;
        await write(members[2]!.host, '/big', BIG_NODES, () => Buffer.alloc(BIG_NODE_bytes, 0x61));
        await write(members[2]!.host, '/fill', WRITES_TO_SNAPSHOT, (i) => Buffer.from(`${i}`));
        const snap = await until('a snapshot holding the big nodes on the leader', 30_000, () => {
          const s = largestSnapshot_bytes(leader.dataDir);
          return s > BIG_NODES * BIG_NODE_bytes ? s : undefined;
        });
        console.log(`# the leader's largest snapshot: ${snap} bytes; the txn log limit: ${Math.trunc(snap * 0.33)} bytes`);
        // A few txns past the roll, and member 1 has them (a sync and a read on it) before it
        // stops: its last zxid is then in the log after the snapshot, not in the one before,
        // which holds the big nodes and weighs more than the limit (a SNAP, rightly).
        await write(members[2]!.host, '/after-snapshot', 5, (i) => Buffer.from(`${i}`));
        const c1 = await ZooKeeperClient.connect(`${members[0]!.host}:2181`, { sessionTimeout_ms: 8000 });
        try {
          await c1.sync('/');
          assert.equal((await c1.getChildren('/after-snapshot')).length, 5);
        } finally {
          await c1.close();
        }
        const m1 = procs[0]!;
        await m1.stop({ keepDir: true });
        await write(members[2]!.host, '/diff', WRITES_WHILE_DOWN, (i) => Buffer.from(`${i}`));
        const from = leader.log().length;
        const again = await start(1, m1.dir);
        const how = await until('member 1 to log how it synced', REJOIN_ms, () => /Getting a (diff from the leader|snapshot from leader) 0x[0-9a-f]+/.exec(again.log())?.[0]);
        assert.match(how, /Getting a diff from the leader/, 'a DIFF, not a SNAP');
        assert.match(leader.log().slice(from), /Sending DIFF from the txn log and the committed log/);
        assert.equal(/Mode: (\w+)/.exec(await srvrOnceServing(members[0]!.host))?.[1], 'follower');
        const c = await ZooKeeperClient.connect(`${members[0]!.host}:2181`, { sessionTimeout_ms: 8000 });
        try {
          await c.sync('/');
          const children = await c.getChildren('/diff');
          assert.equal(children.length, WRITES_WHILE_DOWN);
          const expected = Array.from({ length: WRITES_WHILE_DOWN }, (_, i) => `n${i}`).sort();
          assert.deepEqual(children.sort(), expected);
          assert.equal((await c.getData('/diff/n599')).data?.toString(), '599');
          assert.equal((await c.getChildren('/big')).length, BIG_NODES);
        } finally {
          await c.close();
        }
      } catch (err) {
        failed = true;
        throw err;
      }
    });
  });
}
