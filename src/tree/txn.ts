// A txn: one state change, decided by prepare and applied identically by every member.
// The bodies mirror ZooKeeper's txn records (zookeeper.jute, module txn) so the storage
// layer can write them byte-compatibly; `kind` names the record.
import type { ACL } from '../jute/records';

export interface TxnHeader {
  /** The session that asked for the change (CreateSession/CloseSession: the session itself). */
  clientId: bigint;
  cxid: number;
  zxid: number;
  /** Wall-clock ms fixed at prepare, so every member stamps the same ctime/mtime. */
  time: number;
  /** The opcode of the request (OpCode.create2 stays 15, as ZooKeeper logs it). */
  type: number;
}

export type TxnBody =
  | { kind: 'create'; path: string; data: Buffer | null; acl: ACL[]; ephemeral: boolean; parentCVersion: number }
  | { kind: 'createContainer'; path: string; data: Buffer | null; acl: ACL[]; parentCVersion: number }
  | { kind: 'createTTL'; path: string; data: Buffer | null; acl: ACL[]; parentCVersion: number; ttl: number }
  | { kind: 'delete'; path: string }
  /** version is the node's NEW dataVersion. */
  | { kind: 'setData'; path: string; data: Buffer | null; version: number }
  /** version is the node's NEW aclVersion. */
  | { kind: 'setACL'; path: string; acl: ACL[]; version: number }
  | { kind: 'check'; path: string; version: number }
  | { kind: 'createSession'; timeOut: number }
  /** The ephemerals to delete, in the order ZooKeeper deletes them. */
  | { kind: 'closeSession'; paths2Delete: string[] }
  | { kind: 'error'; err: number }
  /** A multi: each sub-txn keeps its own opcode; a failed multi is all `error` bodies. */
  | { kind: 'multi'; txns: { type: number; body: TxnBody }[] };

export interface Txn {
  hdr: TxnHeader;
  body: TxnBody;
}
