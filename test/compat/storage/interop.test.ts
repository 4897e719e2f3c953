// A dataDir moves between Apache ZooKeeper 3.8 and ours, both ways: every znode with its
// data, Stat and ACL reads the same after the move, and a live session (with its ephemeral)
// carries over. Apache's own tools read the files ours wrote.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZooKeeperClient } from '../../../src/client/zookeeper-client';
import { CreateMode, Perms } from '../../../src/jute/constants';
import { SNAPSHOT_WORKER_MIN_BYTES } from '../../../src/persistence/snapshot-reader';
import { generateDigest } from '../../../src/tree/auth';
import { startServer, type Flavour } from '../../support/servers';
import { dumpTree } from '../../support/tree-dump';

const HOSTS: Record<Flavour, string> = { apache: '127.0.0.81', ours: '127.0.0.82' };
const JAVA_CP = '/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-nop.jar';

/** Writes a varied tree: every create mode but TTL, data, an ACL, deletes, a multi. */
async function populate(zk: ZooKeeperClient): Promise<void> {
  await zk.create('/app', Buffer.from('config v1'));
  await zk.setData('/app', Buffer.from('config v2'));
  for (let i = 0; i < 30; i++) await zk.create('/app/item-', Buffer.from(`item ${i}`), { mode: CreateMode.PERSISTENT_SEQUENTIAL });
  await zk.delete('/app/item-0000000003');
  await zk.create('/app/binary', Buffer.from([0, 1, 2, 255, 254]));
  await zk.create('/app/empty', null);
  await zk.create('/secret', Buffer.from('s'), {
    acl: [
      { perms: Perms.ALL, id: { scheme: 'digest', id: generateDigest('admin:pw') } },
      { perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } },
    ],
  });
  await zk.addAuth('digest', 'admin:pw');
  await zk.setACL('/secret', [{ perms: Perms.READ | Perms.ADMIN, id: { scheme: 'world', id: 'anyone' } }]);
  await zk.create('/queue', null, { mode: CreateMode.CONTAINER });
  await zk.create('/queue/job', Buffer.from('j'));
  await zk.multi([
    { type: 1, op: 'create', path: '/multi', data: Buffer.from('m'), acl: [{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }], flags: 0, ttl: -1 },
    { type: 5, op: 'setData', path: '/app', data: Buffer.from('config v3'), version: -1 },
  ]);
  // Enough txns for the writer to have more than one log file and snapshot is not needed:
  // the reader must replay the log after the startup snapshot either way.
}

/** Writes with one flavour, stops it (SIGKILL: nothing is tidied up), reads with the other. */
async function move(from: Flavour, to: Flavour): Promise<{ dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), `zk-move-${from}-`));
  const writer = await startServer(from, { host: HOSTS[from], dataDir, cfg: { maxSessionTimeout: 60000 } });
  let before;
  let session: { id: bigint; passwd: Buffer };
  try {
    const zk = await ZooKeeperClient.connect(writer.connectString);
    await populate(zk);
    const owner = await ZooKeeperClient.connect(writer.connectString, { sessionTimeout_ms: 60000 });
    await owner.create('/app/lock', Buffer.from('held'), { mode: CreateMode.EPHEMERAL });
    session = { id: owner.sessionId, passwd: owner.passwd };
    before = await dumpTree(zk);
    owner.disconnect(); // the session stays alive on the server, and so in its files
    zk.disconnect();
  } finally {
    await writer.kill();
  }
  const reader = await startServer(to, { host: HOSTS[to], dataDir, cfg: { maxSessionTimeout: 60000 } });
  try {
    const zk = await ZooKeeperClient.connect(reader.connectString);
    const after = await dumpTree(zk);
    assert.deepEqual(after, before, `${to} reads what ${from} wrote`);
    // The live session carries over: it reconnects, still owning its ephemeral.
    const again = await ZooKeeperClient.connect(reader.connectString, { sessionId: session.id, passwd: session.passwd, sessionTimeout_ms: 60000 });
    assert.equal(again.sessionId, session.id);
    const lock = await zk.exists('/app/lock');
    assert.equal(lock?.ephemeralOwner, session.id);
    await again.close();
    zk.disconnect();
  } finally {
    await reader.stop();
  }
  return { dataDir };
}

test('a dataDir written by Apache ZooKeeper 3.8 is served by ours with every znode, Stat, ACL and live session', async () => {
  const { dataDir } = await move('apache', 'ours');
  rmSync(dataDir, { recursive: true, force: true });
});

