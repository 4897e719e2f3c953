// A writer for the rolling turn-on tests: one session over every member creating
// <parent>/w-N one after another, each retried until acknowledged, and which phase of the
// turn-on each write was acknowledged in; and the check that every acknowledged write is on
// every member at the end; and the turn-on rolled through an ensemble that both use.
import assert from 'node:assert/strict';
import { ZooKeeperClient } from '../../src/client/zookeeper-client';
import { Code, KeeperError } from '../../src/jute/keeper-error';
import { srvrOnceServing } from './ensemble';
import { Session } from './session';

/** A pause between writes: a few hundred writes over a run, enough to see every phase. */
const WRITE_PAUSE_ms = 20;
/** How long one write may be retried (a restart of the member the session is on, an election). */
const WRITE_RETRY_ms = 20_000;
/** How long moreWrites waits for its writes: a restart and an election fit well within it. */
const MORE_WRITES_WAIT_ms = 10_000;

export interface AckedWriter<P> {
  acked: Map<string, P>;
  /** Waits (MORE_WRITES_WAIT_ms at most) until `n` more writes were acknowledged. */
  moreWrites(n: number): Promise<void>;
  stop(): Promise<void>;
}

export function ackedWriter<P>(hosts: string[], parent: string, phase: () => P): AckedWriter<P> {
  const acked = new Map<string, P>();
  let stopping = false;
  const loop = (async () => {
    const s = await Session.open(hosts.map((h) => `${h}:2181`), 10_000);
    for (let n = 1; !stopping; n++) {
      const path = `${parent}/w-${n}`;
      const deadline = Date.now() + WRITE_RETRY_ms;
      for (;;) {
        try {
          await (await s.connection()).create(path, Buffer.from(String(n)));
          break;
        } catch (e) {
          // A retry of a create the ensemble applied before the connection went: acknowledged.
          if (e instanceof KeeperError && e.code === Code.NODEEXISTS) break;
          if (Date.now() > deadline) throw new Error(`${path} not acknowledged within ${WRITE_RETRY_ms} ms: ${String(e)}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      acked.set(path, phase());
      await new Promise((r) => setTimeout(r, WRITE_PAUSE_ms));
    }
    await s.close();
  })();
  return {
    acked,
    async moreWrites(n) {
      const target = acked.size + n;
      const deadline = Date.now() + MORE_WRITES_WAIT_ms;
      while (acked.size < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    },
    async stop() {
      stopping = true;
      await loop;
    },
  };
}

/** Every write `w` acknowledged is a child of `parent` on every one of `hosts`. */
export async function assertAckedEverywhere(hosts: string[], parent: string, acked: Map<string, unknown>): Promise<void> {
  for (const host of hosts) {
    const c = await ZooKeeperClient.connect(`${host}:2181`, { sessionTimeout_ms: 8000 });
    await c.sync('/');
    const children = new Set((await c.getChildren(parent)).map((name) => `${parent}/${name}`));
    await c.close();
    const missing = [...acked.keys()].filter((p) => !children.has(p));
    assert.deepEqual(missing, [], `acknowledged writes missing on ${host}`);
  }
}

/**
 * A turn-on rolled through a running ensemble under writes, as Apache's admin guide rolls one:
 * members 1, 3, 2 started in `phases[0]` (member 1 first: an Apache JVM is slowest to start),
 * then, phase by phase, each member restarted over its directory by `start` and serving again
 * before the next. Returns the writes acknowledged per phase, after asserting that every
 * phase had some and that every acknowledged write is on every member.
 */
export async function rollThroughPhases<P extends string>(
  members: { myid: number; host: string }[],
  phases: readonly P[],
  start: (myid: number, phase: P) => Promise<{ waitForLog(pattern: RegExp, timeout_ms: number): Promise<unknown> }>,
): Promise<Map<P, number>> {
  const hosts = members.map((m) => m.host);
  const serving = async (myid: number, phase: P) =>
    assert.match(await srvrOnceServing(hosts[myid - 1]!, 2181, 60_000), /Mode: (leader|follower)/, `member ${myid} serves in phase ${phase}`);
  const first = await start(1, phases[0]!);
  await first.waitForLog(/is accepting connections now/, 60_000);
  await start(3, phases[0]!);
  await start(2, phases[0]!);
  for (const m of members) await serving(m.myid, phases[0]!);
  const setup = await ZooKeeperClient.connect(`${hosts[0]}:2181`, { sessionTimeout_ms: 8000 });
  await setup.create('/roll', null);
  await setup.close();

  let phase = phases[0]!;
  const w = ackedWriter(hosts, '/roll', () => phase);
  try {
    await w.moreWrites(20);
    for (const next of phases.slice(1)) {
      phase = next;
      for (const m of members) {
        await start(m.myid, next);
        await serving(m.myid, next);
      }
    }
    // Writes go on a moment in the last phase too.
    await w.moreWrites(20);
  } finally {
    await w.stop();
  }
  const perPhase = new Map<P, number>();
  for (const p of w.acked.values()) perPhase.set(p, (perPhase.get(p) ?? 0) + 1);
  for (const p of phases) assert.ok((perPhase.get(p) ?? 0) > 0, `no write acknowledged in phase ${p}`);
  await assertAckedEverywhere(hosts, '/roll', w.acked);
  return perPhase;
}
