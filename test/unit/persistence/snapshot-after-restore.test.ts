// The snapshot a server takes after restoring (ZooKeeperServer.loadData's) is skipped when
// the newest snapshot on disk already is the state restored, and written when txns were
// replayed after it. A restart of a million znodes with nothing to replay rewrote 189 MB.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { OpCode } from '../../../src/jute/constants';
import { listSnapshots } from '../../../src/persistence/file-snap';
import { FileTxnSnapLog } from '../../../src/persistence/file-txn-snap-log';
import { DataTree } from '../../../src/tree/data-tree';

const quiet = { info() {}, warn() {} };

test('after a restore with nothing replayed no snapshot is written; with a txn replayed one is, at its zxid', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zk-snap-restore-'));
  const open = () => new FileTxnSnapLog({ dataDir: dir, dataLogDir: dir, preAllocSize_bytes: 64 * 1024, snapCount: 100_000, log: quiet });
  try {
    // A first start: an empty dataDir gets its snapshot, then one create is logged.
    let snapLog = open();
    let tree = new DataTree();
    let restored = snapLog.restore(tree);
    await snapLog.snapshotAfterRestore(tree, restored.sessions, restored);
    const create = { hdr: { clientId: 1n, cxid: 1, zxid: 1, time: 1, type: OpCode.create }, body: { kind: 'create' as const, path: '/a', data: Buffer.from('x'), acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], ephemeral: false, parentCVersion: 1 } };
    tree.processTxn(create.hdr, create.body);
    await snapLog.persist([create]);
    snapLog.close();
    const v2 = join(dir, 'version-2');
    assert.deepEqual(listSnapshots(v2).map((s) => s.zxid), [0]);

    // Restart: the create is replayed, so snapshot.1 is written.
    snapLog = open();
    tree = new DataTree();
    restored = snapLog.restore(tree);
    assert.equal(restored.txnsReplayed, 1);
    await snapLog.snapshotAfterRestore(tree, restored.sessions, restored);
    snapLog.close();
    assert.deepEqual(listSnapshots(v2).map((s) => s.zxid), [1, 0]);
    const written = statSync(join(v2, 'snapshot.1')).mtimeMs;

    // Restart again: snapshot.1 is the state loaded, nothing to replay: it is not rewritten.
    await new Promise((r) => setTimeout(r, 20));
    snapLog = open();
    tree = new DataTree();
    restored = snapLog.restore(tree);
    assert.equal(restored.txnsReplayed, 0);
    await snapLog.snapshotAfterRestore(tree, restored.sessions, restored);
    snapLog.close();
    assert.deepEqual(listSnapshots(v2).map((s) => s.zxid), [1, 0]);
    assert.equal(statSync(join(v2, 'snapshot.1')).mtimeMs, written, 'snapshot.1 was not written again');
    assert.ok(tree.getNode('/a'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