test('a dataDir written by ours is served by Apache ZooKeeper 3.8 alike, and its tools read our files', async () => {
  const { dataDir } = await move('ours', 'apache');
  try {
    const files = readdirSync(join(dataDir, 'version-2'));
    const snapshot = files.filter((f) => f.startsWith('snapshot.')).sort((a, b) => parseInt(a.slice(9), 16) - parseInt(b.slice(9), 16))[0]!;
    const formatter = spawnSync('java', ['-cp', JAVA_CP, 'org.apache.zookeeper.server.SnapshotFormatter', join(dataDir, 'version-2', snapshot)], { encoding: 'utf8' });
    assert.equal(formatter.status, 0, formatter.stderr);
    assert.match(formatter.stdout, /ZNode Details \(count=\d+\)/);
    // Our logs: the toolkit dumps every txn of the first one, which holds our writes.
    const ourLog = files.filter((f) => f.startsWith('log.')).sort((a, b) => parseInt(a.slice(4), 16) - parseInt(b.slice(4), 16))[0]!;
    const toolkit = spawnSync('java', ['-cp', JAVA_CP, 'org.apache.zookeeper.server.persistence.TxnLogToolkit', '--dump', join(dataDir, 'version-2', ourLog)], {
      encoding: 'utf8',
    });
    assert.equal(toolkit.status, 0, toolkit.stderr + toolkit.stdout);
    assert.match(toolkit.stdout, /ZooKeeper Transactional Log File with dbid 0 txnlog format version 2/);
    assert.match(toolkit.stdout, /createSession/);
    assert.match(toolkit.stdout, /create.*\/app\/item-0000000029/);
    assert.match(toolkit.stdout, /setACL/);
    assert.match(toolkit.stdout, /multi/);
    assert.doesNotMatch(toolkit.stdout + toolkit.stderr, /CRC|checksum|corrupt/i);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

/** Small nodes, and large ones enough that Apache's snapshot of them all passes SNAPSHOT_WORKER_MIN_BYTES. */
const SMALL_NODES = 3_000;
const LARGE_NODES = 24;
const LARGE_NODE_BYTES = 500_000;

test(`a snapshot of more than ${SNAPSHOT_WORKER_MIN_BYTES >> 20} MiB written by Apache ZooKeeper 3.8 is parsed on a worker thread and served alike`, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'zk-move-large-'));
  let before;
  try {
    const writer = await startServer('apache', { host: HOSTS.apache, dataDir });
    try {
      const zk = await ZooKeeperClient.connect(writer.connectString);
      await zk.create('/big');
      for (let p = 0; p < 12; p++) await zk.create(`/big/p${p}`, null, { acl: p % 2 === 0 ? undefined : [{ perms: Perms.ALL & ~Perms.ADMIN, id: { scheme: 'world', id: 'anyone' } }] });
      const creates: Promise<unknown>[] = [];
      for (let i = 0; i < SMALL_NODES; i++) creates.push(zk.create(`/big/p${i % 12}/n${i}`, Buffer.alloc(i % 300, i % 251)));
      await Promise.all(creates);
      for (let i = 0; i < LARGE_NODES; i++) await zk.create(`/big/p${i % 12}/large${i}`, Buffer.alloc(LARGE_NODE_BYTES, i));
      zk.disconnect();
    } finally {
      await writer.kill();
    }
    // Apache writes a snapshot of all it loaded when it starts: that one is ours to read.
    const again = await startServer('apache', { host: HOSTS.apache, dataDir });
    try {
      const zk = await ZooKeeperClient.connect(again.connectString);
      before = await dumpTree(zk);
      zk.disconnect();
    } finally {
      await again.kill();
    }
    const snapshots = readdirSync(join(dataDir, 'version-2')).filter((f) => f.startsWith('snapshot.'));
    assert.ok(snapshots.some((f) => statSync(join(dataDir, 'version-2', f)).size >= SNAPSHOT_WORKER_MIN_BYTES), `Apache's snapshots ${snapshots.join(', ')} are all under ${SNAPSHOT_WORKER_MIN_BYTES} bytes`);
    const reader = await startServer('ours', { host: HOSTS.ours, dataDir });
    try {
      assert.match(reader.log(), /loaded snapshot 0x[0-9a-f]+ \(parsed on a worker thread\)/);
      const zk = await ZooKeeperClient.connect(reader.connectString);
      assert.deepEqual(await dumpTree(zk), before, 'ours reads the large snapshot Apache wrote');
      zk.disconnect();
    } finally {
      await reader.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
