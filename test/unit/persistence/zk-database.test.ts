// ZKDatabase on real files: truncate to a zxid, append after it, restore; the committed-
// proposal window; group commit; the log read from a zxid with Apache's size rule; a torn
// tail; SNAP and the durable snapshot after it; an ensemble member's /zookeeper/config.
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { OpCode } from '../../../src/jute/constants';
import { readLogFile } from '../../../src/persistence/file-txn-log';
import { decodeTxn } from '../../../src/persistence/txn-codec';
import { ZKDatabase, type ZKDatabaseOptions } from '../../../src/persistence/zk-database';
import { snapshotStreamSlices, SnapshotStreamReader } from '../../../src/quorum/snapshot-stream';
import { counterOf, makeZxid } from '../../../src/quorum/zxid';
import { DataTree } from '../../../src/tree/data-tree';
import type { Txn } from '../../../src/tree/txn';

const dirs: string[] = [];
const open: ZKDatabase[] = [];
afterEach(async () => {
  for (const db of open.splice(0)) await db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const quiet = { info: () => {}, warn: () => {} };

function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'zkts-zkdb-'));
  dirs.push(d);
  return d;
}
async function database(dir: string, extra: Partial<ZKDatabaseOptions> = {}): Promise<ZKDatabase> {
  const db = new ZKDatabase({ dataDir: dir, dataLogDir: dir, preAllocSize_bytes: 64 * 1024, snapCount: 100_000, log: quiet, ...extra });
  open.push(db);
  await db.loadDataBase();
  return db;
}
/** As a learner of a leader of `epoch` records it before it logs that epoch's txns. */
function inEpoch(db: ZKDatabase, epoch: number): void {
  db.setAcceptedEpoch(epoch);
  db.setCurrentEpoch(epoch);
}
function create(zxid: number, path: string, data = path): Txn {
  return {
    hdr: { clientId: 0x100n, cxid: counterOf(zxid), zxid, time: 1_700_000_000_000, type: OpCode.create },
    body: { kind: 'create', path, data: Buffer.from(data), acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], ephemeral: false, parentCVersion: -1 },
  };
}
const children = (db: ZKDatabase) => db.tree.getChildren('/').children.sort();

test('an empty dataDir gets snapshot.0 and the epoch files at load, as Apache\'s', async () => {
  const d = dataDir();
  const db = await database(d);
  assert.deepEqual(readdirSync(join(d, 'version-2')).sort(), ['acceptedEpoch', 'currentEpoch', 'snapshot.0']);
  assert.deepEqual([db.acceptedEpoch, db.currentEpoch, db.lastLoggedZxid], [0, 0, 0]);
});

test('truncate to a zxid drops the txns after it, the later log files and the snapshots past it; appends after go to a new log; a restore gives the tree at that point plus the new txns', async () => {
  const d = dataDir();
  let db = await database(d);
  inEpoch(db, 2);
  const e1 = (n: number) => makeZxid(1, n);
  for (let n = 1; n <= 10; n++) {
    const t = create(e1(n), `/a${n}`);
    await db.log([t]);
    db.commit(t);
  }
  await db.takeSnapshot(); // snapshot.10000000a, and the log rolls
  for (let n = 11; n <= 15; n++) {
    const t = create(e1(n), `/a${n}`);
    await db.log([t]);
    db.commit(t);
  }
  const v2 = join(d, 'version-2');
  assert.deepEqual(readdirSync(v2).filter((f) => f.startsWith('log.')).sort(), ['log.100000001', 'log.10000000b']);

  await db.truncate(e1(7));
  assert.deepEqual(readdirSync(v2).filter((f) => /^(log|snapshot)\./.test(f)).sort(), ['log.100000001', 'snapshot.0'], 'the later log and the snapshot past 7 are gone');
  assert.equal(db.lastLoggedZxid, e1(7));
  assert.deepEqual(children(db), ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'zookeeper']);
  assert.deepEqual([db.minCommittedLog, db.maxCommittedLog], [e1(1), e1(7)], 'the window reloaded from the log');
  // the cut log ends right after txn 7's record: no preallocated zeros, no torn tail
  const cut = readdirSync(v2).find((f) => f === 'log.100000001')!;
  const sizeAfterCut = statSync(join(v2, cut)).size;

  const e2 = (n: number) => makeZxid(2, n);
  for (let n = 1; n <= 3; n++) {
    const t = create(e2(n), `/b${n}`);
    await db.log([t]);
    db.commit(t);
  }
  assert.equal(statSync(join(v2, cut)).size, sizeAfterCut, 'the cut log is not written again');
  assert.ok(readdirSync(v2).includes('log.200000001'), 'the appends after the truncate start log.200000001');
  await db.close();

  db = await database(d);
  assert.deepEqual(children(db), ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'b1', 'b2', 'b3', 'zookeeper']);
  assert.equal(db.lastLoggedZxid, e2(3));
  assert.equal(db.snapLog.getLastLoggedZxid(), e2(3));
});

