// The ACL cache over a server's life, on real servers and files: churn with ever new ACL
// lists leaves nothing behind (RSS within a ceiling, a bystander's session and ephemeral
// intact, the next snapshot listing only the lists in use), the same history gives the
// same ACL indices as Apache ZooKeeper 3.8, and Apache serves a snapshot ours wrote.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZooKeeperClient } from '../../../src/client/zookeeper-client';
import { CreateMode, Perms } from '../../../src/jute/constants';
import type { ACL } from '../../../src/jute/records';
import { listSnapshots } from '../../../src/persistence/file-snap';
import { readSnapshot } from '../../../src/persistence/snapshot-reader';
import { batchEntries } from '../../../src/tree/node-batch';
import { generateDigest } from '../../../src/tree/auth';
import { fourLetterWord, startServer, type Flavour } from '../../support/servers';

const HOSTS = { churn: '127.0.3.10', apache: '127.0.3.11', ours: '127.0.3.12' } as const;
const CHURN_ROUNDS = 2000;
const CHURN_NODES_PER_ROUND = 50;
/** Rounds run before the first RSS reading, so that what the server needs anyway is counted. */
const WARMUP_ROUNDS = 100;
/**
 * RSS growth allowed over the churn. Before the cache was counted the same churn grew the
 * server by ~0.5 MiB a round (~1 GiB in all); what a tree back to its starting nodes may
 * keep is noise next to that, and 64 MiB leaves room for V8's heap sizing and the txn log's
 * buffers.
 */
const CHURN_RSS_GROWTH_MAX_MIB = 64;

const digestAcl = (user: string): ACL[] => [{ perms: Perms.ALL, id: { scheme: 'digest', id: generateDigest(`${user}:pw`) } }];

/** The server's RSS in MiB, as envi reports it (os.memory.total). */
async function rssMiB(host: string): Promise<number> {
  const envi = await fourLetterWord(host, 2181, 'envi');
  const m = /os\.memory\.total=(\d+)MB/.exec(envi);
  assert.ok(m, `no os.memory.total in envi:\n${envi}`);
  return Number(m[1]);
}

async function churn(zk: ZooKeeperClient, parent: string, from: number, to: number): Promise<void> {
  for (let round = from; round < to; round++) {
    const names = Array.from({ length: CHURN_NODES_PER_ROUND }, (_, i) => `${parent}/n${i}`);
    await Promise.all(names.map((p, i) => zk.create(p, null, { acl: digestAcl(`r${round}-${i}`) })));
    await Promise.all(names.map((p) => zk.delete(p)));
  }
}

/** The newest snapshot of a dataDir: its ACL map (without -1) and each node's ACL index. */
function newestSnapshot(dataDir: string): { map: Map<number, string>; nodeIndex: Map<string, number> } {
  const dir = join(dataDir, 'version-2');
  const [newest] = listSnapshots(dir);
  assert.ok(newest, `no snapshot in ${dir}`);
  const snap = readSnapshot(join(dir, newest.name), newest.zxid);
  const indexOf = new Map<ACL[], number>([...snap.acls].map(([i, acl]) => [acl, i]));
  const nodeIndex = new Map<string, number>();
  for (const [path, node] of batchEntries(snap.batches, snap.acls)) nodeIndex.set(path, indexOf.get(node.acl)!);
  const map = new Map([...snap.acls].filter(([i]) => i !== -1).map(([i, acl]) => [i, JSON.stringify(acl)]));
  return { map, nodeIndex };
}

/** setACL needs ADMIN and (in Debian's 3.8) getACL needs READ: the owners of the kept nodes. */
async function authAs(zk: ZooKeeperClient, users: string[]): Promise<void> {
  for (const u of users) await zk.addAuth('digest', `${u}:pw`);
}

/** Nodes that stay, and a setACL that leaves one list unused and another shared. */
async function keepSome(zk: ZooKeeperClient): Promise<void> {
  await authAs(zk, ['a', 'b', 'c', 'd']);
  await zk.create('/keep-a', null, { acl: digestAcl('a') });
  await zk.create('/keep-b', null, { acl: digestAcl('b') });
  await zk.create('/keep-c', null, { acl: digestAcl('a') });
  await zk.setACL('/keep-b', digestAcl('c'));
  await zk.create('/keep-d', null, { acl: digestAcl('d') });
  await zk.setACL('/keep-d', digestAcl('d')); // its list's only user: a fresh index, as Apache
}

