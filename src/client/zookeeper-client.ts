// Our own client: one TCP connection to one server, a session over it, promise-returning
// calls over the same jute codec the server uses. Tests, the benchmark and the shell use it.
// It does not reconnect by itself: a caller that wants the session back opens a new client
// with the old sessionId and passwd (and re-sends its watches with setWatches), which keeps
// every step visible to the tests that compare us with Apache ZooKeeper.
import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { Reader, Writer, type Codec } from '../jute/codec';
import { OpCode, OPEN_ACL_UNSAFE, Xid } from '../jute/constants';
import { Code, KeeperError } from '../jute/keeper-error';
import { readMultiResults, writeMultiOps, type MultiOp, type MultiResult } from '../jute/multi';
import * as R from '../jute/records';
import type { ACL, Stat } from '../jute/records';

export interface ClientOptions {
  /** Requested session timeout; the server clamps it to [minSessionTimeout, maxSessionTimeout]. */
  sessionTimeout_ms?: number;
  /** Resume this session (with its passwd) instead of creating one. */
  sessionId?: bigint;
  passwd?: Buffer;
  lastZxidSeen?: number;
  readOnly?: boolean;
  /** How long to wait for the ConnectResponse. */
  connectTimeout_ms?: number;
  /** Send pings to keep the session alive (on by default; off lets a test watch it expire). */
  ping?: boolean;
  /** Connect over TLS (a secureClientPort) with these options: CA, certificate and key. */
  tls?: ConnectionOptions;
}

/** A watch event as the server sent it (WatcherEvent), with the zxid of its reply header. */
export interface WatchedEvent {
  type: number;
  state: number;
  path: string;
  zxid: number;
}

/** A reply as it came: the header and, when err is 0 and the call has a response, its body. */
export interface Reply<T> {
  xid: number;
  zxid: number;
  err: number;
  body: T | undefined;
}

interface Pending {
  xid: number;
  read: ((r: Reader) => unknown) | undefined;
  resolve: (reply: Reply<unknown>) => void;
  reject: (e: Error) => void;
}

export interface CreateOptions {
  mode?: number;
  acl?: ACL[];
  /** A TTL node's ttl in ms (mode PERSISTENT_WITH_TTL or PERSISTENT_SEQUENTIAL_WITH_TTL). */
  ttl?: number;
}

const DEFAULT_TIMEOUT_ms = 30_000;

export class ZooKeeperClient extends EventEmitter<{ watch: [WatchedEvent]; close: [Error | undefined] }> {
  sessionId = 0n;
  passwd: Buffer = Buffer.alloc(16);
  negotiatedTimeout_ms = 0;
  readOnly = false;
  lastZxid = 0;

  private readonly socket: Socket;
  private readonly writer = new Writer();
  private inbound: Buffer = Buffer.alloc(0);
  private connected = false;
  private closed = false;
  private nextXid = 1;
  private readonly pending: Pending[] = [];
  /** Replies with a fixed xid (auth, setWatches) are not in FIFO order with the others. */
  private readonly special = new Map<number, Pending[]>();
  private pingTimer: NodeJS.Timeout | undefined;
  private onConnect: ((e?: Error) => void) | undefined;
  /** Why the connection ended: what later calls fail with (CONNECTIONLOSS, or AUTHFAILED after a refused login). */
  private closedWith = new KeeperError(Code.CONNECTIONLOSS);

