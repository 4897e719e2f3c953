// Bad input costs the sender its connection and nothing else. Random bytes, mutated
// frames (flipped bytes, cut short, lying lengths) after a valid handshake, and noise on
// the four-letter-word path go to one server, while a bystander client with a session
// keeps working: after every case the server still answers ruok, the bystander's session
// is the same and its round trip works, and the fuzzed connection was answered or closed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import fc from 'fast-check';
import { Writer } from '../../../src/jute/codec';
import { OPEN_ACL_UNSAFE, OpCode } from '../../../src/jute/constants';
import { ZooKeeperClient } from '../../../src/client/zookeeper-client';
import { writeMultiOps } from '../../../src/jute/multi';
import * as R from '../../../src/jute/records';
import { fourLetterWord, startServer, type RunningServer } from '../../support/servers';

const HOST = '127.0.0.28';
const CASE_TIMEOUT_ms = 3000;
let server: RunningServer;
let bystander: ZooKeeperClient;
let sessionId: bigint;

before(async () => {
  server = await startServer('ours', { host: HOST });
  bystander = await ZooKeeperClient.connect(server.connectString);
  sessionId = bystander.sessionId;
  await bystander.create('/bystander', Buffer.from('0'));
});

after(async () => {
  bystander.disconnect();
  await server.stop();
});

function frame(build: (w: Writer) => void): Buffer {
  const w = new Writer();
  w.int(0);
  build(w);
  w.buf.writeInt32BE(w.pos - 4, 0);
  return w.toBuffer();
}

const CONNECT = frame((w) => {
  R.ConnectRequest.write(w, { protocolVersion: 0, lastZxidSeen: 0, timeOut: 10_000, sessionId: 0n, passwd: Buffer.alloc(16) });
  w.bool(false);
});

/** Valid request frames of several kinds: the material the mutations work on. */
const REQUESTS: Buffer[] = [
  frame((w) => {
    R.RequestHeader.write(w, { xid: 1, type: OpCode.create });
    R.CreateRequest.write(w, { path: '/fuzz', data: Buffer.from('x'), acl: OPEN_ACL_UNSAFE, flags: 0 });
  }),
  frame((w) => {
    R.RequestHeader.write(w, { xid: 1, type: OpCode.getData });
    R.PathWatchRequest.write(w, { path: '/bystander', watch: true });
  }),
  frame((w) => {
    R.RequestHeader.write(w, { xid: 1, type: OpCode.setData });
    R.SetDataRequest.write(w, { path: '/fuzz', data: Buffer.from('y'), version: -1 });
  }),
  frame((w) => {
    R.RequestHeader.write(w, { xid: 1, type: OpCode.multi });
    writeMultiOps(w, [
      { type: OpCode.create, op: 'create', path: '/fuzz-m', data: null, acl: OPEN_ACL_UNSAFE, flags: 0, ttl: -1 },
      { type: OpCode.check, op: 'check', path: '/fuzz-m', version: 0 },
    ]);
  }),
  frame((w) => {
    R.RequestHeader.write(w, { xid: -8, type: OpCode.setWatches2 });
    R.SetWatches2.write(w, { relativeZxid: 0, dataWatches: ['/a'], existWatches: [], childWatches: ['/b'], persistentWatches: [], persistentRecursiveWatches: [] });
  }),
  frame((w) => {
    R.RequestHeader.write(w, { xid: -4, type: OpCode.auth });
    R.AuthPacket.write(w, { type: 0, scheme: 'digest', auth: Buffer.from('u:p') });
  }),
];

/** Sends bytes on a fresh connection; resolves 'closed' or 'answered' (or 'hung'). */
function send(chunks: Buffer[]): Promise<'closed' | 'answered' | 'hung'> {
  return new Promise((resolve) => {
    const sock: Socket = connect({ host: HOST, port: server.port });
    let answered = false;
    const timer = setTimeout(() => {
      sock.destroy();
      resolve(answered ? 'answered' : 'hung');
    }, CASE_TIMEOUT_ms);
    sock.on('data', () => (answered = true));
    sock.on('error', () => undefined);
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(answered ? 'answered' : 'closed');
    });
    sock.on('connect', () => {
      for (const c of chunks) sock.write(c);
      // Give the server a moment to answer, then hang up if it has not closed first.
      setTimeout(() => sock.end(), 300);
    });
  });
}

