// Every data opcode against every kind of path — present, absent, parent absent, and each
// malformed form — sent raw, so the server's own checks answer (ZooKeeper's Java client
// would refuse most bad paths before sending). What comes back: the error code, or the
// connection closing, must be ZooKeeper's.
import { OpCode, OPEN_ACL_UNSAFE } from '../../../../src/jute/constants';
import type { Writer } from '../../../../src/jute/codec';
import * as R from '../../../../src/jute/records';
import type { Scenario } from '../harness';

type Write = (w: Writer, path: string) => void;

const OPS: Record<string, { type: number; write: Write; read?: { read: (r: never) => unknown } }> = {
  create: { type: OpCode.create, write: (w, path) => R.CreateRequest.write(w, { path, data: Buffer.from('v'), acl: OPEN_ACL_UNSAFE, flags: 0 }), read: R.CreateResponse },
  create2: { type: OpCode.create2, write: (w, path) => R.CreateRequest.write(w, { path, data: null, acl: OPEN_ACL_UNSAFE, flags: 0 }), read: R.Create2Response },
  createSequential: { type: OpCode.create, write: (w, path) => R.CreateRequest.write(w, { path, data: null, acl: OPEN_ACL_UNSAFE, flags: 2 }), read: R.CreateResponse },
  createContainer: { type: OpCode.createContainer, write: (w, path) => R.CreateRequest.write(w, { path, data: null, acl: OPEN_ACL_UNSAFE, flags: 4 }), read: R.Create2Response },
  delete: { type: OpCode.delete, write: (w, path) => R.DeleteRequest.write(w, { path, version: -1 }) },
  exists: { type: OpCode.exists, write: (w, path) => R.PathWatchRequest.write(w, { path, watch: false }), read: R.StatResponse },
  getData: { type: OpCode.getData, write: (w, path) => R.PathWatchRequest.write(w, { path, watch: false }), read: R.GetDataResponse },
  setData: { type: OpCode.setData, write: (w, path) => R.SetDataRequest.write(w, { path, data: Buffer.from('w'), version: -1 }), read: R.StatResponse },
  getACL: { type: OpCode.getACL, write: (w, path) => R.PathRequest.write(w, { path }), read: R.GetACLResponse },
  setACL: { type: OpCode.setACL, write: (w, path) => R.SetACLRequest.write(w, { path, acl: OPEN_ACL_UNSAFE, version: -1 }), read: R.StatResponse },
  getChildren: { type: OpCode.getChildren, write: (w, path) => R.PathWatchRequest.write(w, { path, watch: false }), read: R.GetChildrenResponse },
  getChildren2: { type: OpCode.getChildren2, write: (w, path) => R.PathWatchRequest.write(w, { path, watch: false }), read: R.GetChildren2Response },
  sync: { type: OpCode.sync, write: (w, path) => R.PathRequest.write(w, { path }), read: R.SyncResponse },
  getAllChildrenNumber: { type: OpCode.getAllChildrenNumber, write: (w, path) => R.PathRequest.write(w, { path }), read: R.GetAllChildrenNumberResponse },
};

/** Paths relative to the scenario's root (a leading '/' is added unless the case says not). */
const PATHS: Record<string, (root: string) => string> = {
  'an existing node': (root) => `${root}/n`,
  'a missing node': (root) => `${root}/missing`,
  'a node whose parent is missing': (root) => `${root}/missing/child`,
  'an empty path': () => '',
  'a relative path': () => 'relative/path',
  'a trailing slash': (root) => `${root}/n/`,
  'a double slash': (root) => `${root}//n`,
  'a dot segment': (root) => `${root}/./n`,
  'a NUL character': (root) => `${root}/n\u0000x`,
  '/zookeeper': () => '/zookeeper',
};

export const PATHS_AND_ERRORS: Scenario[] = [];
for (const [opName, op] of Object.entries(OPS)) {
  for (const [pathName, pathOf] of Object.entries(PATHS)) {
    PATHS_AND_ERRORS.push({
      name: `${opName} on ${pathName}`,
      async run(t) {
        const a = await t.client('a');
        await a.do('setup', (z) => z.create(`${t.root}/n`, Buffer.from('data')));
        await a.do('setup child', (z) => z.create(`${t.root}/n/c`));
        const path = pathOf(t.root);
        await a.do(opName, (z) => z.call(op.type, (w) => op.write(w, path), op.read as never));
        // Whatever the answer, the node it might have touched shows what happened.
        if (a.zk.isConnected) await a.do('after', (z) => z.getChildren2(`${t.root}/n`));
      },
    });
  }
}
