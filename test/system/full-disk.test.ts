// A full disk: on a small tmpfs, writes that cannot be persisted fail with an error to the
// client (SYSTEMERROR; the server also logs why); reads go on; once space is back, writes go on;
// after a restart every acknowledged write is there and nothing is corrupt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZooKeeperClient } from '../../src/client/zookeeper-client';
import { Code, KeeperError } from '../../src/jute/keeper-error';
import { startServer } from '../support/servers';

const HOST = '127.0.0.85';

test('a full disk fails writes with an error, reads go on, writes resume when space is back, nothing acknowledged is lost', async () => {
  const mnt = mkdtempSync(join(tmpdir(), 'zk-fulldisk-'));
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt], { encoding: 'utf8' });
  assert.equal(mount.status, 0, `this test needs root to mount a small tmpfs: ${mount.stderr}`);
  const dataDir = join(mnt, 'data');
  const cfg = { preAllocSize: 64, snapCount: 100000 };
  try {
    let server = await startServer('ours', { host: HOST, dataDir, cfg });
    const zk = await ZooKeeperClient.connect(server.connectString);
    await zk.create('/fill');
    const value = Buffer.alloc(100_000, 'x');
    const acked: string[] = [];
    let failure: unknown;
    for (let i = 0; i < 100 && failure === undefined; i++) {
      try {
        acked.push(await zk.create(`/fill/n${i}`, value));
      } catch (e) {
        failure = e;
      }
    }
    assert.ok(failure instanceof KeeperError, `a write failed on the full disk: ${failure}`);
    assert.equal(failure.code, Code.SYSTEMERROR);
    assert.ok(acked.length > 5, 'some writes fitted before the disk was full');
    // Reads go on, and the failed write is not there.
    assert.equal((await zk.getChildren('/fill')).length, acked.length);
    assert.equal((await zk.getData(acked[0]!)).data?.length, value.length);
    // Space comes back (the filesystem grows, as when an operator frees some).
    assert.equal(spawnSync('mount', ['-o', 'remount,size=16m', mnt]).status, 0);
    acked.push(await zk.create('/fill/after', value));
    zk.disconnect();
    await server.kill();

    server = await startServer('ours', { host: HOST, dataDir, cfg });
    const again = await ZooKeeperClient.connect(server.connectString);
    const names = (await again.getChildren('/fill')).map((n) => `/fill/${n}`).sort();
    assert.deepEqual(names, [...acked].sort());
    for (const p of acked) assert.equal((await again.getData(p)).data?.toString(), value.toString());
    await again.close();
    await server.stop();
  } finally {
    spawnSync('umount', ['-l', mnt]);
    rmSync(mnt, { recursive: true, force: true });
  }
});