  private constructor(
    readonly host: string,
    readonly port: number,
    tls: ConnectionOptions | undefined,
  ) {
    super();
    // A TLSSocket holds what is written before its handshake ends (the ConnectRequest) and
    // sends it after. SNI names a host, never an address.
    this.socket = tls ? tlsConnect({ ...tls, host, port, ...(isIp(host) ? {} : { servername: host }) }) : connect({ host, port });
    this.socket.setNoDelay(true);
    this.socket.on('data', (d: Buffer) => this.receive(d));
    this.socket.on('error', (e) => this.shutdown(e));
    this.socket.on('close', () => this.shutdown(new KeeperError(Code.CONNECTIONLOSS)));
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

  /** Sends the ConnectRequest; resolves once the session is up, rejects when it is not. */
  handshake(opts: ClientOptions = {}): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.socket.destroy();
        reject(new Error(`no ConnectResponse from ${this.host}:${this.port} within ${opts.connectTimeout_ms ?? 10_000} ms`));
      }, opts.connectTimeout_ms ?? 10_000);
      this.onConnect = (e) => {
        clearTimeout(timer);
        if (e) return reject(e);
        if (opts.ping !== false) this.startPinging();
        resolve();
      };
      const w = this.writer.reset();
      w.int(0);
      R.ConnectRequest.write(w, {
        protocolVersion: 0,
        lastZxidSeen: opts.lastZxidSeen ?? 0,
        timeOut: opts.sessionTimeout_ms ?? DEFAULT_TIMEOUT_ms,
        sessionId: opts.sessionId ?? 0n,
        passwd: opts.passwd ?? Buffer.alloc(16),
      });
      w.bool(opts.readOnly ?? false);
      this.socket.write(frame(w));
    });
  }

  private startPinging(): void {
    const every = Math.max(100, Math.floor(this.negotiatedTimeout_ms / 3));
    this.pingTimer = setInterval(() => {
      if (this.connected) this.sendPacket(Xid.ping, OpCode.ping);
    }, every);
    this.pingTimer.unref();
  }

  // --- the wire

  private receive(d: Buffer): void {
    this.inbound = this.inbound.length === 0 ? d : Buffer.concat([this.inbound, d]);
    let pos = 0;
    while (this.inbound.length - pos >= 4) {
      const len = this.inbound.readInt32BE(pos);
      if (this.inbound.length - pos - 4 < len) break;
      const packet = this.inbound.subarray(pos + 4, pos + 4 + len);
      pos += 4 + len;
      try {
        this.packet(packet);
      } catch (e) {
        this.shutdown(e as Error);
        this.socket.destroy();
        return;
      }
    }
    this.inbound = this.inbound.subarray(pos);
  }

  private packet(packet: Buffer): void {
    const r = new Reader(packet);
    if (!this.connected) {
      const res = R.ConnectResponse.decode(packet.length >= 37 ? packet : Buffer.concat([packet, Buffer.alloc(1)]));
      if (res.timeOut <= 0) {
        // ZooKeeper answers a session it will not resume with a zero timeout, then closes.
        this.onConnect?.(new KeeperError(Code.SESSIONEXPIRED));
        return;
      }
      this.connected = true;
      this.sessionId = res.sessionId;
      this.passwd = res.passwd ?? Buffer.alloc(16);
      this.negotiatedTimeout_ms = res.timeOut;
      this.readOnly = res.readOnly;
      this.onConnect?.();
      return;
    }
    const h = R.ReplyHeader.read(r);
    if (h.zxid > 0) this.lastZxid = h.zxid;
    if (h.xid === Xid.notification) {
      const e = R.WatcherEvent.read(r);
      this.emit('watch', { ...e, zxid: h.zxid });
      return;
    }
    if (h.xid === Xid.ping) return;
    let waiting: Pending | undefined;
    const queue = this.special.get(h.xid);
    if (queue && queue.length > 0) waiting = queue.shift();
    else if (this.pending[0]?.xid === h.xid) waiting = this.pending.shift();
    if (!waiting) throw new Error(`reply with xid ${h.xid} matches no request`);
    const body = h.err === 0 && waiting.read && r.remaining() > 0 ? waiting.read(r) : undefined;
    waiting.resolve({ xid: h.xid, zxid: h.zxid, err: h.err, body });
  }

  private sendPacket(xid: number, type: number, write?: (w: Writer) => void): void {
    const w = this.writer.reset();
    w.int(0);
    R.RequestHeader.write(w, { xid, type });
    write?.(w);
    this.socket.write(frame(w));
  }

  private shutdown(e: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.connected = false;
    clearInterval(this.pingTimer);
    // However the socket ended (reset, EPIPE, close), to a caller it is a lost connection.
    const err = e instanceof KeeperError ? e : new KeeperError(Code.CONNECTIONLOSS);
    this.closedWith = err;
    this.onConnect?.(err);
    for (const p of this.pending.splice(0)) p.reject(err);
    for (const q of this.special.values()) for (const p of q.splice(0)) p.reject(err);
    this.emit('close', e);
  }

  // --- requests

  /**
   * Sends one request and resolves with its reply, whatever its err: the differential tests
   * compare replies as they are. `xid` is for the calls ZooKeeper gives a fixed one.
   */
  call<T>(type: number, write?: (w: Writer) => void, read?: Codec<T> | ((r: Reader) => T), xid?: number): Promise<Reply<T>> {
    if (this.closed) return Promise.reject(this.closedWith);
    return new Promise((resolve, reject) => {
      const readFn = read === undefined ? undefined : typeof read === 'function' ? read : (r: Reader) => read.read(r);
      const useXid = xid ?? this.nextXid++;
      const p: Pending = { xid: useXid, read: readFn, resolve: resolve as (r: Reply<unknown>) => void, reject };
      if (xid === undefined) this.pending.push(p);
      else {
        let q = this.special.get(xid);
        if (!q) this.special.set(xid, (q = []));
        q.push(p);
      }
      this.sendPacket(useXid, type, write);
    });
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

  /** Writes raw bytes on the connection: for the tests that send malformed frames. */
  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  get isConnected(): boolean {
    return this.connected;
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

  /** Ends the session (closeSession), then the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.call(OpCode.closeSession);
    } catch {
      // the connection may already be gone; the session then times out on the server
    }
    this.socket.end();
    this.shutdown(undefined);
  }

  /** Drops the connection without ending the session, as a crashed or partitioned client. */
  /** Drops the connection; what is pending and every later call fail with `code` (AUTHFAILED after a refused login, as the Java client's AUTH_FAILED state). */
  failWith(code: Code): void {
    this.shutdown(new KeeperError(code));
    this.socket.destroy();
  }

  disconnect(): void {
    this.socket.destroy();
    this.shutdown(undefined);
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

/** Fills in a frame's length prefix (the first 4 bytes written). */
function frame(w: Writer): Buffer {
  w.buf.writeInt32BE(w.pos - 4, 0);
  return w.toBuffer();
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
