// The ops of a multi / multiRead request (MultiOperationRecord) and their results
// (MultiResponse): each op or result is a MultiHeader then its record; a header with
// done=true ends the list. The server decodes ops and writes results; the client the reverse.
import { JuteError, type Reader, type Writer } from './codec';
import { OpCode } from './constants';
import * as R from './records';
import type { Stat } from './records';

export type MultiOp =
  | { type: number; op: 'create'; path: string; data: Buffer | null; acl: R.ACL[]; flags: number; ttl: number }
  | { type: number; op: 'delete'; path: string; version: number }
  | { type: number; op: 'setData'; path: string; data: Buffer | null; version: number }
  | { type: number; op: 'check'; path: string; version: number }
  | { type: number; op: 'getChildren' | 'getData'; path: string; watch: boolean };

export type MultiResult =
  | { type: number; err: 0; path?: string; stat?: Stat; children?: string[]; data?: Buffer | null }
  | { type: typeof OpCode.error; err: number };

/**
 * ZooKeeper rebuilds each create op of a multi from its flags (Op.create), whatever the
 * header said: create2 becomes create (and answers with a path only), a container or
 * TTL mode picks its own opcode; flags it does not know count as PERSISTENT.
 */
function createOpcode(flags: number): number {
  if (flags === 5 || flags === 6) return OpCode.createTTL;
  if (flags === 4) return OpCode.createContainer;
  return OpCode.create;
}

/** A multi's op count is bounded by the packet size, so a loop here always ends. */
export function decodeMultiOps(r: Reader): MultiOp[] {
  const ops: MultiOp[] = [];
  for (;;) {
    const h = R.MultiHeader.read(r);
    if (h.done) return ops;
    switch (h.type) {
      case OpCode.create:
      case OpCode.create2:
      case OpCode.createContainer: {
        const c = R.CreateRequest.read(r);
        ops.push({ type: createOpcode(c.flags), op: 'create', path: c.path, data: c.data, acl: c.acl, flags: c.flags, ttl: -1 });
        break;
      }
      case OpCode.createTTL: {
        const c = R.CreateTTLRequest.read(r);
        ops.push({ type: createOpcode(c.flags), op: 'create', path: c.path, data: c.data, acl: c.acl, flags: c.flags, ttl: c.ttl });
        break;
      }
      case OpCode.delete: {
        const d = R.DeleteRequest.read(r);
        ops.push({ type: h.type, op: 'delete', path: d.path, version: d.version });
        break;
      }
      case OpCode.setData: {
        const s = R.SetDataRequest.read(r);
        ops.push({ type: h.type, op: 'setData', path: s.path, data: s.data, version: s.version });
        break;
      }
      case OpCode.check: {
        const c = R.CheckVersionRequest.read(r);
        ops.push({ type: h.type, op: 'check', path: c.path, version: c.version });
        break;
      }
      case OpCode.getChildren:
      case OpCode.getData: {
        const p = R.PathWatchRequest.read(r);
        ops.push({ type: h.type, op: h.type === OpCode.getData ? 'getData' : 'getChildren', path: p.path, watch: p.watch });
        break;
      }
      default:
        // ZooKeeper's Op.fromRequest rejects these while deserializing the record.
        throw new JuteError(`invalid op type ${h.type} in a multi`);
    }
  }
}

/** Writes a MultiResponse. */
export function writeMultiResults(w: Writer, results: MultiResult[]): void {
  for (const res of results) {
    R.MultiHeader.write(w, { type: res.type, done: false, err: res.err });
    if (res.type === OpCode.error) {
      R.ErrorResponse.write(w, { err: res.err });
      continue;
    }
    const ok = res as Extract<MultiResult, { err: 0 }>;
    switch (res.type) {
      case OpCode.create:
        R.CreateResponse.write(w, { path: ok.path! });
        break;
      case OpCode.create2:
      case OpCode.createTTL:
      case OpCode.createContainer:
        R.Create2Response.write(w, { path: ok.path!, stat: ok.stat! });
        break;
      case OpCode.setData:
        R.StatResponse.write(w, { stat: ok.stat! });
        break;
      case OpCode.getChildren:
        R.GetChildrenResponse.write(w, { children: ok.children! });
        break;
      case OpCode.getData:
        R.GetDataResponse.write(w, { data: ok.data ?? null, stat: ok.stat! });
        break;
      default: // delete, check: a header only
        break;
    }
  }
  R.MultiHeader.write(w, { type: -1, done: true, err: -1 });
}

/** Writes a MultiOperationRecord (the client's side of decodeMultiOps). */
export function writeMultiOps(w: Writer, ops: MultiOp[]): void {
  for (const op of ops) {
    R.MultiHeader.write(w, { type: op.type, done: false, err: -1 });
    switch (op.op) {
      case 'create':
        if (op.type === OpCode.createTTL) R.CreateTTLRequest.write(w, { ...op, ttl: op.ttl });
        else R.CreateRequest.write(w, op);
        break;
      case 'delete':
        R.DeleteRequest.write(w, op);
        break;
      case 'setData':
        R.SetDataRequest.write(w, op);
        break;
      case 'check':
        R.CheckVersionRequest.write(w, op);
        break;
      default:
        R.PathWatchRequest.write(w, op);
        break;
    }
  }
  R.MultiHeader.write(w, { type: -1, done: true, err: -1 });
}

/** Reads a MultiResponse (the client's side of writeMultiResults). */
export function readMultiResults(r: Reader): MultiResult[] {
  const results: MultiResult[] = [];
  for (;;) {
    const h = R.MultiHeader.read(r);
    if (h.done) return results;
    switch (h.type) {
      case OpCode.error:
        results.push({ type: OpCode.error, err: R.ErrorResponse.read(r).err });
        break;
      case OpCode.create:
        results.push({ type: h.type, err: 0, path: R.CreateResponse.read(r).path });
        break;
      case OpCode.create2:
      case OpCode.createTTL:
      case OpCode.createContainer:
        results.push({ type: h.type, err: 0, ...R.Create2Response.read(r) });
        break;
      case OpCode.setData:
        results.push({ type: h.type, err: 0, stat: R.StatResponse.read(r).stat });
        break;
      case OpCode.getChildren:
        results.push({ type: h.type, err: 0, children: R.GetChildrenResponse.read(r).children });
        break;
      case OpCode.getData:
        results.push({ type: h.type, err: 0, ...R.GetDataResponse.read(r) });
        break;
      case OpCode.delete:
      case OpCode.check:
        results.push({ type: h.type, err: 0 });
        break;
      default:
        throw new JuteError(`unknown result type ${h.type} in a multi response`);
    }
  }
}