test(`ours: ${CHURN_ROUNDS} rounds x ${CHURN_NODES_PER_ROUND} nodes with fresh ACL lists stay within ${CHURN_RSS_GROWTH_MAX_MIB} MiB, and the next snapshot lists only the lists in use`, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'zk-aclchurn-'));
  let server = await startServer('ours', { host: HOSTS.churn, dataDir, cfg: { maxSessionTimeout: 60000 } });
  try {
    const bystander = await ZooKeeperClient.connect(server.connectString, { sessionTimeout_ms: 6000 });
    await bystander.create('/bystander', null, { mode: CreateMode.EPHEMERAL });
    const zk = await ZooKeeperClient.connect(server.connectString);
    await zk.create('/churn');
    await churn(zk, '/churn', 0, WARMUP_ROUNDS);
    const before = await rssMiB(HOSTS.churn);
    const started = Date.now();
    await churn(zk, '/churn', WARMUP_ROUNDS, CHURN_ROUNDS);
    const after = await rssMiB(HOSTS.churn);
    t.diagnostic(`RSS ${before} MiB -> ${after} MiB over ${CHURN_ROUNDS - WARMUP_ROUNDS} rounds in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    assert.ok(after - before < CHURN_RSS_GROWTH_MAX_MIB, `RSS grew by ${after - before} MiB`);
    assert.equal((await bystander.exists('/bystander'))?.ephemeralOwner, bystander.sessionId, 'the bystander keeps its ephemeral');
    await keepSome(zk);
    zk.disconnect();
    bystander.disconnect();
    await server.kill();
    // A restart snapshots what it restored: the lists of /zookeeper/config and the kept nodes only.
    server = await startServer('ours', { host: HOSTS.churn, dataDir, cfg: { maxSessionTimeout: 60000 } });
    const { map, nodeIndex } = newestSnapshot(dataDir);
    const used = new Set([...nodeIndex.values()].filter((i) => i !== -1));
    assert.deepEqual([...map.keys()].sort((a, b) => a - b), [...used].sort((a, b) => a - b), 'the map holds exactly the indices nodes use');
    assert.deepEqual(
      [...map.values()].sort(),
      [
        JSON.stringify([{ perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } }]), // /zookeeper/config
        JSON.stringify([{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }]), // /churn
        ...['a', 'c', 'd'].map((u) => JSON.stringify(digestAcl(u))),
      ].sort(),
    );
    assert.equal(nodeIndex.get('/keep-a'), nodeIndex.get('/keep-c'), 'nodes with equal lists share one index');
  } finally {
    await server.stop();
  }
  // Apache ZooKeeper serves that snapshot: every kept node with its ACL, and new lists after it.
  const apache = await startServer('apache', { host: HOSTS.churn, dataDir });
  try {
    const zk = await ZooKeeperClient.connect(apache.connectString);
    await authAs(zk, ['a', 'c', 'd', 'after']);
    for (const [path, user] of [['/keep-a', 'a'], ['/keep-b', 'c'], ['/keep-c', 'a'], ['/keep-d', 'd']] as const) {
      assert.deepEqual((await zk.getACL(path)).acl, digestAcl(user), path);
    }
    assert.deepEqual(await zk.getChildren('/churn'), []);
    await zk.create('/after', null, { acl: digestAcl('after') });
    assert.deepEqual((await zk.getACL('/after')).acl, digestAcl('after'));
    zk.disconnect();
  } finally {
    await apache.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('the same history gives the same ACL indices in the snapshots of Apache ZooKeeper 3.8 and ours', async () => {
  const snaps: Record<Flavour, ReturnType<typeof newestSnapshot>> = {} as never;
  await Promise.all(
    (['apache', 'ours'] as const).map(async (flavour) => {
      const dataDir = mkdtempSync(join(tmpdir(), `zk-aclidx-${flavour}-`));
      let server = await startServer(flavour, { host: HOSTS[flavour], dataDir });
      try {
        const zk = await ZooKeeperClient.connect(server.connectString);
        await zk.create('/churn');
        // Sequential, so that both servers hand out indices in one order.
        for (let round = 0; round < 20; round++) {
          for (let i = 0; i < 10; i++) await zk.create(`/churn/n${i}`, null, { acl: digestAcl(`r${round}-${i}`) });
          for (let i = 0; i < 10; i++) await zk.delete(`/churn/n${i}`);
        }
        await keepSome(zk);
        await zk.setACL('/', [{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }]);
        zk.disconnect();
        await server.stop();
        server = await startServer(flavour, { host: HOSTS[flavour], dataDir });
        snaps[flavour] = newestSnapshot(dataDir);
      } finally {
        await server.stop();
        rmSync(dataDir, { recursive: true, force: true });
      }
    }),
  );
  assert.deepEqual([...snaps.ours.map].sort(), [...snaps.apache.map].sort(), 'the same ACL map, index for index');
  assert.deepEqual([...snaps.ours.nodeIndex].sort(), [...snaps.apache.nodeIndex].sort(), 'every node with the same index');
});