test('truncate refuses, changing nothing, when no snapshot at or before the zxid is left', async () => {
  const d = dataDir();
  const db = await database(d);
  for (let n = 1; n <= 3; n++) {
    const t = create(makeZxid(1, n), `/a${n}`);
    await db.log([t]);
    db.commit(t);
  }
  await db.takeSnapshot();
  rmSync(join(d, 'version-2', 'snapshot.0'));
  await assert.rejects(db.truncate(makeZxid(1, 2)), /no snapshot at or before it/);
  assert.equal(db.lastLoggedZxid, makeZxid(1, 3));
});

test('the committed-proposal window keeps the last commitLogCount + 1 txns (Apache removes the oldest only once it holds more than 500), each as its proposal bytes', async () => {
  const db = await database(dataDir());
  for (let n = 1; n <= 1200; n++) db.commit(create(makeZxid(1, n), `/n${n}`));
  assert.equal(db.committedLog.length, 501);
  assert.deepEqual([db.minCommittedLog, db.maxCommittedLog], [makeZxid(1, 700), makeZxid(1, 1200)]);
  const last = db.committedLog.at(-1)!;
  assert.deepEqual(decodeTxn(last.data), create(makeZxid(1, 1200), '/n1200'));
  const small = await database(dataDir(), { commitLogCount: 10 });
  assert.equal(small.snapshotSizeFactor, 0.33);
  for (let n = 1; n <= 600; n++) small.commit(create(makeZxid(1, n), `/n${n}`));
  assert.equal(small.committedLog.length, 501, 'a commitLogCount below 500 is raised to 500');
});

test('group commit: calls in flight share one fsync and resolve in call order; the txns are on disk in order', async () => {
  const d = dataDir();
  const db = await database(d);
  let appends = 0;
  const persist = db.snapLog.persist.bind(db.snapLog);
  db.snapLog.persist = (txns) => (appends++, persist(txns));
  const order: number[] = [];
  const calls = [];
  for (let n = 1; n <= 200; n++) calls.push(db.log([create(makeZxid(1, n), `/g${n}`)]).then(() => order.push(n)));
  await Promise.all(calls);
  assert.deepEqual(order, Array.from({ length: 200 }, (_, i) => i + 1));
  assert.ok(appends <= 3, `200 calls in flight took ${appends} appends`);
  const range = db.snapLog.readTxnLog(0);
  assert.deepEqual([...range.txns].map((t) => t.hdr.zxid), Array.from({ length: 200 }, (_, i) => makeZxid(1, i + 1)));
  await assert.rejects(db.log([create(makeZxid(1, 5), '/again')]), /is not after the last logged/);
});

