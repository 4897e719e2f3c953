// ServerCnxn: one client TCP connection. Takes packets as its IncomingBuffer frames them
// (cnxn-buffers.ts), answers a four-letter word sent instead of a ConnectRequest, decodes
// requests for the pipeline (auth and sasl packets go to its CnxnAuth, cnxn-auth.ts), and
// writes replies and watch events. Bad bytes, and any error while answering, close this
// connection only. Reading stops while the session is not yet established, while too much
// is outstanding, and while too many replies are unsent: what the client sent waits in its
// socket, not in our memory.
import type { Socket } from 'node:net';
import { JuteError, Reader, type Codec, type Writer } from '../jute/codec';
import { KeeperState, OpCode, Xid } from '../jute/constants';
import * as R from '../jute/records';
import type { Id } from '../jute/records';
import type { SaslConfig } from '../config/sasl-config';
import type { SaslLog } from './sasl-negotiation';
import type { Watcher, WatchedEvent } from '../tree/watch-manager';
import { decodeRequestBody, type Request } from './request';
import { IncomingBuffer, MAX_UNSENT_HARD_bytes, OutgoingBuffers } from './cnxn-buffers';
import { CnxnAuth } from './cnxn-auth';
import { ServerCnxnStats } from './server-cnxn-stats';
import type { ServerCnxn, ZooKeeperServer } from './zookeeper-server';

export interface CnxnLimits {
  /** jute.maxbuffer: a packet longer than this closes the connection, as ZooKeeper's "Len error". */
  maxBuffer_bytes: number;
  /** zookeeper.DigestAuthenticationProvider.superDigest: who may become super. */
  superDigest?: string;
  /** SASL logins and enforced authentication (sasl-config.ts); undefined: neither. */
  sasl?: SaslConfig;
  /** Where SASL logins and refused requests are logged. */
  saslLog?: SaslLog;
  /** Where a connection says why it was closed on an unexpected error. */
  log(line: string): void;
  /** Where a connection says why it closed (DEBUG: one line per connection). */
  debug?(line: string): void;
}

/** Answers a four-letter word, or undefined if `word` is not one. */
export type FourLetterWordHandler = (word: string, cnxn: ClientCnxn) => string | Promise<string> | undefined;

let nextCnxnId = 1;

export class ClientCnxn extends ServerCnxnStats implements ServerCnxn, Watcher {
  readonly id = nextCnxnId++;
  sessionId = 0n;
  sessionTimeout_ms = 0;
  /** What the TLS handshake's certificate proved (x509, and super for its super user); none on the plain port. */
  certificateIds: Id[] = [];
  readonly queue = { writesInFlight: 0, held: [] as Request[] };
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** When the client last sent something: where the connection sits in the expiry queue (dump). */
  lastActivity_ms = Date.now();
  private readonly incoming: IncomingBuffer;
  private readonly outgoing: OutgoingBuffers;
  /** The ConnectRequest has come: what follows are requests. */
  private connected = false;
  /** The ConnectResponse with a session is sent: requests may be answered. */
  private sessionEstablished = false;
  /** Unsent replies passed MAX_UNSENT_SOFT_bytes: waiting for the socket to drain. */
  private throttled = false;
  /** A readPackets is scheduled for what waits in `incoming`. */
  private readScheduled = false;
  private closing = false;
  /** Why we closed the connection, for the DEBUG line when it is gone. */
  private closeReason: string | undefined;
  /** A four-letter word's answer is being computed: the socket stays open for it. */
  private answering = false;
  /** What the connection proved (authInfo), and the auth and sasl packets that prove it. */
  private readonly auth: CnxnAuth;

