// A learner synced by SNAP while clients keep writing through our leader ends with exactly
// the leader's tree: our leader streams the snapshot in slices, serving clients between
// them (a fuzzy snapshot, as Apache's leader sends), and the txns committed meanwhile
// follow it. Learners of both kinds: Apache ZooKeeper 3.8's and ours. The writes during the
// stream change data, create and delete nodes (whole subtrees too), and set ACL lists no
// node had when the stream began: what a fuzzy stream must get right.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { ZooKeeperClient } from '../../../src/client/zookeeper-client';
import { Code, KeeperError } from '../../../src/jute/keeper-error';
import type { ACL } from '../../../src/jute/records';
import { srvrOnceServing, startMember, type Member, type MemberSpec } from '../../support/ensemble';

/** Enough nodes for the stream to take many steps (SNAPSHOT_STEP_NODES each) while the writes go on. */
const NODES = 10_000;
const PARENTS = 20;
/** Requests the writer keeps in flight: a steady stream of commits during the SNAP. */
const WRITES_IN_FLIGHT = 8;
/** A member's start, election and sync on a loaded machine. */
const SERVING_ms = 60_000;
/**
 * tickTime for these members: with the default 500 (syncLimit 5: 2.5 s), a machine loaded
 * by other runs can keep a member from running long enough for its learners to give it up.
 */
const TICK_ms = 2000;
const OPEN: ACL[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];

type Flavour = 'apache' | 'ours';

/** path → what a client reads of it: data, Stat, ACL; /zookeeper (per-member config) left out. */
async function dumpTree(c: ZooKeeperClient): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  let level = ['/'];
  while (level.length > 0) {
    const next: string[] = [];
    await Promise.all(
      level.map(async (path) => {
        const [{ data, stat }, { acl }, children] = await Promise.all([c.getData(path), c.getACL(path), c.getChildren(path)]);
        out.set(path, { data: data?.toString('hex') ?? null, stat, acl, children: [...children].sort() });
        for (const child of children) {
          const p = path === '/' ? `/${child}` : `${path}/${child}`;
          if (p !== '/zookeeper') next.push(p);
        }
      }),
    );
    level = next;
  }
  return out;
}

/** Writes through `c` until stopped: setData, creates and deletes of subtrees, setACL with fresh lists. */
function startWriter(c: ZooKeeperClient): { stop(): Promise<number> } {
  let stopped = false;
  let done = 0;
  let i = 0;
  const one = async (): Promise<void> => {
    const n = i++;
    const target = `/t/p${n % PARENTS}/n${(n * 7919) % NODES}`;
    switch (n % 4) {
      case 0:
        await c.setData(target, Buffer.from(`w${n}`));
        break;
      case 1:
        // A subtree created while the stream goes on, then removed again half the time.
        await c.create(`/t/new${n}`, Buffer.from('x'));
        await c.create(`/t/new${n}/leaf`, null);
        if (n % 8 === 1) {
          await c.delete(`/t/new${n}/leaf`);
          await c.delete(`/t/new${n}`);
        }
        break;
      case 2:
        // An ACL list no node had: the stream's ACL map, written first, cannot hold it.
        await c.setACL(target, [...OPEN, { perms: 1, id: { scheme: 'digest', id: `u${n}:hash` } }]);
        break;
      case 3:
        await c.delete(`/t/p${n % PARENTS}/n${(n * 104729) % NODES}`);
        break;
    }
    done++;
  };
  // A node deleted earlier is a NONODE for a later write to it: that write is not a failure.
  const gone = (e: unknown) => {
    if (!(e instanceof KeeperError && e.code === Code.NONODE)) throw e;
  };
  const loops = Array.from({ length: WRITES_IN_FLIGHT }, async () => {
    while (!stopped) await one().catch(gone);
  });
  return {
    async stop() {
      stopped = true;
      await Promise.all(loops);
      return done;
    },
  };
}

for (const [learner, subnet] of [
  ['apache', 10],
  ['ours', 20],
] as const satisfies readonly (readonly [Flavour, number])[]) {
  describe(`our leader, ${learner === 'apache' ? "Apache's" : 'our'} learner`, () => {
    const members: MemberSpec[] = [1, 2, 3].map((myid) => ({ myid, host: `127.0.54.${subnet + myid}` }));
    const procs: Member[] = [];
    let failed = false;
    after(async () => {
      if (failed) for (const m of procs) console.error(`--- member ${m.myid}:\n${m.log().split('\n').slice(-30).join('\n')}`);
      for (const m of procs) await m.stop();
    });

    test(`synced by SNAP from a tree of ${NODES} nodes while writes go on, it has exactly the leader's tree`, { timeout: 240_000 }, async () => {
      try {
        // Ours lead (3, the higher id), 2 follows; 1 joins later with nothing: a SNAP.
        for (const myid of [3, 2]) procs.push(await startMember('ours', members[myid - 1]!, members, { tickTime: TICK_ms }));
        assert.equal(/Mode: (\w+)/.exec(await srvrOnceServing(members[2]!.host, 2181, SERVING_ms))?.[1], 'leader');
        const leader = procs[0]!;
        const c = await ZooKeeperClient.connect(`${members[2]!.host}:2181`, { sessionTimeout_ms: 20_000 });
        try {
          await c.create('/t', null);
          await Promise.all(Array.from({ length: PARENTS }, (_, p) => c.create(`/t/p${p}`, null)));
          for (let at = 0; at < NODES; at += 1000) {
            await Promise.all(Array.from({ length: 1000 }, (_, k) => c.create(`/t/p${(at + k) % PARENTS}/n${at + k}`, Buffer.alloc(100, at + k))));
          }

          const writer = startWriter(c);
          const from = leader.log().length;
          procs.push(await startMember(learner, members[0]!, members, { tickTime: TICK_ms }));
          const sent = await leader.waitForLog(/snapshot 0x[0-9a-f]+ sent to learner \d+: (\d+) slices, \d+ bytes in \d+ ms, the longest slice made in [\d.]+ ms, (\d+) packets held behind it/, SERVING_ms);
          assert.ok(leader.log().length > from);
          const writes = await writer.stop();
          console.log(`# ${sent[0]}; ${writes} writes in all`);
          assert.ok(Number(sent[1]) > NODES / 500, `the stream went in slices: ${sent[0]}`);
          assert.ok(Number(sent[2]) > 0, `txns were committed while it was sent (clients served between slices): ${sent[0]}`);
          assert.equal(/Mode: (\w+)/.exec(await srvrOnceServing(members[0]!.host, 2181, SERVING_ms))?.[1], 'follower');

          const onLearner = await ZooKeeperClient.connect(`${members[0]!.host}:2181`, { sessionTimeout_ms: 20_000 });
          try {
            await onLearner.sync('/');
            const [want, got] = await Promise.all([dumpTree(c), dumpTree(onLearner)]);
            assert.ok(want.size > NODES / 2);
            const differing = [...want.keys()].filter((p) => JSON.stringify(got.get(p), (_, v) => (typeof v === 'bigint' ? v.toString() : v)) !== JSON.stringify(want.get(p), (_, v) => (typeof v === 'bigint' ? v.toString() : v)));
            const extra = [...got.keys()].filter((p) => !want.has(p));
            assert.deepEqual({ differing: differing.slice(0, 5), extra: extra.slice(0, 5) }, { differing: [], extra: [] }, `first differing: ${JSON.stringify(differing.slice(0, 2).map((p) => [p, want.get(p), got.get(p)]), (_, v) => (typeof v === 'bigint' ? v.toString() : v))}`);
          } finally {
            await onLearner.close();
          }
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
