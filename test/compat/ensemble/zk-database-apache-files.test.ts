// Our ZKDatabase on the files Apache ZooKeeper 3.8 writes: a 3-member Apache ensemble takes
// some writes and stops; each member's acceptedEpoch, currentEpoch, snapshots and logs load
// with our code to the same tree and zxid. Then one of those dataDirs is truncated by our
// code and appended to in a new epoch, and Apache standalone serves exactly the txns kept.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ZooKeeperClient } from '../../../src/client/zookeeper-client';
import { OpCode } from '../../../src/jute/constants';
import { readLongFromFile } from '../../../src/persistence/epoch-files';
import { ZKDatabase } from '../../../src/persistence/zk-database';
import { epochOf, makeZxid } from '../../../src/quorum/zxid';
import { srvrOnceServing, startApacheMember, type MemberSpec } from '../../support/ensemble';
import { startServer } from '../../support/servers';

const members: MemberSpec[] = [1, 2, 3].map((myid) => ({ myid, host: `127.0.8.${10 + myid}` }));
const STANDALONE_HOST = '127.0.8.20';
const quiet = { info: () => {}, warn: (l: string) => console.error(`ours: ${l}`) };
const cleanup: string[] = [];
after(() => {
  for (const d of cleanup) rmSync(d, { recursive: true, force: true });
});

function openDb(dataDir: string): ZKDatabase {
  return new ZKDatabase({ dataDir, dataLogDir: dataDir, preAllocSize_bytes: 64 * 1024 * 1024, snapCount: 100_000, log: quiet });
}

test('an Apache 3.8 ensemble\'s dataDirs load with our ZKDatabase; truncated and appended to by us, Apache standalone serves exactly what was kept', { timeout: 240_000 }, async () => {
  const apache = await Promise.all(members.map((m) => startApacheMember(m, members)));
  let client: ZooKeeperClient | undefined;
  const czxid: number[] = [];
  let lastZxid: number;
  try {
    const srvr = await Promise.all(members.map((m) => srvrOnceServing(m.host, 2181, 60_000)));
    const leaderAt = srvr.findIndex((s) => /Mode: leader/.test(s));
    assert.ok(leaderAt >= 0, `an Apache leader: ${srvr.join('\n')}`);
    client = await ZooKeeperClient.connect(`${members[leaderAt]!.host}:2181`);
    for (let i = 0; i < 20; i++) {
      await client.create(`/n${i}`, Buffer.from(`value ${i}`));
      czxid.push((await client.exists(`/n${i}`))!.czxid);
    }
    await client.close();
    client = undefined;
    lastZxid = Number(/Zxid: (0x[0-9a-f]+)/.exec(await srvrOnceServing(members[leaderAt]!.host))![1]);
    // a follower applies the last commit a moment after the leader answers
    for (const m of members) {
      const deadline = Date.now() + 10_000;
      while (Number(/Zxid: (0x[0-9a-f]+)/.exec(await srvrOnceServing(m.host))![1]) < lastZxid && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await client?.close();
    for (const a of apache) await a.stop({ keepDir: true });
    for (const a of apache) cleanup.push(join(a.dataDir, '..'));
  }

  const epoch = epochOf(lastZxid);
  for (const a of apache) {
    const v2 = join(a.dataDir, 'version-2');
    assert.equal(readLongFromFile(v2, 'acceptedEpoch'), epoch, `member ${a.myid}: acceptedEpoch as Apache wrote it`);
    assert.equal(readLongFromFile(v2, 'currentEpoch'), epoch, `member ${a.myid}: currentEpoch`);
    assert.equal(readFileSync(join(v2, 'currentEpoch'), 'latin1'), String(epoch), 'decimal, no newline: the format we write too');
    const copy = mkdtempSync(join(tmpdir(), 'zkts-apache-copy-'));
    cleanup.push(copy);
    cpSync(a.dataDir, copy, { recursive: true });
    const db = openDb(copy);
    await db.loadDataBase();
    assert.deepEqual([db.acceptedEpoch, db.currentEpoch], [epoch, epoch]);
    assert.equal(db.lastProcessedZxid, lastZxid, `member ${a.myid}: every txn of Apache's log replayed`);
    assert.equal(db.snapLog.getLastLoggedZxid(), lastZxid);
    for (let i = 0; i < 20; i++) assert.equal(db.tree.getData(`/n${i}`).data?.toString(), `value ${i}`);
    assert.equal(db.maxCommittedLog, lastZxid, 'the window filled from the replayed log');
    await db.close();
  }

  // Truncated by us to the 10th create, then a txn of the next epoch appended.
  const dataDir = mkdtempSync(join(tmpdir(), 'zkts-truncated-'));
  cleanup.push(dataDir);
  cpSync(apache[0]!.dataDir, dataDir, { recursive: true });
  const db = openDb(dataDir);
  await db.loadDataBase();
  await db.truncate(czxid[9]!);
  assert.equal(db.lastLoggedZxid, czxid[9]);
  db.setAcceptedEpoch(epoch + 1);
  db.setCurrentEpoch(epoch + 1);
  const added = {
    hdr: { clientId: 0n, cxid: 1, zxid: makeZxid(epoch + 1, 1), time: Date.now(), type: OpCode.create },
    body: { kind: 'create' as const, path: '/after-truncate', data: Buffer.from('ours'), acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], ephemeral: false, parentCVersion: -1 },
  };
  await db.log([added]);
  db.commit(added);
  await db.close();

  const standalone = await startServer('apache', { host: STANDALONE_HOST, dataDir });
  try {
    const c = await ZooKeeperClient.connect(standalone.connectString);
    try {
      const children = (await c.getChildren('/')).sort();
      assert.deepEqual(children, ['after-truncate', ...Array.from({ length: 10 }, (_, i) => `n${i}`)].concat('zookeeper').sort());
      assert.equal((await c.getData('/n9')).data?.toString(), 'value 9');
      assert.equal((await c.getData('/after-truncate')).data?.toString(), 'ours');
      assert.equal((await c.exists('/after-truncate'))!.czxid, makeZxid(epoch + 1, 1));
    } finally {
      await c.close();
    }
  } finally {
    await standalone.stop();
  }
});
