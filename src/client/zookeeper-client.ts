// Our own client: a session on one server (client-cnxn-socket.ts) and promise-returning
// calls on it, named as ZooKeeper's Java client names them, over the same jute codec the
// server uses. Tests, the benchmark and the shell use it.
import type { ConnectionOptions } from 'node:tls';
import type { Codec, Writer } from '../jute/codec';
import { OpCode, OPEN_ACL_UNSAFE, Xid } from '../jute/constants';
import { Code, KeeperError } from '../jute/keeper-error';
import { readMultiResults, writeMultiOps, type MultiOp, type MultiResult } from '../jute/multi';
import * as R from '../jute/records';
import type { ACL, Stat } from '../jute/records';
import { ClientCnxnSocket, type ClientOptions, type Reply } from './client-cnxn-socket';

export type { ClientOptions, Reply, WatchedEvent } from './client-cnxn-socket';

export interface CreateOptions {
  mode?: number;
  acl?: ACL[];
  /** A TTL node's ttl in ms (mode PERSISTENT_WITH_TTL or PERSISTENT_SEQUENTIAL_WITH_TTL). */
  ttl?: number;
}

export class ZooKeeperClient extends ClientCnxnSocket {
  /** Made by connect or open only, which read the server's address from a connect string. */
  private constructor(host: string, port: number, tls: ConnectionOptions | undefined) {
    super(host, port, tls);
  }

  /** Connects to the first server of a connect string ("host:port[,host:port...]"). */
  static async connect(connectString: string, opts: ClientOptions = {}): Promise<ZooKeeperClient> {
    const client = ZooKeeperClient.open(connectString, opts.tls);
    await client.handshake(opts);
    return client;
  }

  /**
   * The client before its handshake, for a caller that keeps it whatever the handshake's
   * outcome (the shell: a call on a client whose handshake failed fails with CONNECTIONLOSS
   * naming its path, as the Java client fails the calls queued while connecting).
   */
  static open(connectString: string, tls?: ConnectionOptions): ZooKeeperClient {
    const first = connectString.split(',')[0]!.trim();
    const colon = first.lastIndexOf(':');
    // An IPv6 literal comes bracketed ("[::1]:2181"), as in Apache's connect strings.
    const host = (colon < 0 ? first : first.slice(0, colon)).replace(/^\[(.*)\]$/, '$1');
    const port = colon < 0 ? 2181 : Number(first.slice(colon + 1));
    return new ZooKeeperClient(host, port, tls);
  }

  /** Like call, but an err other than OK rejects with a KeeperError naming the path. */
  private async ok<T>(path: string | undefined, type: number, write: (w: Writer) => void, read?: Codec<T>): Promise<T> {
    const reply = await this.callOn(path, type, write, read);
    if (reply.err !== 0) throw new KeeperError(reply.err as Code, path);
    return reply.body as T;
  }

  /** call, for a request on a path: a lost connection names the path too, as the Java client's ConnectionLoss does. */
  private callOn<T>(path: string | undefined, type: number, write: (w: Writer) => void, read?: Codec<T>): Promise<Reply<T>> {
    return this.call(type, write, read).catch((e: unknown) => {
      throw e instanceof KeeperError && e.path === undefined ? new KeeperError(e.code, path) : e;
    });
  }

  // --- the API, as ZooKeeper's Java client names it

  async create(path: string, data: Buffer | null = null, opts: CreateOptions = {}): Promise<string> {
    return (await this.createWith(OpCode.create, path, data, opts)).path;
  }

  /** create2: also returns the new node's Stat (CONTAINER and TTL modes always go this way). */
  async create2(path: string, data: Buffer | null = null, opts: CreateOptions = {}): Promise<{ path: string; stat: Stat }> {
    return (await this.createWith(OpCode.create2, path, data, opts)) as { path: string; stat: Stat };
  }

  private createWith(type: number, path: string, data: Buffer | null, opts: CreateOptions): Promise<{ path: string; stat?: Stat }> {
    const op = createOp(type, path, data, opts);
    return this.ok(
      path,
      op.type,
      (w) => (op.type === OpCode.createTTL ? R.CreateTTLRequest.write(w, op) : R.CreateRequest.write(w, op)),
      op.type === OpCode.create ? R.CreateResponse : R.Create2Response,
    );
  }

  async delete(path: string, version = -1): Promise<void> {
    await this.ok(path, OpCode.delete, (w) => R.DeleteRequest.write(w, { path, version }));
  }

  /** Stat of the node, or null when it does not exist. */
  async exists(path: string, watch = false): Promise<Stat | null> {
    const reply = await this.callOn(path, OpCode.exists, (w) => R.PathWatchRequest.write(w, { path, watch }), R.StatResponse);
    if (reply.err === Code.NONODE) return null;
    if (reply.err !== 0) throw new KeeperError(reply.err as Code, path);
    return reply.body!.stat;
  }

  async getData(path: string, watch = false): Promise<{ data: Buffer | null; stat: Stat }> {
    return this.ok(path, OpCode.getData, (w) => R.PathWatchRequest.write(w, { path, watch }), R.GetDataResponse);
  }