  constructor(
    private readonly socket: Socket,
    private readonly zks: ZooKeeperServer,
    private readonly limits: CnxnLimits,
    private readonly fourLetterWord: FourLetterWordHandler,
    private readonly onClose: (cnxn: ClientCnxn) => void,
  ) {
    super();
    this.incoming = new IncomingBuffer(limits.maxBuffer_bytes);
    this.outgoing = new OutgoingBuffers(socket);
    this.remoteAddress = normaliseAddress(socket.remoteAddress ?? '');
    this.remotePort = socket.remotePort ?? 0;
    this.auth = new CnxnAuth(this, limits, zks.stats);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.drained());
    socket.on('error', () => socket.destroy());
    // The client closed its side: close ours too, unless a four-letter answer is on its way.
    socket.on('end', () => {
      if (!this.answering) socket.end();
    });
    socket.on('close', () => {
      this.limits.debug?.(
        `closed connection from ${this.remoteAddress}:${this.remotePort} (session 0x${this.sessionId.toString(16)}): ${this.closeReason ?? 'closed by the client'}`,
      );
      this.closing = true;
      if (this.connected) this.zks.connectionClosed(this);
      this.onClose(this);
    });
  }

  /** ServerCnxn.authInfo: the ids this connection has (its address's ip id and what it proved). */
  get authInfo(): Id[] {
    return this.auth.authInfo;
  }

  /** ServerCnxn.addAuthInfo: ids proven by an auth packet or by the TLS handshake's certificate. */
  addAuthInfo(ids: Id[]): void {
    this.auth.addAuthInfo(ids);
  }

  get watcher(): Watcher {
    return this;
  }

  get outstandingRequests(): number {
    return this.queue.held.length + this.queue.writesInFlight;
  }

  /** No ConnectRequest yet (a four-letter word's connection included): subject to the sessionless timeout. */
  get sessionless(): boolean {
    return !this.connected && !this.answering;
  }

  /** Too many replies unsent: the pipeline leaves this connection's held requests held. */
  get replyBacklogged(): boolean {
    return this.throttled;
  }

  /**
   * Runs something that answers on this connection. Whatever it throws costs this
   * connection only: one log line, and the connection is closed. Every reply, watch
   * event, ConnectResponse and four-letter answer goes through here.
   */
  answer(what: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.failed(`answering ${what}`, e);
    }
  }

  private failed(doing: string, e: unknown): void {
    if (this.closing) return;
    const why = e instanceof Error ? (e.stack ?? e.message).replace(/\n\s*/g, ' ') : String(e);
    this.limits.log(`closing connection from ${this.remoteAddress}:${this.remotePort} (session 0x${this.sessionId.toString(16)}) after an error ${doing}: ${why}`);
    this.close(`error ${doing}`);
  }

  // --- reading

  private onData(chunk: Buffer): void {
    if (this.closing) return;
    this.incoming.add(chunk);
    // Any bytes count as activity, as ZooKeeper touches a connection on every read.
    this.lastActivity_ms = Date.now();
    this.zks.metrics.BYTES_RECEIVED_COUNT.add(chunk.length);
    this.takePackets();
  }

  private takePackets(): void {
    try {
      this.readPackets();
    } catch (e) {
      if (e instanceof JuteError) return this.close(`malformed packet: ${e.message}`);
      // A bug met by one request costs that connection only, never the server.
      this.failed('reading its requests', e);
    }
    this.updateReading();
  }

  /**
   * Whether the next packet may be taken now. Not before the session is established
   * (ZooKeeper answers the ConnectResponse first), not while globalOutstandingLimit holds
   * the connection, not while its unsent replies are over the soft bound.
   */
  private get mayTakeRequests(): boolean {
    return !this.readingPaused && !this.throttled && (!this.connected || this.sessionEstablished);
  }

  /**
   * The socket reads only while packets may be taken: otherwise what the client sends
   * stays in the kernel's buffers (TCP's window stops it), and `incoming` holds at most
   * what was read before the pause (one chunk, at most the stream's 64 KiB read size).
   */
  private updateReading(): void {
    if (this.closing) return;
    if (this.mayTakeRequests) this.socket.resume();
    else this.socket.pause();
  }

  /** Takes what waits in `incoming`, on a later turn: never inside the pipeline's own loops. */
  private scheduleRead(): void {
    if (this.readScheduled || this.closing) return;
    this.readScheduled = true;
    setImmediate(() => {
      this.readScheduled = false;
      if (!this.closing) this.takePackets();
    });
  }

  /** The socket has sent everything queued: answer what was held for it, then read on. */
  private drained(): void {
    if (!this.throttled || this.closing) return;
    this.throttled = false;
    this.zks.cnxnDrained(this);
    if (!this.throttled) this.scheduleRead();
  }

  private readPackets(): void {
    while (!this.closing && this.incoming.hasLength && this.mayTakeRequests) {
      const head = this.incoming.head();
      if (!this.connected && this.packetsReceived === 0 && this.answerFourLetterWord(head.toString('latin1'))) return;
      const len = head.readInt32BE(0);
      if (!this.incoming.inBounds(len)) {
        return this.close(`packet length ${len} is out of range (jute.maxbuffer is ${this.incoming.maxBuffer_bytes})`);
      }
      const packet = this.incoming.take(len);
      if (packet === undefined) return;
      this.packetsReceived++;
      this.handlePacket(new Reader(packet, 4));
    }
  }

  /** A four-letter word sent instead of a ConnectRequest: answered, then the connection ends. False if `word` is not one. */
  private answerFourLetterWord(word: string): boolean {
    let answer: string | Promise<string> | undefined;
    this.answer(`the four-letter word ${word}`, () => (answer = this.fourLetterWord(word, this)));
    if (this.closing) return true;
    if (answer === undefined) return false;
    this.closing = true;
    this.closeReason = `answered the four-letter word ${word}`;
    if (typeof answer === 'string') {
      this.socket.end(answer);
      return true;
    }
    this.answering = true;
    const end = (text: string) => {
      this.answering = false;
      this.socket.end(text);
    };
    answer.then(end, (e: Error) => {
      this.limits.log(`the four-letter word ${word} from ${this.remoteAddress}:${this.remotePort} failed: ${e.message}`);
      end(`${e.message}\n`);
    });
    return true;
  }

  private handlePacket(r: Reader): void {
    if (!this.connected) {
      const req = R.ConnectRequest.read(r);
      // 3.4+ clients append readOnly; older ones do not.
      if (r.remaining() >= 1) r.bool();
      this.connected = true;
      this.zks.processConnectRequest(this, req);
      return;
    }
    const h = R.RequestHeader.read(r);
    if (h.type === OpCode.auth) return this.auth.processAuth(h.xid, R.AuthPacket.read(r));
    if (h.type === OpCode.sasl) return this.auth.processSasl(h.xid, R.GetSASLRequest.read(r).token ?? Buffer.alloc(0));
    if (!this.auth.enforceAuthentication(h.xid)) return;
    const start = r.pos;
    const body = decodeRequestBody(h.type, r);
    const request: Request = { xid: h.xid, type: h.type, body, owner: this, received_ms: performance.now() };
    // A learner forwards its clients' writes to the leader as the bytes they came in.
    if (this.zks.forwardsRequests) request.raw = Buffer.from(r.buf.subarray(start, r.end));
    this.zks.submit(request, this);
  }

  // --- writing

  /** A session id other than 0 establishes the session: what the client sent after its ConnectRequest is taken now. */
  sendConnectResponse(timeOut: number, sessionId: bigint, passwd: Buffer): void {
    this.sendFrame('the ConnectResponse', (w) => R.ConnectResponse.write(w, { protocolVersion: 0, timeOut, sessionId, passwd, readOnly: false }));
    if (sessionId === 0n || this.closing) return;
    this.sessionEstablished = true;
    this.scheduleRead();
  }

  sendResponse<T>(xid: number, zxid: number, err: number, codec?: Codec<T>, value?: T): void {
    if (xid !== Xid.ping) this.lastZxid = zxid;
    this.sendFrame('a reply', (w) => {
      R.ReplyHeader.write(w, { xid, zxid, err });
      if (codec && value !== undefined && err === 0) codec.write(w, value);
      if (xid !== Xid.ping) this.zks.stats.responseSize(w.pos - 4);
    });
  }

  /** A reply whose record is written whatever the error code (ZooKeeper's sendResponse with a record). */
  sendResponseRecord<T>(xid: number, err: number, codec: Codec<T>, value: T): void {
    this.lastZxid = 0;
    this.sendFrame('a reply', (w) => {
      R.ReplyHeader.write(w, { xid, zxid: 0, err });
      codec.write(w, value);
      this.zks.stats.responseSize(w.pos - 4);
    });
  }

  /** Watcher: a triggered watch becomes a notification (xid -1) on this connection. */
  process(event: WatchedEvent): void {
    this.sendFrame('a watch event', (w) => {
      R.ReplyHeader.write(w, { xid: Xid.notification, zxid: -1, err: 0 });
      R.WatcherEvent.write(w, { type: event.type, state: event.state ?? KeeperState.SyncConnected, path: event.path });
    });
  }

  /** Encodes one frame and queues it on the socket; an encoding that fails closes this connection only. */
  private sendFrame(what: string, encode: (w: Writer) => void): void {
    if (this.closing) return;
    this.answer(what, () => {
      const frame = this.outgoing.encode(encode);
      this.packetsSent++;
      this.zks.stats.packetSent();
      this.zks.metrics.RESPONSE_BYTES.add(frame.length);
      this.outgoing.send(frame);
      this.checkUnsent();
    });
  }

  /** Past the soft bound: stop reading until the socket drains. Past the hard bound: drop the connection. */
  private checkUnsent(): void {
    const unsent = this.outgoing.unsent();
    if (unsent === 'hard') {
      this.limits.log(
        `closing connection from ${this.remoteAddress}:${this.remotePort} (session 0x${this.sessionId.toString(16)}): ` +
          `${this.outgoing.unsent_bytes} bytes of replies unsent, more than ${MAX_UNSENT_HARD_bytes}; the client does not read them`,
      );
      this.closeReason = 'too many unsent replies';
      this.destroy();
      return;
    }
    if (unsent === 'soft' && !this.throttled) {
      // The socket emits 'drain' once it is empty: its write() has returned false by now.
      this.throttled = true;
      this.updateReading();
    }
  }

  close(reason: string): void {
    if (this.closing) return;
    this.closeReason = reason;
    this.closing = true;
    this.socket.end();
  }

  /** No ConnectRequest within the sessionless timeout: dropped (a half-close would let a silent peer keep it). */
  expireSessionless(idle_ms: number): void {
    if (this.closeReason === undefined) this.closeReason = `no session after ${idle_ms} ms idle (sessionless connection timeout)`;
    this.destroy();
  }

  /** Drops the connection at once (server shutdown). */
  destroy(): void {
    this.closing = true;
    this.socket.destroy();
  }

  /** Reading stopped by globalOutstandingLimit (interest_ops 0 in the AdminServer's view). */
  readingPaused = false;

  pauseReading(): void {
    this.readingPaused = true;
    this.updateReading();
  }

  resumeReading(): void {
    this.readingPaused = false;
    this.updateReading();
    this.scheduleRead();
  }
}

/** "::ffff:127.0.0.1" → "127.0.0.1", as Java reports an IPv4 peer. */
function normaliseAddress(addr: string): string {
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr;
}
