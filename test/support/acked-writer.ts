// A writer for the rolling turn-on tests: one session over every member creating
// <parent>/w-N one after another, each retried until acknowledged, and which phase of the
// turn-on each write was acknowledged in; and the check that every acknowledged write is on
// every member at the end.
import assert from 'node:assert/strict';
import { ZooKeeperClient } from '../../src/client/zookeeper-client';
import { Code, KeeperError } from '../../src/jute/keeper-error';
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
