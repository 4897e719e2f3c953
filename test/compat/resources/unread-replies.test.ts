// A client that pipelines getData of a 1 MB node and never reads a reply must not grow
// the server: it stops reading from that connection once its unsent replies pass a bound
// (MAX_UNSENT_SOFT_bytes), so the requests wait in the client's socket, not in our memory.
// The same client runs against Apache ZooKeeper 3.8 for comparison; meanwhile a bystander
// session keeps working and keeps its ephemeral node.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CreateMode, OpCode } from '../../../src/jute/constants';
import { ZooKeeperClient } from '../../../src/client/zookeeper-client';
import { startServer, type Flavour, type RunningServer } from '../../support/servers';
import { pathWatchFrame, RawConnection, rss_bytes } from '../../support/raw-client';

const HOSTS: Record<Flavour, string> = { apache: '127.0.2.5', ours: '127.0.2.6' };
const RUN_ms = 10_000;
/** Ours before the fix passed 2.5 GiB in 7 s; idle it is under 100 MiB. */
const RSS_CEILING_bytes = 300 * 1024 * 1024;
/** The bystander's slowest round trip while the greedy client runs. */
const BYSTANDER_LATENCY_CEILING_ms = 1_000;
const NODE_bytes = 1_000_000;
const servers = new Map<Flavour, RunningServer>();

before(async () => {
  await Promise.all((['apache', 'ours'] as const).map(async (f) => servers.set(f, await startServer(f, { host: HOSTS[f] }))));
});

after(async () => {
  await Promise.all([...servers.values()].map((s) => s.stop()));
});

interface Run {
  rss_max_bytes: number;
  requests_written: number;
  bystander_max_ms: number;
  bystander_rounds: number;
  ephemeralKept: boolean;
}

async function greedyClient(server: RunningServer): Promise<Run> {
  const bystander = await ZooKeeperClient.connect(server.connectString, { sessionTimeout_ms: 6_000 });
  await bystander.create('/big', Buffer.alloc(NODE_bytes, 7));
  await bystander.create('/bystander', Buffer.from('here'), { mode: CreateMode.EPHEMERAL });

  const greedy = await RawConnection.open(server.host);
  await greedy.handshake();
  greedy.socket.pause(); // never read again: the replies pile up wherever the server keeps them
  const batch = Buffer.concat(Array.from({ length: 256 }, (_, i) => pathWatchFrame(i + 1, OpCode.getData, '/big')));
  let written = 0;
  let running = true;
  const writer = (async () => {
    while (running) {
      written += 256;
      if (!greedy.socket.write(batch)) await drainedOrAfter(greedy.socket, 200);
    }
  })();

  let rss_max_bytes = 0;
  let bystander_max_ms = 0;
  let rounds = 0;
  const deadline = performance.now() + RUN_ms;
  while (performance.now() < deadline) {
    rss_max_bytes = Math.max(rss_max_bytes, rss_bytes(server.pid));
    const t = performance.now();
    await bystander.setData('/bystander', Buffer.from(String(rounds)));
    await bystander.getData('/bystander');
    bystander_max_ms = Math.max(bystander_max_ms, performance.now() - t);
    rounds++;
    await new Promise((r) => setTimeout(r, 100));
  }
  rss_max_bytes = Math.max(rss_max_bytes, rss_bytes(server.pid));
  running = false;
  greedy.destroy();
  await writer;
  const observer = await ZooKeeperClient.connect(server.connectString);
  const ephemeralKept = (await observer.exists('/bystander'))?.ephemeralOwner === bystander.sessionId;
  observer.disconnect();
  await bystander.close();
  return { rss_max_bytes, requests_written: written, bystander_max_ms, bystander_rounds: rounds, ephemeralKept };
}

test('a client that never reads its getData replies leaves the server within its RSS ceiling, and a bystander keeps working', async () => {
  const results = new Map<Flavour, Run>();
  for (const f of ['apache', 'ours'] as const) results.set(f, await greedyClient(servers.get(f)!));
  for (const [f, r] of results) {
    console.log(
      `${f}: RSS max ${(r.rss_max_bytes / 2 ** 20).toFixed(0)} MiB over ${RUN_ms} ms, ${r.requests_written} getData queued by the client, ` +
        `bystander ${r.bystander_rounds} rounds, slowest ${r.bystander_max_ms.toFixed(0)} ms, ephemeral kept: ${r.ephemeralKept}`,
    );
  }
  const ours = results.get('ours')!;
  assert.ok(ours.rss_max_bytes < RSS_CEILING_bytes, `ours reached ${(ours.rss_max_bytes / 2 ** 20).toFixed(0)} MiB`);
  assert.ok(ours.bystander_max_ms < BYSTANDER_LATENCY_CEILING_ms, `the bystander waited ${ours.bystander_max_ms.toFixed(0)} ms`);
  assert.ok(ours.ephemeralKept, 'the bystander kept its ephemeral');
});

/** Waits for the socket to drain, or ms at most (its peer may never read); leaves no listener behind. */
function drainedOrAfter(socket: import('node:net').Socket, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      socket.off('drain', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    socket.once('drain', done);
  });
}