let round = 0;
async function healthy(): Promise<void> {
  assert.equal(server.flavour, 'ours');
  assert.equal(await fourLetterWord(HOST, server.port, 'srvr').then((s) => s.includes('Mode: standalone')), true, 'the server still serves');
  assert.equal(bystander.sessionId, sessionId);
  assert.ok(bystander.isConnected, 'the bystander kept its connection');
  round++;
  await bystander.setData('/bystander', Buffer.from(String(round)));
  assert.equal((await bystander.getData('/bystander')).data?.toString(), String(round));
}

/** A mutation of a valid frame: flips, cuts, and lies about lengths. */
const mutated = fc
  .tuple(
    fc.constantFrom(...REQUESTS),
    fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bits: fc.integer({ min: 1, max: 255 }) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('length' as const), value: fc.oneof(fc.constantFrom(-1, -2147483648, 0, 2147483647, 0x100000, 0xfffff + 1), fc.integer()) }),
      fc.record({ kind: fc.constant('inner' as const), at: fc.nat(), value: fc.constantFrom(-1, -100, 0x7fffffff, 1 << 24) }),
    ),
  )
  .map(([base, m]) => {
    const b = Buffer.from(base);
    switch (m.kind) {
      case 'flip':
        b[4 + (m.at % (b.length - 4))]! ^= m.bits;
        return b;
      case 'cut':
        return b.subarray(0, m.at % b.length);
      case 'length':
        b.writeInt32BE(m.value | 0, 0);
        return b;
      case 'inner': {
        // A length or count inside the record (4-byte aligned guesses) replaced by a lie.
        const at = 12 + 4 * (m.at % Math.max(1, Math.floor((b.length - 16) / 4)));
        if (at + 4 <= b.length) b.writeInt32BE(m.value, at);
        return b;
      }
    }
  });

test('random bytes as the first thing on a connection', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 200 }), async (bytes) => {
      const outcome = await send([Buffer.from(bytes)]);
      assert.notEqual(outcome, 'hung', 'a connection that sent junk is answered or closed');
      await healthy();
    }),
    { numRuns: 60, seed: 424242, endOnFailure: true },
  );
});

test('mutated request frames after a valid handshake', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(mutated, { minLength: 1, maxLength: 3 }), async (frames) => {
      await send([CONNECT, ...frames]);
      await healthy();
    }),
    { numRuns: 120, seed: 4242, endOnFailure: true },
  );
});

test('four-letter-word noise', async () => {
  const letters = fc.stringMatching(/^[a-z]{4}$/);
  const known = fc.constantFrom('ruok', 'srvr', 'stat', 'mntr', 'cons', 'dump', 'wchc', 'stmk', 'gtmk', 'envi');
  await fc.assert(
    fc.asyncProperty(fc.oneof(letters, known.chain((w) => fc.string({ maxLength: 20 }).map((tail) => w + tail))), async (word) => {
      await send([Buffer.from(word, 'latin1')]);
      await healthy();
    }),
    { numRuns: 60, seed: 42, endOnFailure: true },
  );
});

test('named malformed cases', async () => {
  const lengthOnly = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n, 0);
    return b;
  };
  for (const [name, chunks] of [
    ['length -1', [lengthOnly(-1)]],
    ['length 0x7fffffff', [lengthOnly(0x7fffffff)]],
    ['a ConnectRequest cut short', [CONNECT.subarray(0, 20)]],
    ['a request before the ConnectRequest', [REQUESTS[0]!]],
    ['a ConnectRequest then a frame longer than jute.maxbuffer', [CONNECT, lengthOnly(0xfffff + 1), Buffer.alloc(64)]],
  ] as [string, Buffer[]][]) {
    await send(chunks);
    await healthy().catch((e: Error) => assert.fail(`after ${name}: ${e.message}`));
  }
  // Many connections opened and dropped at once.
  await Promise.all(
    Array.from({ length: 300 }, () =>
      new Promise<void>((resolve) => {
        const s = connect({ host: HOST, port: server.port });
        s.on('error', () => resolve());
        s.on('connect', () => {
          s.destroy();
          resolve();
        });
      }),
    ),
  );
  await healthy();
});
