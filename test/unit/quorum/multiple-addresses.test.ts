// The address text of QuorumCnxManager's initial message (V1: one host:port, V2 with
// multiAddress: 'h1:p1|h2:p2'), as Apache's InitialMessage.parse reads it and
// NetUtils.formatInetAddr writes it; and a dial that gets past a refused address.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { dialFirst, formatInetAddr, parseAddressList } from '../../../src/quorum/multiple-addresses';
import { parseInitialMessage, PROTOCOL_VERSION_V2 } from '../../../src/quorum/quorum-cnx-manager';

function initialMessage(version: bigint, sid: bigint, text: string): Buffer {
  const addr = Buffer.from(text);
  const b = Buffer.alloc(20 + addr.length);
  b.writeBigInt64BE(version, 0);
  b.writeBigInt64BE(sid, 8);
  b.writeInt32BE(addr.length, 16);
  addr.copy(b, 20);
  return b;
}

test('a V2 initial message names every election address, IPv6 bracketed; wildcards are left out', () => {
  const parsed = parseInitialMessage(initialMessage(PROTOCOL_VERSION_V2, 4n, '127.0.17.1:3888|[0:0:0:0:0:0:0:1]:3889|0.0.0.0:3890'));
  assert.ok(typeof parsed === 'object');
  assert.equal(parsed.sid, 4n);
  assert.deepEqual(parsed.addresses, [{ host: '127.0.17.1', port: 3888 }, { host: '0:0:0:0:0:0:0:1', port: 3889 }]);
  assert.equal(parseInitialMessage(initialMessage(PROTOCOL_VERSION_V2, 4n, '127.0.17.1:3888|nohost')), 'Badly formed address: nohost');
  assert.equal(parseAddressList('h:x'), 'Bad port number: x');
});

test('formatInetAddr writes IPv6 as Java does, bracketed', () => {
  assert.equal(formatInetAddr({ host: '::1', port: 3888 }), '[0:0:0:0:0:0:0:1]:3888');
  assert.equal(formatInetAddr({ host: '127.0.17.5', port: 3888 }), '127.0.17.5:3888');
});

test('dialFirst gets past a refused address to the next one', async () => {
  const server = createServer((s) => s.end());
  await new Promise<void>((r) => server.listen(3999, '127.0.17.200', r));
  try {
    const { socket, address } = await dialFirst([{ host: '127.0.17.201', port: 3999 }, { host: '127.0.17.200', port: 3999 }], 2000);
    socket.destroy();
    assert.deepEqual(address, { host: '127.0.17.200', port: 3999 });
  } finally {
    server.close();
  }
});
