// Recovery from what a crash or a bad disk leaves behind, on real files with our server:
// a torn log tail is cut off; a corrupt record in the middle of a log stops the server
// with the file and offset named; a snapshot that fails its checksum is skipped for an
// older one; purge keeps N snapshots and the logs they need, and the server still starts
// from what is left; autopurge does the same on its schedule; sessions outlive a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ZooKeeperClient } from '../../src/client/zookeeper-client';
import { CreateMode } from '../../src/jute/constants';
import { DatadirCleanupManager } from '../../src/persistence/datadir-cleanup-manager';
import { listLogs, readLogFile, TXNLOG_MAGIC } from '../../src/persistence/file-txn-log';
import { FileHeader } from '../../src/jute/records';
import { listSnapshots } from '../../src/persistence/file-snap';
import { startServer } from '../support/servers';

const HOST = '127.0.0.84';
const BUNDLE = resolve(import.meta.dirname, '../../dist/zookeeper-ts.cjs');
const CFG = { preAllocSize: 64 };

/** Starts ours on dataDir, creates the nodes, then SIGKILLs it. */
async function writeThenCrash(dataDir: string, paths: string[]): Promise<void> {
  const server = await startServer('ours', { host: HOST, dataDir, cfg: CFG });
  try {
    const zk = await ZooKeeperClient.connect(server.connectString);
    for (const p of paths) await zk.create(p, Buffer.from(`data of ${p}`));
    zk.disconnect();
  } finally {
    await server.kill();
  }
}

async function childrenOf(dataDir: string, path: string): Promise<string[]> {
  const server = await startServer('ours', { host: HOST, dataDir, cfg: CFG });
  try {
    const zk = await ZooKeeperClient.connect(server.connectString);
    const names = (await zk.getChildren(path)).sort();
    for (const n of names) assert.equal((await zk.getData(`${path}/${n}`)).data?.toString(), `data of ${path}/${n}`);
    await zk.close();
    return names;
  } finally {
    await server.stop();
  }
}

