// Past the soft bound a connection reads nothing more, but watch events still come: a
// persistent recursive watcher that never reads, on a busy tree, would queue them without
// end. Past MAX_UNSENT_HARD_bytes its connection is dropped (and says so in the log);
// the server's RSS stays bounded and the writer's session is untouched.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AddWatchMode, OpCode } from '../../src/jute/constants';
import * as R from '../../src/jute/records';
import { ZooKeeperClient } from '../../src/client/zookeeper-client';
import { fourLetterWord, startServer, type RunningServer } from '../support/servers';
import { RawConnection, requestFrame, rss_bytes } from '../support/raw-client';

const HOST = '127.0.2.8';
/** A path this long makes each event ~400 KB: the hard bound is reached in a few hundred writes. */
const NAME_bytes = 400_000;
const RSS_CEILING_bytes = 300 * 1024 * 1024;
let server: RunningServer;

before(async () => {
  server = await startServer('ours', { host: HOST });
});

after(async () => {
  await server.stop();
});

test('a watcher that never reads its events is dropped past the hard bound; the writer carries on', async () => {
  const writer = await ZooKeeperClient.connect(server.connectString);
  const path = '/' + 'n'.repeat(NAME_bytes);
  await writer.create(path, Buffer.from('0'));
  const watcher = await RawConnection.open(HOST);
  const sid = `sid=0x${BigInt.asUintN(64, await watcher.handshake()).toString(16)},`;
  // A paused socket does not see the server's FIN: ask the server which connections it keeps.
  const watcherListed = async () => (await fourLetterWord(HOST, 2181, 'cons')).includes(sid);
  let dropped = false;
  watcher.write(requestFrame(1, OpCode.addWatch, (w) => R.AddWatchRequest.write(w, { path: '/', mode: AddWatchMode.PERSISTENT_RECURSIVE })));
  await watcher.waitForFrames(2);
  watcher.socket.pause(); // from here on, never read

  let rss_max_bytes = 0;
  let writes = 0;
  // 600 events of 400 KB: 240 MB, well past MAX_UNSENT_HARD_bytes (64 MiB) and the kernel's buffers.
  const maxWrites = 600;
  assert.ok(await watcherListed());
  while (!dropped && writes < maxWrites) {
    await writer.setData(path, Buffer.from(String(writes++)));
    if (writes % 20 === 0) {
      rss_max_bytes = Math.max(rss_max_bytes, rss_bytes(server.pid));
      dropped = !(await watcherListed());
    }
  }
  watcher.destroy();
  console.log(`watcher dropped: ${dropped} after ${writes} events of ~${NAME_bytes} bytes; RSS max ${(rss_max_bytes / 2 ** 20).toFixed(0)} MiB`);
  assert.ok(dropped, `the watcher's connection is still open after ${writes} events`);
  assert.ok(rss_max_bytes < RSS_CEILING_bytes);
  assert.equal((await writer.exists(path))?.version, writes, 'every write went through');
  await writer.close();
});
