// Bad input on the secure client port closes that connection only, beside Apache ZooKeeper
// 3.8 (NettyServerCnxnFactory): a broken handshake record, garbage, a plain-text
// ConnectRequest, a slow handshake (half a ClientHello, a ClientHello one byte at a time, a
// client that says nothing), and many half-open handshakes at once. What the bad client sees
// (the bytes it gets, when it is closed) is compared; after each case a bystander TLS
// session on the same server still has its ephemeral and answers a round trip. Measured on
// Apache: the alert bytes below, and a slow handshake closed 10 s after the connection
// opened (Netty's SslHandler handshakeTimeoutMillis, which Apache keeps; ours is
// TLS_HANDSHAKE_TIMEOUT_ms). Addresses 127.0.52.3 (ours), 127.0.52.4 (Apache), 127.0.52.9
// (where a ClientHello is recorded).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { ZooKeeperClient } from '../../../src/client/zookeeper-client';
import { CreateMode } from '../../../src/jute/constants';
import type { Flavour, RunningServer } from '../../support/servers';
import { makeTlsStores, type TlsStores } from '../../support/tls-stores';
import { CLOSE_DEADLINE_ms, connectRequest, startSecurePair } from './tls-clients';

const HOST: Record<Flavour, string> = { ours: '127.0.52.3', apache: '127.0.52.4' };
const RECORDER_HOST = '127.0.52.9';
const SECURE_PORT = 2281;
const FLAVOURS: Flavour[] = ['apache', 'ours'];
/** What Apache measured here: the handshake timeout of Netty's SslHandler. */
const APACHE_HANDSHAKE_TIMEOUT_ms = 10_000;
/** How late past that timeout a close may come on a loaded machine (a timer, a busy loop). */
const TIMEOUT_SLACK_ms = 3_000;
/** Half-open handshakes opened at once: enough to show they hold nothing up, well under ulimit -n. */
const HALF_OPEN_COUNT = 200;
/** The gap between the bytes of a trickled ClientHello: the whole hello would take minutes. */
const TRICKLE_GAP_ms = 500;

let stores: TlsStores;
let clientHello: Buffer;
const servers: Partial<Record<Flavour, RunningServer>> = {};
const bystanders: Partial<Record<Flavour, ZooKeeperClient>> = {};

function tlsOptions(): ConnectionOptions {
  const alice = stores.client('alice');
  return { ca: readFileSync(stores.caFile), key: readFileSync(alice.keyFile), cert: readFileSync(alice.certFile), checkServerIdentity: () => undefined };
}

before(async () => {
  stores = makeTlsStores(Object.values(HOST));
  clientHello = await recordClientHello();
  Object.assign(servers, await startSecurePair(HOST, SECURE_PORT, () => ({ 'ssl.keyStore.location': stores.serverPem, 'ssl.trustStore.location': stores.caFile })));
  for (const f of FLAVOURS) {
    const c = await ZooKeeperClient.connect(`${HOST[f]}:${SECURE_PORT}`, { tls: tlsOptions() });
    await c.create('/bystander', Buffer.from('here'), { mode: CreateMode.EPHEMERAL });
    bystanders[f] = c;
  }
});

after(async () => {
  for (const c of Object.values(bystanders)) c?.disconnect();
  await Promise.all(Object.values(servers).map((s) => s?.stop()));
});

/** The bystander's session lives on: its ephemeral is there, owned by it, and a read is answered. */
async function assertBystanderServed(f: Flavour): Promise<void> {
  const c = bystanders[f]!;
  const stat = await c.exists('/bystander');
  assert.ok(stat, `${f}: the bystander's ephemeral is gone`);
  assert.equal(stat.ephemeralOwner, c.sessionId, `${f}: /bystander has another owner`);
  assert.equal((await c.getData('/bystander')).data?.toString(), 'here');
}

interface Seen {
  /** What the server sent, in hex. */
  bytes: string;
  /** Closed by the server within the deadline, and when (ms after the connection opened). */
  closed: boolean;
  closed_ms: number;
}

/** Opens a raw TCP connection to the secure port, writes each chunk after its gap, and watches. */
function badClient(host: string, chunks: { data: Buffer; gap_ms: number }[], deadline_ms = CLOSE_DEADLINE_ms): Promise<Seen> {
  return new Promise((resolve) => {
    const opened = Date.now();
    let bytes = Buffer.alloc(0);
    const sock = connect({ host, port: SECURE_PORT }, () => {
      void (async () => {
        for (const c of chunks) {
          if (c.gap_ms > 0) await new Promise((r) => setTimeout(r, c.gap_ms));
          if (sock.destroyed) return;
          sock.write(c.data);
        }
      })();
    });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ bytes: bytes.toString('hex'), closed: false, closed_ms: Date.now() - opened });
    }, deadline_ms);
    sock.on('data', (d: Buffer) => (bytes = Buffer.concat([bytes, d])));
    sock.on('error', () => undefined);
    sock.on('close', () => {
      clearTimeout(timer);
      resolve({ bytes: bytes.toString('hex'), closed: true, closed_ms: Date.now() - opened });
    });
  });
}