  async setData(path: string, data: Buffer | null, version = -1): Promise<Stat> {
    return (await this.ok(path, OpCode.setData, (w) => R.SetDataRequest.write(w, { path, data, version }), R.StatResponse)).stat;
  }

  async getACL(path: string): Promise<{ acl: ACL[]; stat: Stat }> {
    return this.ok(path, OpCode.getACL, (w) => R.PathRequest.write(w, { path }), R.GetACLResponse);
  }

  async setACL(path: string, acl: ACL[], version = -1): Promise<Stat> {
    return (await this.ok(path, OpCode.setACL, (w) => R.SetACLRequest.write(w, { path, acl, version }), R.StatResponse)).stat;
  }

  async getChildren(path: string, watch = false): Promise<string[]> {
    return (await this.ok(path, OpCode.getChildren, (w) => R.PathWatchRequest.write(w, { path, watch }), R.GetChildrenResponse))
      .children;
  }

  async getChildren2(path: string, watch = false): Promise<{ children: string[]; stat: Stat }> {
    return this.ok(path, OpCode.getChildren2, (w) => R.PathWatchRequest.write(w, { path, watch }), R.GetChildren2Response);
  }

  async sync(path: string): Promise<string> {
    return (await this.ok(path, OpCode.sync, (w) => R.PathRequest.write(w, { path }), R.SyncResponse)).path;
  }

  async getAllChildrenNumber(path: string): Promise<number> {
    return (await this.ok(path, OpCode.getAllChildrenNumber, (w) => R.PathRequest.write(w, { path }), R.GetAllChildrenNumberResponse))
      .totalNumber;
  }

  async getEphemerals(prefixPath = '/'): Promise<string[]> {
    // Java's getEphemerals names no path in its errors.
    return (await this.ok(undefined, OpCode.getEphemerals, (w) => R.GetEphemeralsRequest.write(w, { prefixPath }), R.GetEphemeralsResponse))
      .ephemerals;
  }

  /** multi: all ops or none. The reply's results say which op failed (the others ROLLEDBACK... as RUNTIMEINCONSISTENCY). */
  async multi(ops: MultiOp[]): Promise<MultiResult[]> {
    const reply = await this.call(OpCode.multi, (w) => writeMultiOps(w, ops), readMultiResults);
    if (reply.err !== 0) throw new KeeperError(reply.err as Code);
    return reply.body ?? [];
  }

  async multiRead(ops: MultiOp[]): Promise<MultiResult[]> {
    const reply = await this.call(OpCode.multiRead, (w) => writeMultiOps(w, ops), readMultiResults);
    if (reply.err !== 0) throw new KeeperError(reply.err as Code);
    return reply.body ?? [];
  }

  async addWatch(path: string, mode: number): Promise<void> {
    await this.ok(path, OpCode.addWatch, (w) => R.AddWatchRequest.write(w, { path, mode }));
  }

  async removeWatches(path: string, type: number): Promise<void> {
    await this.ok(path, OpCode.removeWatches, (w) => R.PathTypeRequest.write(w, { path, type }));
  }

  async checkWatches(path: string, type: number): Promise<void> {
    await this.ok(path, OpCode.checkWatches, (w) => R.PathTypeRequest.write(w, { path, type }));
  }

  async whoAmI(): Promise<R.ClientInfo[]> {
    return (await this.ok('', OpCode.whoAmI, () => undefined, R.WhoAmIResponse)).clientInfo;
  }

  /** addauth: ZooKeeper answers with xid -4; a failure (AUTHFAILED) also closes the connection. */
  async addAuth(scheme: string, auth: string | Buffer): Promise<void> {
    const bytes = typeof auth === 'string' ? Buffer.from(auth) : auth;
    const reply = await this.call(OpCode.auth, (w) => R.AuthPacket.write(w, { type: 0, scheme, auth: bytes }), undefined, Xid.auth);
    if (reply.err !== 0) throw new KeeperError(reply.err as Code);
  }

  /** Re-registers watches after a reconnect; ZooKeeper fires at once what changed since relativeZxid. */
  async setWatches(watches: R.SetWatches2): Promise<void> {
    const reply = await this.call(OpCode.setWatches2, (w) => R.SetWatches2.write(w, watches), undefined, Xid.setWatches);
    if (reply.err !== 0) throw new KeeperError(reply.err as Code);
  }
}

/** One create op, as a request or a multi op: the opcode follows from the mode and ttl. */
export function createOp(type: number, path: string, data: Buffer | null, opts: CreateOptions = {}): Extract<MultiOp, { op: 'create' }> {
  const flags = opts.mode ?? 0;
  const acl = opts.acl ?? OPEN_ACL_UNSAFE;
  let opType = type;
  if (flags === 4) opType = OpCode.createContainer;
  else if (flags === 5 || flags === 6) opType = OpCode.createTTL;
  return { type: opType, op: 'create', path, data, acl, flags, ttl: opts.ttl ?? -1 };
}
