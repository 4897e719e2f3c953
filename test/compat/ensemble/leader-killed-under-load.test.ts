// The leader SIGKILLed under a small write load, real processes: {ours ×3} and mixed
// ensembles. Writers on the two followers create nodes one after another, reconnecting
// when their member drops them during the election; a new leader is elected and the writes
// go on; afterwards every acknowledged create is on every member — the two that stayed and
// the old leader restarted over its dataDir. (A create that failed may or may not be there:
// only acknowledged ones are owed.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ZooKeeperClient } from '../../../src/client/zookeeper-client';
import { srvrOnceServing, startMember, type Member, type MemberSpec } from '../../support/ensemble';
import { modeOf as mode } from '../../support/ensemble-scope';

type Flavour = 'apache' | 'ours';
/** Writers per follower: a small load, enough that creates are in flight when the leader dies. */
const WRITERS_PER_FOLLOWER = 2;
/** Load before the kill, and after the new leader took writes, so both epochs carry writes. */
const LOAD_BEFORE_KILL_ms = 1500;
const LOAD_AFTER_FAILOVER_ms = 1500;
/** Election and sync after the kill: Apache re-elected in ~1.2 s here; generous for a loaded machine. */
const FAILOVER_ms = 30_000;

async function connect(host: string): Promise<ZooKeeperClient> {
  return ZooKeeperClient.connect(`${host}:2181`, { sessionTimeout_ms: 6000, connectTimeout_ms: 2000 });
}

/** Creates /load/<tag>-<i> one after another until stopped; returns the acknowledged paths. */
async function writer(host: string, tag: string, stop: { now: boolean }, progress: { acked: number }): Promise<string[]> {
  const acked: string[] = [];
  let c: ZooKeeperClient | undefined;
  for (let i = 0; !stop.now; i++) {
    try {
      c ??= await connect(host);
      const path = `/load/${tag}-${i}`;
      await c.create(path, Buffer.from(tag));
      acked.push(path);
      progress.acked++;
    } catch {
      // Dropped while the ensemble elects (or not serving yet): not acknowledged, try again.
      c?.disconnect();
      c = undefined;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await c?.close().catch(() => undefined);
  return acked;
}

for (const [flavours, subnet] of [
  [['ours', 'ours', 'ours'], 50],
  [['apache', 'ours', 'apache'], 60],
  [['ours', 'apache', 'ours'], 70],
] as [Flavour[], number][]) {
  test(`{${flavours.join(', ')}}: the leader (myid 3) killed under load, a new leader is elected and every acknowledged create is on every member`, { timeout: 180_000 }, async () => {
    const members: MemberSpec[] = [1, 2, 3].map((myid) => ({ myid, host: `127.0.13.${subnet + myid}` }));
    const procs: Member[] = [];
    try {
      // 3 and 1 first, 2 once 3 leads them: the higher myid leads the first quorum whatever
      // the load (a slow JVM for 3 would let 1 and 2 elect 2).
      for (const i of [2, 0]) procs[i] = await startMember(flavours[i]!, members[i]!, members);
      assert.equal(mode(await srvrOnceServing(members[2]!.host, 2181, FAILOVER_ms)), 'leader');
      procs[1] = await startMember(flavours[1]!, members[1]!, members);
      // The followers serve once they synced with the leader, a moment after it leads.
      for (const m of members.slice(0, 2)) assert.equal(mode(await srvrOnceServing(m.host)), 'follower');
      const setup = await connect(members[0]!.host);
      await setup.create('/load', null);
      await setup.close();

      const stop = { now: false };
      const progress = { acked: 0 };
      const writers = [0, 1].flatMap((f) => Array.from({ length: WRITERS_PER_FOLLOWER }, (_, w) => writer(members[f]!.host, `m${f + 1}w${w}`, stop, progress)));
      await new Promise((r) => setTimeout(r, LOAD_BEFORE_KILL_ms));
      const beforeKill = progress.acked;
      assert.ok(beforeKill > 0, 'writes were acknowledged before the kill');
      await procs[2]!.stop({ keepDir: true });
      const killedAt = Date.now();

      // Of 1 and 2, the one with the later history (or, equal, the higher myid) leads.
      const leader = await Promise.race([procs[0]!, procs[1]!].map((m) => m.waitForLog(/LEADING - LEADER ELECTION TOOK/, FAILOVER_ms).then(() => m)));
      assert.equal(mode(await srvrOnceServing(leader.host)), 'leader');
      const deadline = Date.now() + FAILOVER_ms;
      while (progress.acked === beforeKill && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.ok(progress.acked > beforeKill, 'writes acknowledged again after the failover');
      const failover_ms = Date.now() - killedAt;
      await new Promise((r) => setTimeout(r, LOAD_AFTER_FAILOVER_ms));
      stop.now = true;
      const acked = (await Promise.all(writers)).flat();
      console.log(`# {${flavours.join(', ')}}: ${acked.length} creates acknowledged (${beforeKill} before the kill); writes again ${failover_ms} ms after the kill; new leader ${leader.myid}`);

      // The old leader back over its dataDir, as a follower; then every member has them all.
      procs[2] = await startMember(flavours[2]!, members[2]!, members, {}, procs[2]!.dir);
      assert.equal(mode(await srvrOnceServing(members[2]!.host)), 'follower');
      for (const m of members) {
        const c = await connect(m.host);
        try {
          await c.sync('/');
          const children = new Set(await c.getChildren('/load'));
          const missing = acked.filter((p) => !children.has(p.slice('/load/'.length)));
          assert.deepEqual(missing, [], `member ${m.myid} lacks acknowledged creates`);
        } finally {
          await c.close();
        }
      }
    } catch (e) {
      for (const m of procs.filter(Boolean)) console.error(`--- member ${m.myid}:\n${m.log().split('\n').slice(-30).join('\n')}`);
      throw e;
    } finally {
      for (const m of procs.filter(Boolean)) await m.stop();
    }
  });
}
