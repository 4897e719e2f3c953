// The wire under our client: one TCP (or TLS) connection to one server and the session
// over it. Frames packets, sends the ConnectRequest and pings, matches each reply to its
// request by xid (FIFO, but for the fixed xids of auth and setWatches) and fails what waits
// when the connection ends. The Java client splits this between ClientCnxn and
// ClientCnxnSocket; it takes the latter's name because ClientCnxn here is the server's
// connection (server/server-cnxn.ts). ZooKeeperClient (zookeeper-client.ts) puts the API on it.
// It does not reconnect by itself: a caller that wants the session back opens a new client
// with the old sessionId and passwd (and re-sends its watches with setWatches), which keeps
// every step visible to the tests that compare us with Apache ZooKeeper.
import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { Reader, Writer, type Codec } from '../jute/codec';
import { OpCode, Xid } from '../jute/constants';
import { Code, KeeperError } from '../jute/keeper-error';
import * as R from '../jute/records';

/** How long a handshake waits for its ConnectResponse unless told (ClientOptions.connectTimeout_ms). */
const CONNECT_TIMEOUT_DEFAULT_ms = 10_000;

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

const DEFAULT_TIMEOUT_ms = 30_000;

export class ClientCnxnSocket extends EventEmitter<{ watch: [WatchedEvent]; close: [Error | undefined] }> {
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
  /**
   * The server answered an auth packet with AUTHFAILED (and closes the connection): calls
   * still waiting fail with AUTHFAILED, not CONNECTIONLOSS, as the Java client's in its
   * AUTH_FAILED state.
   */
  authFailed = false;
  private nextXid = 1;
  private readonly pending: Pending[] = [];
  /** Replies with a fixed xid (auth, setWatches) are not in FIFO order with the others. */
  private readonly special = new Map<number, Pending[]>();
  private pingTimer: NodeJS.Timeout | undefined;
  private onConnect: ((e?: Error) => void) | undefined;
  /** Why the connection ended: what later calls fail with (CONNECTIONLOSS, or AUTHFAILED after a refused login). */
  private closedWith = new KeeperError(Code.CONNECTIONLOSS);

  protected constructor(
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

  /** Sends the ConnectRequest; resolves once the session is up, rejects when it is not. */
  handshake(opts: ClientOptions = {}): Promise<void> {
    const timeout_ms = opts.connectTimeout_ms ?? CONNECT_TIMEOUT_DEFAULT_ms;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.socket.destroy();
        reject(new Error(`no ConnectResponse from ${this.host}:${this.port} within ${timeout_ms} ms`));
      }, timeout_ms);
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
    if (h.xid === Xid.auth && h.err === Code.AUTHFAILED) this.authFailed = true;
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
    const err = this.authFailed ? new KeeperError(Code.AUTHFAILED) : e instanceof KeeperError ? e : new KeeperError(Code.CONNECTIONLOSS);
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

  /** Writes raw bytes on the connection: for the tests that send malformed frames. */
  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  get isConnected(): boolean {
    return this.connected;
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

  /** Drops the connection; what is pending and every later call fail with `code` (AUTHFAILED after a refused login, as the Java client's AUTH_FAILED state). */
  failWith(code: Code): void {
    this.shutdown(new KeeperError(code));
    this.socket.destroy();
  }

  /** Drops the connection without ending the session, as a crashed or partitioned client. */
  disconnect(): void {
    this.socket.destroy();
    this.shutdown(undefined);
  }
}

/** Fills in a frame's length prefix (the first 4 bytes written). */
function frame(w: Writer): Buffer {
  w.buf.writeInt32BE(w.pos - 4, 0);
  return w.toBuffer();
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
