// No acknowledged write is ever lost: the server is killed with SIGKILL in the middle of a
// write load, again and again, and restarted on the same dataDir each time. Every write a
// client saw acknowledged is there afterwards; on each connection the writes that are
// there form an unbroken prefix of what it sent (in order, none skipped); and every node
// holds exactly the data it was created with (nothing half-applied).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZooKeeperClient } from '../../../src/client/zookeeper-client';
import { startServer } from '../../support/servers';

const HOST = '127.0.0.83';
// 20 kills in npm test (its time budget); `npm run test:crash` runs 200, or ZKTS_CRASH_KILLS.
const KILLS = Number(process.env.ZKTS_CRASH_KILLS ?? 20);
const WRITERS = 4;

test(`every acknowledged write survives ${KILLS} SIGKILLs mid-load`, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'zk-crash-'));
  // A small snapCount, so that log rolls and snapshots happen between the kills too.
  const cfg = { snapCount: 200, preAllocSize: 64 };
  try {
    const acked = new Map<string, string>(); // path → data, for every acknowledged create
    const setup = await startServer('ours', { host: HOST, dataDir, cfg });
    const zk = await ZooKeeperClient.connect(setup.connectString);
    for (let w = 0; w < WRITERS; w++) await zk.create(`/w${w}`);
    zk.disconnect();
    await setup.kill();

    const next = new Array<number>(WRITERS).fill(0);
    for (let round = 0; round < KILLS; round++) {
      const server = await startServer('ours', { host: HOST, dataDir, cfg });
      try {
        // Go on from what survived: what was sent but lost is sent again, so that each
        // connection's writes stay one unbroken sequence.
        const probe = await ZooKeeperClient.connect(server.connectString);
        for (let w = 0; w < WRITERS; w++) next[w] = (await probe.getChildren(`/w${w}`)).length;
        probe.disconnect();
        // Each writer pipelines creates of /w<w>/<n>; the data names the node, so a
        // half-applied or misplaced write shows.
        const stop = { now: false };
        const writers = Array.from({ length: WRITERS }, async (_, w) => {
          // The kill may come before this writer is even connected.
          const c = await ZooKeeperClient.connect(server.connectString).catch(() => undefined);
          if (!c) return;
          const inFlight = new Set<Promise<void>>();
          while (!stop.now && c.isConnected) {
            const path = `/w${w}/${String(next[w]!++).padStart(8, '0')}`;
            const data = `data of ${path}`;
            const p: Promise<void> = c.create(path, Buffer.from(data)).then(
              () => void acked.set(path, data),
              () => undefined, // lost with the connection: not acknowledged
            );
            inFlight.add(p);
            void p.finally(() => inFlight.delete(p));
            if (inFlight.size >= 16) await Promise.race(inFlight);
          }
          await Promise.allSettled(inFlight);
        });
        await new Promise((r) => setTimeout(r, 50 + Math.floor(Math.random() * 250)));
        await server.kill();
        stop.now = true;
        await Promise.all(writers);
      } catch (e) {
        throw new Error(`round ${round}: ${(e as Error).message}`, { cause: e });
      } finally {
        await server.kill();
      }
    }

    const server = await startServer('ours', { host: HOST, dataDir, cfg });
    try {
      const c = await ZooKeeperClient.connect(server.connectString);
      let total = 0;
      for (let w = 0; w < WRITERS; w++) {
        const names = (await c.getChildren(`/w${w}`)).sort();
        total += names.length;
        // In order, none skipped: the names present are exactly 0..k-1 of what was sent.
        names.forEach((name, i) => assert.equal(name, String(i).padStart(8, '0'), `/w${w} has a gap before ${name}`));
        for (const name of names) {
          const path = `/w${w}/${name}`;
          assert.equal((await c.getData(path)).data?.toString(), `data of ${path}`);
        }
      }
      for (const [path, data] of acked) {
        const got = await c.getData(path).catch(() => undefined);
        assert.equal(got?.data?.toString(), data, `acknowledged ${path} is lost`);
      }
      assert.ok(acked.size > KILLS * 10, `only ${acked.size} writes were acknowledged: the load did not run`);
      assert.ok(total >= acked.size);
      await c.close();
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
