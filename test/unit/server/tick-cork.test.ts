// TickCork: the frames of one event-loop turn reach the socket as one batch (one writev,
// one system call), and the next turn's as another; a real TCP pair on loopback carries them.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { TickCork } from '../../../src/server/tick-cork';

/** The batches a socket hands its handle: one entry per write or writev, with its chunk count. */
function batchesOf(socket: Socket): number[] {
  const batches: number[] = [];
  const s = socket as unknown as { _writev(chunks: unknown[], cb: () => void): void; _write(c: unknown, e: string, cb: () => void): void };
  const writev = s._writev.bind(socket);
  const write = s._write.bind(socket);
  s._writev = (chunks, cb) => {
    batches.push(chunks.length);
    writev(chunks, cb);
  };
  s._write = (c, e, cb) => {
    batches.push(1);
    write(c, e, cb);
  };
  return batches;
}

test("a turn's frames leave in one writev, the next turn's in another, all of them in order", async () => {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const accepted = once(server, 'connection');
  const client = connect(port, '127.0.0.1');
  await once(client, 'connect');
  const [peer] = (await accepted) as [Socket];
  const received: Buffer[] = [];
  peer.on('data', (d: Buffer) => received.push(d));
  try {
    const batches = batchesOf(client);
    const cork = new TickCork(client);
    for (let i = 0; i < 5; i++) cork.write(Buffer.from([i]));
    await new Promise((r) => setImmediate(r));
    for (let i = 5; i < 8; i++) cork.write(Buffer.from([i]));
    while (Buffer.concat(received).length < 8) await once(peer, 'data');
    assert.deepEqual(batches, [5, 3]);
    assert.deepEqual([...Buffer.concat(received)], [0, 1, 2, 3, 4, 5, 6, 7]);
  } finally {
    client.destroy();
    peer.destroy();
    server.close();
  }
});