function withDataDir(run: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zk-recovery-'));
    try {
      await run(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const v2 = (dir: string) => join(dir, 'version-2');
const newestLog = (dir: string) => join(v2(dir), listLogs(v2(dir)).at(-1)!.name);

test(
  'a torn record at the end of the log (a crash mid-append) is cut off; the rest is served',
  withDataDir(async (dir) => {
    await writeThenCrash(dir, ['/a', '/a/1', '/a/2', '/a/3']);
    const log = newestLog(dir);
    const { validEnd, txns } = readLogFile(log);
    assert.ok(txns.length >= 4);
    // Half a record where the next one would go: a checksum, a length, a few bytes.
    const torn = Buffer.alloc(20);
    torn.writeInt32BE(0x12345678, 4);
    torn.writeInt32BE(500, 8);
    torn.fill(7, 12);
    const bytes = readFileSync(log);
    torn.copy(bytes, validEnd);
    writeFileSync(log, bytes);
    assert.equal(readLogFile(log).tornTail, true);
    assert.deepEqual(await childrenOf(dir, '/a'), ['1', '2', '3']);
  }),
);

test(
  'a corrupt record with good records after it stops the server, naming the file and offset',
  withDataDir(async (dir) => {
    await writeThenCrash(dir, ['/b', '/b/1', '/b/2', '/b/3']);
    const log = newestLog(dir);
    const bytes = readFileSync(log);
    // Flip a byte inside the first record's payload (header 16 bytes, crc 8, length 4).
    bytes[16 + 8 + 4 + 10] ^= 0xff;
    writeFileSync(log, bytes);
    const cfg = join(dir, 'zoo.cfg');
    writeFileSync(cfg, `dataDir=${dir}\nclientPort=2181\nclientPortAddress=${HOST}\nadmin.enableServer=false\n`);
    const run = spawnSync(process.execPath, [BUNDLE, 'server', cfg], { encoding: 'utf8', timeout: 30_000 });
    assert.notEqual(run.status, 0, 'the server must not serve from a corrupt log');
    assert.match(run.stderr, new RegExp(`${log.replaceAll('.', '\\.')}: corrupt record at offset 16 `));
  }),
);

test(
  'a snapshot that fails its checksum is skipped for the one before it, and the logs replayed',
  withDataDir(async (dir) => {
    await writeThenCrash(dir, ['/c', '/c/1']);
    await writeThenCrash(dir, ['/c/2']); // this start wrote a snapshot holding /c and /c/1
    const snaps = listSnapshots(v2(dir));
    assert.ok(snaps.length >= 2);
    const newest = join(v2(dir), snaps[0]!.name);
    const bytes = readFileSync(newest);
    bytes[bytes.length - 30] ^= 0x01;
    writeFileSync(newest, bytes);
    assert.deepEqual(await childrenOf(dir, '/c'), ['1', '2']);
  }),
);

test(
  '`zookeeper-ts purge -n 3` keeps the newest 3 snapshots and the logs they need; the server starts from them',
  withDataDir(async (dir) => {
    await writeThenCrash(dir, ['/d']);
    for (let i = 1; i <= 5; i++) await writeThenCrash(dir, [`/d/${i}`]); // each start snapshots and opens a new log
    const before = readdirSync(v2(dir));
    assert.ok(listSnapshots(v2(dir)).length >= 6);
    const run = spawnSync(process.execPath, [BUNDLE, 'purge', dir, '-n', '3'], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const kept = listSnapshots(v2(dir));
    assert.equal(kept.length, 3);
    const oldestKept = kept.at(-1)!.zxid;
    const logs = listLogs(v2(dir));
    // Logs that only hold txns older than the oldest kept snapshot are gone; the one that
    // may hold the txns right after it is kept.
    assert.ok(logs[0]!.zxid <= oldestKept + 1, 'the log after the oldest kept snapshot is kept');
    assert.ok(logs.filter((l) => l.zxid <= oldestKept).length <= 1);
    for (const f of before.filter((f) => !readdirSync(v2(dir)).includes(f))) assert.match(run.stdout, new RegExp(`Removing file: .*${f.replaceAll('.', '\\.')}`));
    assert.match(spawnSync(process.execPath, [BUNDLE, 'purge', dir, '-n', '2'], { encoding: 'utf8' }).stderr, /count should be greater than or equal to 3/);
    assert.deepEqual(await childrenOf(dir, '/d'), ['1', '2', '3', '4', '5']);
  }),
);

test(
  'autopurge runs on its schedule (node-cron), on real files',
  withDataDir(async (dir) => {
    await writeThenCrash(dir, ['/e']);
    for (let i = 1; i <= 4; i++) await writeThenCrash(dir, [`/e/${i}`]);
    assert.ok(listSnapshots(v2(dir)).length >= 5);
    // Files are made again after the first purge, to see the schedule (not only the run
    // at start) purge them.
    const lines: string[] = [];
    const cleanup = new DatadirCleanupManager({
      dataDir: dir,
      dataLogDir: dir,
      snapRetainCount: 3,
      purgeInterval_hours: 1,
      cronExpression: '* * * * * *',
      log: { info: (l) => lines.push(l), warn: (l) => lines.push(l) },
    });
    cleanup.start();
    try {
      assert.equal(listSnapshots(v2(dir)).length, 3, 'purged at start');
      appendFileSync(join(v2(dir), 'snapshot.1'), 'an old snapshot');
      await new Promise((r) => setTimeout(r, 2200));
      assert.equal(listSnapshots(v2(dir)).length, 3, 'purged again on schedule');
      assert.ok(lines.some((l) => /autopurge deleted .*snapshot\.1$/.test(l)), lines.join('\n'));
    } finally {
      cleanup.stop();
    }
    assert.deepEqual(await childrenOf(dir, '/e'), ['1', '2', '3', '4']);
  }),
);

test(
  'sessions survive a restart: one that comes back keeps its ephemerals, one that does not is expired',
  withDataDir(async (dir) => {
    const cfg = { ...CFG, tickTime: 500, minSessionTimeout: 2000, maxSessionTimeout: 4000 };
    let server = await startServer('ours', { host: HOST, dataDir: dir, cfg });
    const staying = await ZooKeeperClient.connect(server.connectString, { sessionTimeout_ms: 4000 });
    const leaving = await ZooKeeperClient.connect(server.connectString, { sessionTimeout_ms: 2000 });
    await staying.create('/stays', null, { mode: CreateMode.EPHEMERAL });
    await leaving.create('/goes', null, { mode: CreateMode.EPHEMERAL });
    const again = { sessionId: staying.sessionId, passwd: staying.passwd };
    staying.disconnect();
    leaving.disconnect();
    await server.kill();

    server = await startServer('ours', { host: HOST, dataDir: dir, cfg });
    try {
      const back = await ZooKeeperClient.connect(server.connectString, { ...again, sessionTimeout_ms: 4000 });
      assert.equal(back.sessionId, again.sessionId, 'the session is the same after the restart');
      const watcher = await ZooKeeperClient.connect(server.connectString);
      assert.ok(await watcher.exists('/goes'), 'the other session is alive until its timeout');
      await new Promise((r) => setTimeout(r, 3500));
      assert.equal(await watcher.exists('/goes'), null, 'expired: its ephemeral is gone');
      assert.ok(await watcher.exists('/stays'), 'the session that came back keeps its ephemeral');
      await back.close();
      await watcher.close();
    } finally {
      await server.stop();
    }
  }),
);

test(
  'a log file left with no whole txn by a crash is replaced when its zxid comes round again',
  withDataDir(async (dir) => {
    await writeThenCrash(dir, ['/g']);
    const { txns } = readLogFile(newestLog(dir));
    const next = txns.at(-1)!.hdr.zxid + 1;
    // What a kill between opening a new log and its first fsync leaves: a header, no txn.
    writeFileSync(join(v2(dir), `log.${next.toString(16)}`), FileHeader.encode({ magic: TXNLOG_MAGIC, version: 2, dbid: 0 }));
    await writeThenCrash(dir, ['/g/after']);
    assert.deepEqual(await childrenOf(dir, '/g'), ['after']);
  }),
);
