// A txn as ZooKeeper writes it into its log (Util.marshallTxnEntry): the TxnHeader, then
// the body record its type names. Logs written by Apache ZooKeeper 3.8 also carry a
// TxnDigest after the body; reading skips it, and we write none (ZooKeeper reads a txn
// without one as "no digest" and carries on).
import { Reader, Writer, JuteError } from '../jute/codec';
import { OpCode } from '../jute/constants';
import * as R from '../jute/records';
import type { Txn, TxnBody } from '../tree/txn';

export function encodeTxn(txn: Txn, w = new Writer()): Buffer {
  w.reset();
  writeTxn(w, txn);
  return w.toBuffer();
}

/** Writes a txn's entry (TxnHeader + body) where `w` stands: the log appends a batch into one buffer. */
export function writeTxn(w: Writer, txn: Txn): void {
  R.TxnHeader.write(w, txn.hdr);
  writeBody(w, txn.body);
}

function writeBody(w: Writer, body: TxnBody): void {
  switch (body.kind) {
    case 'create':
      return R.CreateTxn.write(w, body);
    case 'createContainer':
      return R.CreateContainerTxn.write(w, body);
    case 'createTTL':
      return R.CreateTTLTxn.write(w, body);
    case 'delete':
      return R.DeleteTxn.write(w, body);
    case 'setData':
      return R.SetDataTxn.write(w, body);
    case 'setACL':
      return R.SetACLTxn.write(w, body);
    case 'check':
      return R.CheckVersionTxn.write(w, body);
    case 'createSession':
      return R.CreateSessionTxn.write(w, body);
    case 'closeSession':
      return R.CloseSessionTxn.write(w, body);
    case 'error':
      return R.ErrorTxn.write(w, body);
    case 'multi': {
      const sub = new Writer();
      const txns = body.txns.map((t) => {
        sub.reset();
        writeBody(sub, t.body);
        return { type: t.type, data: sub.toBuffer() };
      });
      return R.MultiTxn.write(w, { txns });
    }
  }
}

/** The zxid of an entry, read from its TxnHeader alone (clientId, cxid, then zxid). */
export function entryZxid(entry: Buffer): number {
  const r = new Reader(entry, 12);
  return r.long();
}

export function decodeTxn(buf: Buffer): Txn {
  const r = new Reader(buf);
  const hdr = R.TxnHeader.read(r);
  return { hdr, body: readBody(r, hdr.type) };
}

function readBody(r: Reader, type: number): TxnBody {
  switch (type) {
    case OpCode.create:
    case OpCode.create2:
      return { kind: 'create', ...R.CreateTxn.read(r) };
    case OpCode.createContainer:
      return { kind: 'createContainer', ...R.CreateContainerTxn.read(r) };
    case OpCode.createTTL:
      return { kind: 'createTTL', ...R.CreateTTLTxn.read(r) };
    case OpCode.delete:
    case OpCode.deleteContainer:
      return { kind: 'delete', ...R.DeleteTxn.read(r) };
    case OpCode.setData:
      return { kind: 'setData', ...R.SetDataTxn.read(r) };
    case OpCode.setACL:
      return { kind: 'setACL', ...R.SetACLTxn.read(r) };
    case OpCode.check:
      return { kind: 'check', ...R.CheckVersionTxn.read(r) };
    case OpCode.createSession:
      return { kind: 'createSession', ...R.CreateSessionTxn.read(r) };
    case OpCode.closeSession:
      // Written without a body by servers that had closeSession txns turned off.
      return { kind: 'closeSession', paths2Delete: r.remaining() > 0 ? R.CloseSessionTxn.read(r).paths2Delete : [] };
    case OpCode.error:
      return { kind: 'error', ...R.ErrorTxn.read(r) };
    case OpCode.multi: {
      const { txns } = R.MultiTxn.read(r);
      return { kind: 'multi', txns: txns.map((t) => ({ type: t.type, body: readBody(new Reader(t.data ?? Buffer.alloc(0)), t.type) })) };
    }
    default:
      throw new JuteError(`txn of unknown type ${type}`);
  }
}
