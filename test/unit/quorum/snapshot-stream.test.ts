// The snapshot a leader streams after SNAP: what our leader writes, our learner reads back
// whole, however the stream is cut into chunks; a stream that is not one is refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JuteError, Writer } from '../../../src/jute/codec';
import { snapshotStreamSlices, SnapshotStreamReader } from '../../../src/quorum/snapshot-stream';
import { DataTree } from '../../../src/tree/data-tree';
import { OpCode } from '../../../src/jute/constants';

function treeWith(n: number): DataTree {
  const t = new DataTree();
  const acl = [{ perms: 31, id: { scheme: 'digest', id: 'u:hash' } }];
  for (let i = 1; i <= n; i++) {
    const path = `/n${i}`;
    t.processTxn(
      { clientId: 1n, cxid: i, zxid: i, time: 1_700_000_000_000 + i, type: OpCode.create },
      { kind: 'create', path, data: Buffer.from(`data ${i}`), acl: i % 2 ? acl : [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], ephemeral: false, parentCVersion: i },
    );
  }
  return t;
}

test('a streamed snapshot read in chunks of any size gives back the sessions, every node, and their ACLs', async () => {
  const tree = treeWith(300);
  const sessions = new Map([[0x100000001n, 30_000], [0x100000002n, 4000]]);
  const stream = Buffer.concat([...snapshotStreamSlices(tree, sessions, Infinity)]);
  for (const chunk of [1, 7, 64, 4096, stream.length]) {
    const reader = new SnapshotStreamReader(1 << 20);
    let buf = Buffer.alloc(0);
    let result;
    for (let at = 0; at < stream.length && !result; at += chunk) {
      buf = Buffer.concat([buf, stream.subarray(at, at + chunk)]);
      const r = reader.feed(buf, 0);
      buf = buf.subarray(r.next);
      result = r.snapshot;
    }
    assert.ok(result, `chunks of ${chunk}: the signature was reached`);
    assert.equal(buf.length, 0, 'nothing read past the signature');
    assert.deepEqual(result.sessions, sessions);
    const copy = new DataTree();
    copy.loadNodes(result.batches, 300, result.acls);
    assert.equal(copy.nodeCount, tree.nodeCount);
    for (const i of [1, 2, 150, 300]) {
      assert.deepEqual(copy.getData(`/n${i}`), tree.getData(`/n${i}`));
      assert.deepEqual(copy.getACL(`/n${i}`).acl, tree.getACL(`/n${i}`).acl);
    }
  }
});

test('a stream without the signature, or with garbage past an element bound, is refused', async () => {
  const stream = Buffer.concat([...snapshotStreamSlices(treeWith(3), new Map(), Infinity)]);
  const w = new Writer();
  w.ustring('NotBenAtAll');
  const forged = Buffer.concat([stream.subarray(0, stream.length - 14), w.toBuffer()]);
  assert.throws(() => new SnapshotStreamReader(1 << 20).feed(forged, 0), /missing signature/);
  const garbage = Buffer.alloc(2048, 0xff);
  assert.throws(() => new SnapshotStreamReader(1024).feed(garbage, 0), /negative count/);
  const endless = Buffer.alloc(4096, 0);
  // One session, one ACL list whose length claims more than could ever arrive in one element.
  endless.writeInt32BE(1, 0);
  endless.writeInt32BE(1, 16);
  endless.writeInt32BE(0x7fffffff, 28);
  assert.throws(() => new SnapshotStreamReader(1024).feed(endless, 0), JuteError);
});
