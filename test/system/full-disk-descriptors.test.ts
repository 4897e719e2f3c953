// A disk that fills right after a log roll: the next write opens a new log whose header
// cannot be written. Each such failed write must give its descriptor back: the count in
// /proc/<pid>/fd stays flat over many failing writes, and once space is back writes go on
// and every acknowledged one survives a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readlinkSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZooKeeperClient } from '../../src/client/zookeeper-client';
import { Code, KeeperError } from '../../src/jute/keeper-error';
import { startServer, type RunningServer } from '../support/servers';

const HOST = '127.0.4.6';
/** Failing writes issued on the full disk: before the fix each one kept a descriptor. */
const FAILING_WRITES = 60;
/** Descriptors the count may move by for reasons of its own (none seen; a little room). */
const FD_SLACK = 2;

function openFiles(pid: number): string[] {
  const dir = `/proc/${pid}/fd`;
  const out: string[] = [];
  for (const fd of readdirSync(dir)) {
    try {
      out.push(readlinkSync(join(dir, fd)));
    } catch {
      // closed between the listing and the readlink
    }
  }
  return out;
}

/** Writes zeros into `file` until the filesystem has not one byte left. */
function fillDisk(file: string): void {
  const fd = openSync(file, 'w');
  try {
    for (let chunk = 1 << 16; chunk >= 1; chunk >>= 1) {
      const buf = Buffer.alloc(chunk);
      for (;;) {
        try {
          writeSync(fd, buf);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

async function until(what: string, check: () => boolean, timeout_ms = 10_000): Promise<void> {
  const deadline = Date.now() + timeout_ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a disk full right after a log roll: failed writes leak no descriptor, writes resume when space is back', async () => {
  const mnt = mkdtempSync(join(tmpdir(), 'zk-fullfd-'));
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt], { encoding: 'utf8' });
  assert.equal(mount.status, 0, `this test needs root to mount a small tmpfs: ${mount.stderr}`);
  const dataDir = join(mnt, 'data');
  const logDir = join(dataDir, 'version-2');
  // snapCount 2: the log rolls every couple of txns; preAllocSize 1 KB keeps each log small.
  const cfg = { preAllocSize: 1, snapCount: 2 };
  const filler = join(mnt, 'filler');
  let server: RunningServer | undefined;
  try {
    server = await startServer('ours', { host: HOST, dataDir, cfg });
    const zk = await ZooKeeperClient.connect(server.connectString);
    const acked = [await zk.create('/d')];
    // Write until a roll has just happened: no log file open, no snapshot being written.
    const pid = server.pid;
    const logOpen = () => openFiles(pid).some((f) => f.startsWith(`${logDir}/log.`) || f.includes('.tmp'));
    for (let i = 0; logOpen(); i++) {
      assert.ok(i < 20, 'the log rolls within a few writes with snapCount 2');
      acked.push(await zk.create(`/d/before${i}`));
      await new Promise((r) => setTimeout(r, 50)); // the background snapshot finishes
    }
    fillDisk(filler);

    const failOnce = async (i: number) => {
      await assert.rejects(zk.create(`/d/full${i}`, Buffer.alloc(100)), (e: unknown) => e instanceof KeeperError && e.code === Code.SYSTEMERROR);
    };
    await failOnce(-1);
    const before = openFiles(pid).length;
    for (let i = 0; i < FAILING_WRITES; i++) await failOnce(i);
    const after = openFiles(pid).length;
    assert.ok(after - before <= FD_SLACK, `descriptors went from ${before} to ${after} over ${FAILING_WRITES} failed writes`);
    assert.ok(!openFiles(pid).some((f) => f.startsWith(`${logDir}/log.`)), 'no log is held open after its header failed');

    // Space comes back: writes go on, the descriptors stay where they were.
    rmSync(filler);
    for (let i = 0; i < 10; i++) acked.push(await zk.create(`/d/after${i}`));
    await until('the last roll and snapshot settle', () => openFiles(pid).length - before <= FD_SLACK + 1);
    zk.disconnect();
    await server.kill();
    server = undefined;

    server = await startServer('ours', { host: HOST, dataDir, cfg });
    const again = await ZooKeeperClient.connect(server.connectString);
    const names = ['/d', ...(await again.getChildren('/d')).map((n) => `/d/${n}`)].sort();
    assert.deepEqual(names, [...acked].sort(), 'every acknowledged write, and no failed one, after a restart');
    await again.close();
    await server.stop();
    server = undefined;
  } finally {
    await server?.kill();
    spawnSync('umount', ['-l', mnt]);
    rmSync(mnt, { recursive: true, force: true });
  }
});
