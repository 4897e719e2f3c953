// A fuzzy snapshot (written in slices while txns keep applying, as a background snapshot
// is) plus the log after its zxid restores exactly the tree and sessions that were live:
// creates, deletes, setData, setACL, multis, a session closed with its ephemerals and its
// path taken again by a new session, all applied between the slices. Apache ZooKeeper 3.8
// loads the same snapshot + log into the same tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZooKeeperClient } from '../../../src/client/zookeeper-client';
import { OpCode } from '../../../src/jute/constants';
import type { ACL } from '../../../src/jute/records';
import { SNAPSHOT_STEP_NODES, writeSnapshot } from '../../../src/persistence/file-snap';
import { applySessionTxn, FileTxnSnapLog } from '../../../src/persistence/file-txn-snap-log';
import { DataTree } from '../../../src/tree/data-tree';
import type { Txn, TxnBody } from '../../../src/tree/txn';
import { startServer, type Flavour } from '../../support/servers';
import { dumpTree } from '../../support/tree-dump';

const HOSTS: Record<Flavour, string> = { apache: '127.0.47.1', ours: '127.0.47.2' };
const OPEN: ACL[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
/** Children under each of /a, /b and /d: enough for the walk to take many steps (the script's paths are chosen for 1500). */
const CHILDREN = 1500;
/** The slices after which the script below applies its txns (its paths are chosen for 12). */
const SCRIPTED_SLICES = 12;

/** A live tree with its sessions and the txns applied to it, in zxid order (what the log gets). */
class Live {
  readonly tree = new DataTree();
  readonly sessions = new Map<bigint, number>();
  readonly applied: Txn[] = [];
  private zxid = 0;

  apply(clientId: bigint, type: number, body: TxnBody): void {
    const txn: Txn = { hdr: { clientId, cxid: 0, zxid: ++this.zxid, time: 1_700_000_000_000 + this.zxid, type }, body };
    const rc = this.tree.processTxn(txn.hdr, txn.body);
    assert.equal(rc.err, 0, `txn ${this.zxid} (${body.kind}) applies to the live tree`);
    applySessionTxn(this.sessions, txn);
    this.applied.push(txn);
  }
  createBody(path: string, data: string, acl = OPEN, ephemeral = false): TxnBody {
    const parent = this.tree.getNode(path.slice(0, path.lastIndexOf('/')) || '/')!;
    return { kind: 'create', path, data: Buffer.from(data), acl, ephemeral, parentCVersion: parent.stat.cversion + 1 };
  }
  create(path: string, data: string, owner = 0n, acl = OPEN): void {
    this.apply(owner === 0n ? 1n : owner, OpCode.create, this.createBody(path, data, acl, owner !== 0n));
  }
  setData(path: string, data: string): void {
    this.apply(1n, OpCode.setData, { kind: 'setData', path, data: Buffer.from(data), version: this.tree.getNode(path)!.stat.version + 1 });
  }
}

/** Every node (path, data, Stat, ACL), every session's ephemerals: what must come back. */
function dump(tree: DataTree): unknown {
  const nodes = [...tree.walk()].map(([path, n]) => ({ path, data: n.data?.toString('hex') ?? null, stat: { ...n.stat }, acl: JSON.stringify(n.acl), children: n.children.size }));
  const ephemerals = [...tree.ephemeralsBySession()].map(([id, paths]) => [id, [...paths].sort()]).sort();
  return { nodes: nodes.sort((x, y) => (x.path < y.path ? -1 : 1)), ephemerals, zxid: tree.lastProcessedZxid };
}

test('a snapshot written in slices while txns apply, plus the log after it, restores the live tree and sessions, in ours and in Apache 3.8', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'zk-fuzzy-'));
  const log = { info: () => undefined, warn: (line: string) => assert.fail(`unexpected warning: ${line}`) };
  const snapLog = new FileTxnSnapLog({ dataDir, dataLogDir: dataDir, preAllocSize_bytes: 1 << 16, snapCount: 100_000, log });
  const live = new Live();
  await snapLog.takeSnapshot(live.tree, live.sessions); // snapshot.0, under the whole log

  const s1 = 0x0147_0000_0000_0001n;
  const s2 = 0x0147_0000_0000_0002n;
  const s4 = 0x0147_0000_0000_0004n;
  live.apply(s1, OpCode.createSession, { kind: 'createSession', timeOut: 30000 });
  live.apply(s2, OpCode.createSession, { kind: 'createSession', timeOut: 20000 });
  for (const p of ['/a', '/b', '/c', '/d', '/z']) live.create(p, p);
  for (let i = 0; i < CHILDREN; i++) live.create(`/d/n${i}`, `d${i}`);
  for (let i = 0; i < CHILDREN; i++) live.create(`/a/n${i}`, `a${i}`);
  for (let i = 0; i < CHILDREN; i++) live.create(`/b/n${i}`, `b${i}`);
  // s1's ephemerals early and late in the walk; /z/lock is taken again by s4 once s1 goes.
  live.create('/a/e1', 'e', s1);
  live.create('/z/lock', 'held by s1', s1);
  live.create('/z/acl', 'acl', 0n, [{ perms: 1, id: { scheme: 'world', id: 'anyone' } }]);
  await snapLog.persist(live.applied.splice(0));
  const snapshotZxid = live.tree.lastProcessedZxid;

  // /d changes once, while the walk is inside it: the children it visits last are deleted
  // after /d itself was written with its old pzxid and listing (their deletes replay as
  // NONODE and must still move /d's pzxid). Where the walk is: the nodes before it, in the
  // order a snapshot writes them, at most SNAPSHOT_STEP_NODES per step.
  const order = [...live.tree.nodesInSnapshotOrder()].map(([path]) => path);
  const dAt = order.indexOf('/d');
  const dLast = order.length - 1 - [...order].reverse().findIndex((path) => path.startsWith('/d/'));
  let dChanged = false;
  // Between slices: what clients would get applied while the snapshot is being written.
  let slice = 0;
  const between = async (): Promise<void> => {
    const i = slice++;
    const written = slice * SNAPSHOT_STEP_NODES;
    if (!dChanged && written > dAt && written < dLast - SNAPSHOT_STEP_NODES) {
      for (const path of order.slice(dLast - 2, dLast + 1)) live.apply(1n, OpCode.delete, { kind: 'delete', path });
      dChanged = true;
    }
    if (i >= SCRIPTED_SLICES) return;
    live.apply(1n, OpCode.delete, { kind: 'delete', path: `/a/n${i * 97}` });
    live.apply(1n, OpCode.delete, { kind: 'delete', path: `/b/n${CHILDREN - 1 - i * 89}` });
    live.create(`/a/new${i}`, `new ${i}`);
    live.create(`/b/new${i}`, `new ${i}`);
    live.setData(`/b/n${i * 101 + 1}`, `changed in slice ${i}`);
    live.setData('/a', `a after slice ${i}`);
    live.apply(1n, OpCode.multi, {
      kind: 'multi',
      txns: [
        { type: OpCode.create, body: live.createBody(`/c/m${i}`, 'multi') },
        { type: OpCode.delete, body: { kind: 'delete', path: `/a/n${i * 97 + 5}` } },
        { type: OpCode.setData, body: { kind: 'setData', path: `/b/n${i * 101 + 2}`, data: Buffer.from('multi'), version: 1 } },
      ],
    });
    if (i === 1) live.apply(s1, OpCode.closeSession, { kind: 'closeSession', paths2Delete: live.tree.getEphemerals(s1) });
    if (i === 2) {
      live.apply(s4, OpCode.createSession, { kind: 'createSession', timeOut: 40000 });
      live.create('/z/lock', 'held by s4', s4);
      live.create('/a/n5', 'again'); // deleted by the multi of slice 0, made anew
    }
    if (i === 3) {
      live.apply(1n, OpCode.setACL, { kind: 'setACL', path: '/z/acl', acl: [{ perms: 3, id: { scheme: 'world', id: 'anyone' } }], version: 1 });
      live.create('/z/acl2', 'a list no node had', 0n, [{ perms: 7, id: { scheme: 'world', id: 'anyone' } }]);
    }
  };
  await writeSnapshot(snapLog.snapDir, live.tree, live.sessions, snapshotZxid, between);
  assert.ok(slice >= 6, `the snapshot took ${slice} slices: txns were applied in the middle of its walk`);
  assert.ok(dChanged, `/d changed while the walk was inside it (at ${dAt}, its last child at ${dLast})`);
  // And after it: a txn or two more, logged as usual.
  live.setData('/c', 'after the snapshot');
  live.apply(s2, OpCode.closeSession, { kind: 'closeSession', paths2Delete: [] });
  await snapLog.persist(live.applied.splice(0));
  snapLog.close();

  const restoredTree = new DataTree();
  const reopened = new FileTxnSnapLog({ dataDir, dataLogDir: dataDir, preAllocSize_bytes: 1 << 16, snapCount: 100_000, log });
  const restored = reopened.restore(restoredTree);
  reopened.close();
  assert.equal(restored.snapshotZxid, snapshotZxid, 'restored from the fuzzy snapshot');
  assert.deepEqual(dump(restoredTree), dump(live.tree));
  assert.deepEqual([...restored.sessions].sort(), [...live.sessions].sort());

  // Both servers read the same files (each on its own copy) into the same tree.
  const dumps: Record<Flavour, unknown> = { apache: undefined, ours: undefined };
  for (const flavour of ['apache', 'ours'] as const) {
    const copy = mkdtempSync(join(tmpdir(), `zk-fuzzy-${flavour}-`));
    cpSync(dataDir, copy, { recursive: true });
    const server = await startServer(flavour, { host: HOSTS[flavour], dataDir: copy, cfg: { maxSessionTimeout: 60000 } });
    try {
      const zk = await ZooKeeperClient.connect(server.connectString);
      dumps[flavour] = await dumpTree(zk);
      zk.disconnect();
    } finally {
      await server.stop();
    }
  }
  assert.deepEqual(dumps.ours, dumps.apache, 'ours and Apache 3.8 load the fuzzy snapshot + log alike');
  const apacheDump = dumps.apache as { path: string; data: string | null }[];
  assert.equal(apacheDump.find((n) => n.path === '/z/lock')?.data, Buffer.from('held by s4').toString('hex'));
  assert.equal(apacheDump.length, restoredTree.nodeCount - 1, 'Apache holds every node of the restored tree');
});
