// A connection that never sends a ConnectRequest is closed after the sessionless timeout,
// as Apache ZooKeeper 3.8 closes it: zookeeper.nio.sessionlessCnxnTimeout (10 s) rounded
// up to the next boundary of its 10 s expiry buckets, so 10 to 20 s after the last byte.
// One that sent half a ConnectRequest is closed the same way; one with a session is not.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ZooKeeperClient } from '../../../src/client/zookeeper-client';
import { startServer, type Flavour, type RunningServer } from '../../support/servers';
import { connectFrame, RawConnection } from '../../support/raw-client';

const HOSTS: Record<Flavour, string> = { apache: '127.0.2.3', ours: '127.0.2.4' };
const servers = new Map<Flavour, RunningServer>();
/** Apache's rule: at least the timeout, at most timeout + one bucket interval. */
const MIN_ms = 10_000;
const MAX_ms = 20_000;
/** Timers and the JVM's scheduling: how far either server may stray from the rule. */
const TOLERANCE_ms = 1_500;

before(async () => {
  await Promise.all((['apache', 'ours'] as const).map(async (f) => servers.set(f, await startServer(f, { host: HOSTS[f] }))));
});

after(async () => {
  await Promise.all([...servers.values()].map((s) => s.stop()));
});

interface Probe {
  silent_ms: number;
  partial_ms: number;
  withSessionAlive: boolean;
}

async function probe(host: string): Promise<Probe> {
  const started = performance.now();
  const silent = await RawConnection.open(host);
  const partial = await RawConnection.open(host);
  partial.write(connectFrame().subarray(0, 20)); // a ConnectRequest cut short: no session ever
  const client = await ZooKeeperClient.connect(`${host}:2181`, { sessionTimeout_ms: 30_000 });
  let clientClosed = false;
  client.on('close', () => (clientClosed = true));
  const timeout = setTimeout(() => {
    silent.destroy();
    partial.destroy();
  }, MAX_ms + 5_000);
  try {
    const [silentAt, partialAt] = await Promise.all([silent.closedAt, partial.closedAt]);
    // The session's connection stays past both (it pings; a ping is traffic).
    await client.exists('/');
    return { silent_ms: silentAt - started, partial_ms: partialAt - started, withSessionAlive: !clientClosed };
  } finally {
    clearTimeout(timeout);
    client.disconnect();
  }
}

test('a connection without a session is closed 10 to 20 s after its last byte, as Apache closes it', async () => {
  const [apache, ours] = await Promise.all([probe(HOSTS.apache), probe(HOSTS.ours)]);
  console.log(`sessionless close: apache silent ${apache.silent_ms.toFixed(0)} ms, partial ${apache.partial_ms.toFixed(0)} ms; ` +
    `ours silent ${ours.silent_ms.toFixed(0)} ms, partial ${ours.partial_ms.toFixed(0)} ms`);
  for (const [who, p] of [['apache', apache], ['ours', ours]] as const) {
    for (const ms of [p.silent_ms, p.partial_ms]) {
      assert.ok(ms >= MIN_ms - TOLERANCE_ms && ms <= MAX_ms + TOLERANCE_ms, `${who}: closed after ${ms.toFixed(0)} ms, expected ${MIN_ms}..${MAX_ms} ms`);
    }
    assert.ok(p.withSessionAlive, `${who}: a connection with a session must stay`);
  }
});
