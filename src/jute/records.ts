// ZooKeeper's jute records (zookeeper.jute), declared once each. Session ids are bigints
// (all 64 bits are used); zxids, times and versions are numbers (exact below 2^53).
import { bigLong, bool, buffer, int, long, record, ustring, vector, type Decoded } from './codec';

// --- org.apache.zookeeper.data

export const Id = record({ scheme: ustring, id: ustring });
export type Id = Decoded<typeof Id>;

export const ACL = record({ perms: int, id: Id });
export type ACL = Decoded<typeof ACL>;
export const ACLs = vector(ACL);

export const Stat = record({
  czxid: long,
  mzxid: long,
  ctime: long,
  mtime: long,
  version: int,
  cversion: int,
  aversion: int,
  ephemeralOwner: bigLong,
  dataLength: int,
  numChildren: int,
  pzxid: long,
});
export type Stat = Decoded<typeof Stat>;

export const StatPersisted = record({
  czxid: long,
  mzxid: long,
  ctime: long,
  mtime: long,
  version: int,
  cversion: int,
  aversion: int,
  ephemeralOwner: bigLong,
  pzxid: long,
});
export type StatPersisted = Decoded<typeof StatPersisted>;

export const ClientInfo = record({ authScheme: ustring, user: ustring });
export type ClientInfo = Decoded<typeof ClientInfo>;

// --- org.apache.zookeeper.proto: framing and session

export const RequestHeader = record({ xid: int, type: int });
export type RequestHeader = Decoded<typeof RequestHeader>;
export const ReplyHeader = record({ xid: int, zxid: long, err: int });
export type ReplyHeader = Decoded<typeof ReplyHeader>;

export const ConnectRequest = record({
  protocolVersion: int,
  lastZxidSeen: long,
  timeOut: int,
  sessionId: bigLong,
  passwd: buffer,
});
// 3.4+ clients append a readOnly byte to ConnectRequest; older ones do not, so it is read
// apart from the record by whoever decodes a connect.
export type ConnectRequest = Decoded<typeof ConnectRequest>;
export const ConnectResponse = record({
  protocolVersion: int,
  timeOut: int,
  sessionId: bigLong,
  passwd: buffer,
  readOnly: bool,
});
export type ConnectResponse = Decoded<typeof ConnectResponse>;

export const WatcherEvent = record({ type: int, state: int, path: ustring });
export type WatcherEvent = Decoded<typeof WatcherEvent>;

export const AuthPacket = record({ type: int, scheme: ustring, auth: buffer });
export type AuthPacket = Decoded<typeof AuthPacket>;

/** The client's SASL token (opcode sasl, 102) and the server's answer. */
export const GetSASLRequest = record({ token: buffer });
export type GetSASLRequest = Decoded<typeof GetSASLRequest>;
export const SetSASLResponse = record({ token: buffer });
export type SetSASLResponse = Decoded<typeof SetSASLResponse>;

export const SetWatches = record({
  relativeZxid: long,
  dataWatches: vector(ustring),
  existWatches: vector(ustring),
  childWatches: vector(ustring),
});
export type SetWatches = Decoded<typeof SetWatches>;
export const SetWatches2 = record({
  relativeZxid: long,
  dataWatches: vector(ustring),
  existWatches: vector(ustring),
  childWatches: vector(ustring),
  persistentWatches: vector(ustring),
  persistentRecursiveWatches: vector(ustring),
});
export type SetWatches2 = Decoded<typeof SetWatches2>;

export const MultiHeader = record({ type: int, done: bool, err: int });
export type MultiHeader = Decoded<typeof MultiHeader>;

// --- requests

export const CreateRequest = record({ path: ustring, data: buffer, acl: ACLs, flags: int });
export type CreateRequest = Decoded<typeof CreateRequest>;
export const CreateTTLRequest = record({ path: ustring, data: buffer, acl: ACLs, flags: int, ttl: long });
export type CreateTTLRequest = Decoded<typeof CreateTTLRequest>;
export const DeleteRequest = record({ path: ustring, version: int });
export const PathWatchRequest = record({ path: ustring, watch: bool }); // exists, getData, getChildren(2)
export const SetDataRequest = record({ path: ustring, data: buffer, version: int });
export const PathRequest = record({ path: ustring }); // getACL, sync, getAllChildrenNumber
export const GetEphemeralsRequest = record({ prefixPath: ustring });
export const SetACLRequest = record({ path: ustring, acl: ACLs, version: int });
export const CheckVersionRequest = record({ path: ustring, version: int });
export const AddWatchRequest = record({ path: ustring, mode: int });
export const PathTypeRequest = record({ path: ustring, type: int }); // checkWatches, removeWatches
export const ReconfigRequest = record({
  joiningServers: ustring,
  leavingServers: ustring,
  newMembers: ustring,
  curConfigId: long,
});

// --- responses

export const CreateResponse = record({ path: ustring });
export const Create2Response = record({ path: ustring, stat: Stat });
export const StatResponse = record({ stat: Stat }); // exists, setData, setACL
export const GetDataResponse = record({ data: buffer, stat: Stat });
export const GetChildrenResponse = record({ children: vector(ustring) });
export const GetChildren2Response = record({ children: vector(ustring), stat: Stat });
export const GetACLResponse = record({ acl: ACLs, stat: Stat });
export const GetAllChildrenNumberResponse = record({ totalNumber: int });
export const GetEphemeralsResponse = record({ ephemerals: vector(ustring) });
export const SyncResponse = record({ path: ustring });
export const ErrorResponse = record({ err: int });
export const WhoAmIResponse = record({ clientInfo: vector(ClientInfo) });

// --- org.apache.zookeeper.txn

export const TxnHeader = record({ clientId: bigLong, cxid: int, zxid: long, time: long, type: int });
export type TxnHeader = Decoded<typeof TxnHeader>;
export const TxnDigest = record({ version: int, treeDigest: long });
export const CreateTxn = record({ path: ustring, data: buffer, acl: ACLs, ephemeral: bool, parentCVersion: int });
export const CreateTTLTxn = record({ path: ustring, data: buffer, acl: ACLs, parentCVersion: int, ttl: long });
export const CreateContainerTxn = record({ path: ustring, data: buffer, acl: ACLs, parentCVersion: int });
export const DeleteTxn = record({ path: ustring });
export const SetDataTxn = record({ path: ustring, data: buffer, version: int });
export const CheckVersionTxn = record({ path: ustring, version: int });
export const SetACLTxn = record({ path: ustring, acl: ACLs, version: int });
export const CreateSessionTxn = record({ timeOut: int });
export const CloseSessionTxn = record({ paths2Delete: vector(ustring) });
export const ErrorTxn = record({ err: int });
export const MultiTxnEntry = record({ type: int, data: buffer }); // Txn in zookeeper.jute
export const MultiTxn = record({ txns: vector(MultiTxnEntry) });

// --- org.apache.zookeeper.server.persistence

export const FileHeader = record({ magic: int, version: int, dbid: long });

// --- org.apache.zookeeper.server.quorum

/** What a learner tells the leader first (in FOLLOWERINFO/OBSERVERINFO). */
export const LearnerInfo = record({ serverid: bigLong, protocolVersion: int, configVersion: long });
export type LearnerInfo = Decoded<typeof LearnerInfo>;

/** Every message on the quorum port; zxid is -1 where a packet has none (UPTODATE). */
export const QuorumPacket = record({ type: int, zxid: long, data: buffer, authinfo: vector(Id) });
export type QuorumPacket = Decoded<typeof QuorumPacket>;