test('txns from a zxid on, from the log: from the start of the file holding it; none when the log starts after it or is larger than the size limit; none when disabled', async () => {
  const d = dataDir();
  const db = await database(d);
  for (let n = 1; n <= 50; n++) {
    const t = create(makeZxid(1, n), `/p${n}`, 'x'.repeat(100));
    await db.log([t]);
    db.commit(t);
    if (n === 20) await db.takeSnapshot(); // log.100000015 starts after this
  }
  const zxids = (it: Iterable<{ zxid: number }>) => [...it].map((p) => p.zxid);
  const all = zxids(db.getProposalsFromTxnLog(makeZxid(1, 30), 0));
  assert.deepEqual(all, Array.from({ length: 30 }, (_, i) => makeZxid(1, 21 + i)), 'the whole file that holds 0x10000001e, then later ones');
  const fromFirst = zxids(db.getProposalsFromTxnLog(makeZxid(1, 5), 0));
  assert.equal(fromFirst.length, 50);
  assert.deepEqual(zxids(db.getProposalsFromTxnLog(makeZxid(1, 30), -1)), [], 'a negative limit turns it off');
  const size = db.snapLog.readTxnLog(makeZxid(1, 30)).storageSize_bytes;
  assert.equal(zxids(db.getProposalsFromTxnLog(makeZxid(1, 30), size)).length, 30, 'at the limit: served');
  assert.deepEqual(zxids(db.getProposalsFromTxnLog(makeZxid(1, 30), size - 1)), [], 'one byte over: a SNAP instead');
  assert.equal(db.calculateTxnLogSizeLimit(), Math.trunc(db.snapLog.mostRecentSnapshotSize_bytes() * 0.33));
  // a log that starts after the zxid asked for cannot show it holds it
  rmSync(join(d, 'version-2', 'log.100000001'));
  assert.deepEqual(zxids(db.getProposalsFromTxnLog(makeZxid(1, 5), 0)), []);
  // ...and is told so by the log's name, as a log over the limit by its size, not by reading
  // it (that decoded the whole file on the leader's event loop): a file that cannot be read
  // shows it.
  writeFileSync(join(d, 'version-2', 'log.100000015'), Buffer.alloc(4096));
  assert.deepEqual(zxids(db.getProposalsFromTxnLog(makeZxid(1, 5), 0)), [], 'a peer behind the whole log: no read');
  assert.deepEqual(zxids(db.getProposalsFromTxnLog(makeZxid(1, 30), 1)), [], 'a log over the limit: no read');
  assert.throws(() => zxids(db.getProposalsFromTxnLog(makeZxid(1, 30), 0)), /not a transaction log/, 'a peer inside it: the file is read');
});

test('a torn tail (a crash mid-append) is cut off by a restore and by a truncate, and appends go on after it', async () => {
  const d = dataDir();
  let db = await database(d);
  inEpoch(db, 2);
  for (let n = 1; n <= 5; n++) await db.log([create(makeZxid(1, n), `/t${n}`)]);
  await db.close();
  const log = join(d, 'version-2', 'log.100000001');
  // a record cut short after the last whole one, where the preallocated zeros were
  const end = readLogFile(log).validEnd;
  const torn = Buffer.from([0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78, 0, 0, 0, 40, 1, 2, 3]);
  const fd = openSync(log, 'r+');
  writeSync(fd, torn, 0, torn.length, end);
  closeSync(fd);
  db = await database(d);
  assert.deepEqual(children(db), ['t1', 't2', 't3', 't4', 't5', 'zookeeper']);
  await db.truncate(makeZxid(1, 4));
  assert.equal(readLogFile(log).tornTail, false);
  await db.log([create(makeZxid(2, 1), '/u1')]);
  await db.close();
  db = await database(d);
  assert.deepEqual(children(db), ['t1', 't2', 't3', 't4', 'u1', 'zookeeper']);
});

