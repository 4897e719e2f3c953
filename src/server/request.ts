// A client request as the pipeline sees it: the opcode's record decoded into a
// discriminated union, with who sent it. Decoding happens once, on arrival.
import { Reader } from '../jute/codec';
import { OpCode } from '../jute/constants';
import * as R from '../jute/records';
import type { Id } from '../jute/records';
import { decodeMultiOps, type MultiOp } from '../jute/multi';

export type RequestBody =
  | { op: 'create'; path: string; data: Buffer | null; acl: R.ACL[]; flags: number; ttl: number }
  | { op: 'delete'; path: string; version: number }
  | { op: 'setData'; path: string; data: Buffer | null; version: number }
  | { op: 'setACL'; path: string; acl: R.ACL[]; version: number }
  | { op: 'check'; path: string; version: number }
  | { op: 'multi'; ops: MultiOp[] }
  | { op: 'multiRead'; ops: MultiOp[] }
  | { op: 'exists' | 'getData' | 'getChildren' | 'getChildren2'; path: string; watch: boolean }
  | { op: 'getACL' | 'sync' | 'getAllChildrenNumber'; path: string }
  | { op: 'getEphemerals'; prefixPath: string }
  | { op: 'addWatch'; path: string; mode: number }
  | { op: 'checkWatches' | 'removeWatches'; path: string; type: number }
  | { op: 'setWatches'; watches: R.SetWatches2 }
  | { op: 'reconfig' }
  | { op: 'whoAmI' }
  | { op: 'closeSession' }
  | { op: 'ping' }
  /** An opcode ZooKeeper does not know: answered UNIMPLEMENTED, then the connection closes. */
  | { op: 'unknown' };

/** Where replies and watch events for a request go: a client connection (or none, for internal txns). */
export interface RequestOwner {
  readonly sessionId: bigint;
  readonly authInfo: Id[];
  readonly remoteAddress: string;
  /** Per-connection figures for `cons`, once a request is answered. */
  updateStatsForResponse?(cxid: number, type: number, now_ms: number, latency_ms: number): void;
}

export interface Request {
  /** The client's xid (cxid), echoed in the reply. */
  xid: number;
  type: number;
  body: RequestBody;
  owner: RequestOwner;
  /** performance.now() when the request arrived, for the latency figures. */
  received_ms: number;
  /** The request record as the client sent it (after its header), kept where it is forwarded (a learner). */
  raw?: Buffer;
}

/** Writes take a zxid and go through replicate and persist; everything else is read locally. */
export function isWrite(body: RequestBody): boolean {
  switch (body.op) {
    case 'create':
    case 'delete':
    case 'setData':
    case 'setACL':
    case 'check':
    case 'multi':
    case 'reconfig':
    case 'closeSession':
      return true;
    default:
      return false;
  }
}

/** Decodes the record that follows a RequestHeader. Throws JuteError on malformed bytes. */
export function decodeRequestBody(type: number, r: Reader): RequestBody {
  switch (type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer: {
      const c = R.CreateRequest.read(r);
      return { op: 'create', path: c.path, data: c.data, acl: c.acl, flags: c.flags, ttl: -1 };
    }
    case OpCode.createTTL: {
      const c = R.CreateTTLRequest.read(r);
      return { op: 'create', path: c.path, data: c.data, acl: c.acl, flags: c.flags, ttl: c.ttl };
    }
    case OpCode.delete: {
      const d = R.DeleteRequest.read(r);
      return { op: 'delete', path: d.path, version: d.version };
    }
    case OpCode.setData: {
      const s = R.SetDataRequest.read(r);
      return { op: 'setData', path: s.path, data: s.data, version: s.version };
    }
    case OpCode.setACL: {
      const s = R.SetACLRequest.read(r);
      return { op: 'setACL', path: s.path, acl: s.acl, version: s.version };
    }
    case OpCode.check: {
      const c = R.CheckVersionRequest.read(r);
      return { op: 'check', path: c.path, version: c.version };
    }
    case OpCode.multi:
      return { op: 'multi', ops: decodeMultiOps(r) };
    case OpCode.multiRead:
      return { op: 'multiRead', ops: decodeMultiOps(r) };
    case OpCode.exists:
    case OpCode.getData:
    case OpCode.getChildren:
    case OpCode.getChildren2: {
      const p = R.PathWatchRequest.read(r);
      const op = type === OpCode.exists ? 'exists' : type === OpCode.getData ? 'getData' : type === OpCode.getChildren ? 'getChildren' : 'getChildren2';
      return { op, path: p.path, watch: p.watch };
    }
    case OpCode.getACL:
      return { op: 'getACL', path: R.PathRequest.read(r).path };
    case OpCode.sync:
      return { op: 'sync', path: R.PathRequest.read(r).path };
    case OpCode.getAllChildrenNumber:
      return { op: 'getAllChildrenNumber', path: R.PathRequest.read(r).path };
    case OpCode.getEphemerals:
      return { op: 'getEphemerals', prefixPath: R.GetEphemeralsRequest.read(r).prefixPath };
    case OpCode.addWatch: {
      const a = R.AddWatchRequest.read(r);
      return { op: 'addWatch', path: a.path, mode: a.mode };
    }
    case OpCode.checkWatches:
    case OpCode.removeWatches: {
      const p = R.PathTypeRequest.read(r);
      return { op: type === OpCode.checkWatches ? 'checkWatches' : 'removeWatches', path: p.path, type: p.type };
    }
    case OpCode.setWatches: {
      const s = R.SetWatches.read(r);
      return { op: 'setWatches', watches: { ...s, persistentWatches: [], persistentRecursiveWatches: [] } };
    }
    case OpCode.setWatches2:
      return { op: 'setWatches', watches: R.SetWatches2.read(r) };
    case OpCode.reconfig:
      R.ReconfigRequest.read(r);
      return { op: 'reconfig' };
    case OpCode.whoAmI:
      return { op: 'whoAmI' };
    case OpCode.closeSession:
      return { op: 'closeSession' };
    case OpCode.ping:
      return { op: 'ping' };
    default:
      return { op: 'unknown' };
  }
}
