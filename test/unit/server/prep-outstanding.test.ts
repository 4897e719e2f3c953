// PrepRequestProcessor checks each write against the tree as it will be once the writes
// prepared before it are applied (its outstanding changes). The changes are a queue whose
// applied front is dropped in steps; these tests hold thousands outstanding, apply them in
// uneven steps across the points where the queue compacts, and check that every prepare
// still sees exactly the changes not yet applied.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateMode, OPEN_ACL_UNSAFE, OpCode } from '../../../src/jute/constants';
import { Code } from '../../../src/jute/keeper-error';
import { DataTree } from '../../../src/tree/data-tree';
import { PrepRequestProcessor } from '../../../src/server/prep-request-processor';
import type { RequestBody } from '../../../src/server/request';
import type { Txn } from '../../../src/tree/txn';

const SESSION = 0x42n;
const owner = { sessionId: SESSION, authInfo: [], remoteAddress: 'test' };

function pipeline() {
  const tree = new DataTree();
  const prep = new PrepRequestProcessor(tree, { skipACL: false, extendedTypesEnabled: false, isSessionValid: () => true });
  let zxid = 0;
  const pending: Txn[] = [];
  return {
    tree,
    prep,
    /** Prepares a write (not yet applied), as the pipeline does on arrival. */
    prepare(type: number, body: RequestBody): Txn {
      const txn = prep.prepare({ xid: zxid, type, body, owner, received_ms: 0 }, ++zxid, 1000 + zxid);
      pending.push(txn);
      return txn;
    },
    /** Applies the oldest `n` prepared txns, as a persisted batch is. */
    apply(n: number): void {
      for (const txn of pending.splice(0, n)) {
        tree.processTxn(txn.hdr, txn.body);
        prep.applied(txn.hdr.zxid);
      }
    },
    get pendingCount() {
      return pending.length;
    },
  };
}

const create = (path: string, flags: number = CreateMode.PERSISTENT): RequestBody => ({ op: 'create', path, data: Buffer.from('x'), acl: OPEN_ACL_UNSAFE, flags, ttl: -1 });
const setData = (path: string, version: number): RequestBody => ({ op: 'setData', path, data: Buffer.from('y'), version });

test('a write is checked against the writes prepared before it, through thousands outstanding applied in uneven steps', () => {
  const p = pipeline();
  p.prepare(OpCode.create, create('/n'));
  // Each setData names the version the one before it will leave: right only if prepare sees
  // every outstanding change, in order, however much of the front has been applied.
  let version = 0;
  const steps = [1, 700, 1, 1500, 333, 2048, 5, 4000];
  for (const step of steps) {
    for (let i = 0; i < 3000; i++) {
      const txn = p.prepare(OpCode.setData, setData('/n', version++));
      assert.notEqual(txn.hdr.type, OpCode.error, `setData at version ${version - 1}`);
    }
    p.apply(step);
    assert.equal(p.prep.outstandingCount, p.pendingCount, 'one change per outstanding setData');
  }
  // A stale version fails while changes are still outstanding...
  assert.equal(p.prepare(OpCode.setData, setData('/n', version - 1)).body.kind, 'error');
  // ...and the tree reaches the version prepare counted once all are applied.
  p.apply(p.pendingCount);
  assert.equal(p.prep.outstandingCount, 0);
  assert.equal(p.tree.getNode('/n')!.version, version);
});

test('a closeSession after the queue compacted deletes the outstanding ephemerals, not the applied ones twice', () => {
  const p = pipeline();
  p.prepare(OpCode.create, create('/e'));
  for (let i = 0; i < 3000; i++) p.prepare(OpCode.create, create(`/e/n${i}`, CreateMode.EPHEMERAL));
  // 2000 applied (the queue's front dropped), 1001 creates still outstanding.
  p.apply(2000);
  const close = p.prepare(OpCode.closeSession, { op: 'closeSession' });
  assert.equal(close.body.kind, 'closeSession');
  const paths = close.body.kind === 'closeSession' ? close.body.paths2Delete : [];
  assert.equal(paths.length, 3000);
  assert.deepEqual(new Set(paths), new Set(Array.from({ length: 3000 }, (_, i) => `/e/n${i}`)));
  // A create under the deleted parent's children checks against the pending deletes.
  p.apply(p.pendingCount);
  assert.equal(p.tree.getNode('/e')!.childCount, 0);
  const again = p.prepare(OpCode.setData, setData('/e/n2999', -1));
  assert.equal(again.body.kind === 'error' && again.body.err, Code.NONODE);
});
