// A client that sends its first requests in the same TCP write as its ConnectRequest
// (the C client and Curator can) gets the ConnectResponse first, then the replies in the
// order it sent them: nothing is answered on a connection before its session exists.
// Compared with Apache ZooKeeper 3.8 on the same bytes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { OpCode } from '../../../src/jute/constants';
import { startServer, type Flavour, type RunningServer } from '../../support/servers';
import { connectFrame, pathWatchFrame, RawConnection, replyXid } from '../../support/raw-client';

const HOSTS: Record<Flavour, string> = { apache: '127.0.2.1', ours: '127.0.2.2' };
const servers = new Map<Flavour, RunningServer>();

before(async () => {
  await Promise.all((['apache', 'ours'] as const).map(async (f) => servers.set(f, await startServer(f, { host: HOSTS[f] }))));
});

after(async () => {
  await Promise.all([...servers.values()].map((s) => s.stop()));
});

/** Sends ConnectRequest + getData + exists + getChildren in one write; returns what answered, in order. */
async function replyOrder(host: string): Promise<string[]> {
  const c = await RawConnection.open(host);
  try {
    c.write(
      Buffer.concat([
        connectFrame(),
        pathWatchFrame(1, OpCode.getData, '/zookeeper'),
        pathWatchFrame(2, OpCode.exists, '/zookeeper/quota'),
        pathWatchFrame(3, OpCode.getChildren, '/'),
      ]),
    );
    const frames = await c.waitForFrames(4);
    // A ConnectResponse opens with protocolVersion 0; a reply with its xid (1, 2, 3 here).
    return frames.map((f) => (replyXid(f) === 0 ? 'ConnectResponse' : `xid ${replyXid(f)}`));
  } finally {
    c.destroy();
  }
}

test('requests in the same write as the ConnectRequest are answered after the ConnectResponse, in order, as Apache does', async () => {
  for (let round = 0; round < 5; round++) {
    const apache = await replyOrder(HOSTS.apache);
    const ours = await replyOrder(HOSTS.ours);
    assert.deepEqual(apache, ['ConnectResponse', 'xid 1', 'xid 2', 'xid 3'], 'Apache (the reference)');
    assert.deepEqual(ours, apache);
  }
});