/** The same bad client against both servers at once; then each bystander is checked. */
async function onBoth(chunks: { data: Buffer; gap_ms: number }[], deadline_ms?: number): Promise<Record<Flavour, Seen>> {
  const [apache, ours] = await Promise.all(FLAVOURS.map((f) => badClient(HOST[f], chunks, deadline_ms)));
  for (const f of FLAVOURS) await assertBystanderServed(f);
  return { apache: apache!, ours: ours! };
}

const at_once = (data: Buffer) => [{ data, gap_ms: 0 }];

describe('bad input on the secure client port closes that connection only, beside Apache ZooKeeper 3.8', () => {
  test('a handshake record that is no ClientHello: a fatal unexpected_message alert, then closed at once, on both alike', async () => {
    // A TLS 1.0 handshake record of 5 bytes whose message type (0x11) no server takes first.
    const got = await onBoth(at_once(Buffer.from('160301000511223344ff', 'hex')));
    assert.deepEqual({ bytes: got.apache.bytes, closed: got.apache.closed }, { bytes: '1503030002020a', closed: true });
    assert.deepEqual({ bytes: got.ours.bytes, closed: got.ours.closed }, { bytes: got.apache.bytes, closed: true });
  });

  test('garbage (an HTTP request, random bytes) and a plain-text ConnectRequest: closed at once with no answer, on both alike', async () => {
    const inputs = [Buffer.from('GET / HTTP/1.1\r\nHost: zk\r\n\r\n'), Buffer.from('a7f3de0192b45c6e77880011', 'hex'), connectRequest()];
    for (const input of inputs) {
      const got = await onBoth(at_once(input));
      for (const f of FLAVOURS) assert.deepEqual({ bytes: got[f].bytes, closed: got[f].closed }, { bytes: '', closed: true }, `${f}: ${input.toString('hex')}`);
    }
  });

  test(`slow handshakes (half a ClientHello, one byte per ${TRICKLE_GAP_ms} ms, silence) and ${HALF_OPEN_COUNT} half-open ones at once: closed at the 10 s handshake timeout with no answer, while the bystander is served and a new client connects, on both alike`, async () => {
    const half = at_once(clientHello.subarray(0, clientHello.length >> 1));
    const trickle = Array.from({ length: 60 }, (_, i) => ({ data: clientHello.subarray(i, i + 1), gap_ms: TRICKLE_GAP_ms }));
    const deadline_ms = APACHE_HANDSHAKE_TIMEOUT_ms + TIMEOUT_SLACK_ms;
    const slow = FLAVOURS.map((f) => Promise.all([half, trickle, []].map((chunks) => badClient(HOST[f], chunks, deadline_ms))));
    const crowd = FLAVOURS.map((f) => Promise.all(Array.from({ length: HALF_OPEN_COUNT }, () => badClient(HOST[f], half, deadline_ms))));
    // While all of them wait for their handshake: the bystander is served, a new session starts.
    await new Promise((r) => setTimeout(r, 1000));
    for (const f of FLAVOURS) {
      await assertBystanderServed(f);
      const fresh = await ZooKeeperClient.connect(`${HOST[f]}:${SECURE_PORT}`, { tls: tlsOptions(), connectTimeout_ms: CLOSE_DEADLINE_ms });
      assert.equal((await fresh.getData('/bystander')).data?.toString(), 'here');
      await fresh.close();
    }
    const seen = await Promise.all([...slow, ...crowd]);
    for (const [i, f] of [...FLAVOURS, ...FLAVOURS].entries()) {
      for (const s of seen[i]!) {
        assert.equal(s.bytes, '', `${f} answered a slow handshake`);
        assert.ok(s.closed, `${f} kept a slow handshake open past ${deadline_ms} ms`);
        // Closed at the timeout, not before (a trickle is activity, and must not reset it).
        assert.ok(s.closed_ms >= APACHE_HANDSHAKE_TIMEOUT_ms - 100 && s.closed_ms < deadline_ms, `${f} closed a slow handshake after ${s.closed_ms} ms`);
      }
    }
    for (const f of FLAVOURS) await assertBystanderServed(f);
  });
});

/** The first flight of Node's TLS client (its ClientHello), recorded by a plain TCP server. */
function recordClientHello(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const recorder = createServer((s) =>
      s.once('data', (d: Buffer) => {
        s.destroy();
        recorder.close();
        resolve(d);
      }),
    );
    recorder.on('error', reject);
    recorder.listen(0, RECORDER_HOST, () => {
      const { port } = recorder.address() as { port: number };
      tlsConnect({ host: RECORDER_HOST, port, rejectUnauthorized: false }).on('error', () => undefined);
    });
  });
}