test('SNAP: the leader\'s state replaces ours at its zxid, what we logged past it goes, and the snapshot taken then is what the next load starts from', async () => {
  const d = dataDir();
  const db = await database(d);
  inEpoch(db, 2);
  for (let n = 1; n <= 5; n++) {
    const t = create(makeZxid(1, n), `/ours${n}`);
    await db.log([t]);
    db.commit(t);
  }
  const leader = new DataTree();
  for (let n = 1; n <= 3; n++) leader.processTxn(create(makeZxid(1, n), `/ours${n}`).hdr, create(makeZxid(1, n), `/ours${n}`).body);
  leader.processTxn(create(makeZxid(2, 1), '/leaders').hdr, create(makeZxid(2, 1), '/leaders').body);
  const stream = Buffer.concat([...snapshotStreamSlices(leader, new Map([[0x55n, 4000]]), leader.lastProcessedZxid)]);
  const snapshot = new SnapshotStreamReader(1 << 20).feed(stream, 0).snapshot!;
  await db.loadSnapshot(snapshot, makeZxid(2, 1));
  db.applyUnlogged(create(makeZxid(2, 2), '/during-sync'));
  await db.takeSnapshot();
  await db.log([create(makeZxid(2, 3), '/after')]);
  await db.close();
  const again = await database(d);
  assert.deepEqual(children(again), ['after', 'during-sync', 'leaders', 'ours1', 'ours2', 'ours3', 'zookeeper']);
  assert.deepEqual(again.sessionsWithTimeouts, new Map([[0x55n, 4000]]));
  assert.ok(readdirSync(join(d, 'version-2')).includes('snapshot.200000002'));
});

test('an ensemble member\'s /zookeeper/config holds its config at load, in snapshot.0, and again after a SNAP whose tree had another (version -1, mzxid the config version)', async () => {
  const d = dataDir();
  const text = 'server.1=127.0.0.1:2888:3888:participant\nserver.2=127.0.0.2:2888:3888:participant\nversion=0';
  const member = () => {
    const db = new ZKDatabase({ dataDir: d, dataLogDir: d, preAllocSize_bytes: 64 * 1024, snapCount: 100_000, log: quiet });
    db.quorumConfig = { text, version: 0n };
    open.push(db);
    return db;
  };
  const config = (db: ZKDatabase) => {
    const { data, stat } = db.tree.getData('/zookeeper/config');
    return { data: data?.toString(), version: stat.version, mzxid: stat.mzxid, mtimeSet: stat.mtime > 0 };
  };
  const expected = { data: text, version: -1, mzxid: 0, mtimeSet: true };
  const db = member();
  await db.loadDataBase();
  assert.deepEqual(config(db), expected);
  // snapshot.0 has it too (Apache's initConfigInZKDatabase runs before its first snapshot).
  const fromDisk = new DataTree();
  db.snapLog.restore(fromDisk, () => {});
  assert.equal(fromDisk.getData('/zookeeper/config').data?.toString(), text);
  const standalone = await database(dataDir());
  assert.equal(standalone.tree.getData('/zookeeper/config').data?.length ?? 0, 0, 'a standalone\'s stays empty');
  const leader = new DataTree();
  leader.setConfigNode(Buffer.from('server.9=10.0.0.9:2888:3888:participant\nversion=0'), 0, 1);
  const stream = Buffer.concat([...snapshotStreamSlices(leader, new Map(), leader.lastProcessedZxid)]);
  await db.loadSnapshot(new SnapshotStreamReader(1 << 20).feed(stream, 0).snapshot!, makeZxid(1, 0));
  assert.deepEqual(config(db), expected);
});

test('fast-forward between roles applies what was logged and not committed, and reads no log when every logged txn is applied (a busy log took failovers seconds)', async () => {
  const db = await database(dataDir());
  inEpoch(db, 1);
  let logReads = 0;
  const readTxnLog = db.snapLog.readTxnLog.bind(db.snapLog);
  db.snapLog.readTxnLog = (zxid) => (logReads++, readTxnLog(zxid));
  const txns = Array.from({ length: 3000 }, (_, i) => create(makeZxid(1, i + 1), `/f${i + 1}`));
  await db.log(txns);
  for (const t of txns.slice(0, 2998)) db.commit(t);
  // Two logged, not committed (the leader went first): applied from the log.
  assert.equal(await db.fastForward(), 2);
  assert.equal(logReads, 1);
  assert.equal(db.lastProcessedZxid, makeZxid(1, 3000));
  assert.equal(children(db).filter((c) => c.startsWith('f')).length, 3000);
  // All applied now: nothing to read.
  assert.equal(await db.fastForward(), 0);
  assert.equal(logReads, 1, 'the log was read with nothing logged past the tree');
});
