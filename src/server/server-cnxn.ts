// ServerCnxn: one client TCP connection. Frames packets (4-byte length, bounded by
// jute.maxbuffer), answers a four-letter word sent instead of a ConnectRequest, decodes
// requests for the pipeline, and writes replies and watch events. Bad bytes close this
// connection only.
import type { Socket } from 'node:net';
import { JuteError, Reader, Writer, type Codec } from '../jute/codec';
import { KeeperState, OpCode, Xid } from '../jute/constants';
import { Latency } from './latency';
import { Code } from '../jute/keeper-error';
import * as R from '../jute/records';
import type { Id } from '../jute/records';
import { authenticate, inJavaSetOrder } from '../tree/auth';
import type { Watcher, WatchedEvent } from '../tree/watch-manager';
import { decodeRequestBody, type Request } from './request';
import type { ServerCnxn, ZooKeeperServer } from './zookeeper-server';

export interface CnxnLimits {
  /** jute.maxbuffer: a packet longer than this closes the connection, as ZooKeeper's "Len error". */
  maxBuffer_bytes: number;
  /** zookeeper.DigestAuthenticationProvider.superDigest: who may become super. */
  superDigest?: string;
  /** Where a connection says why it was closed on an unexpected error. */
  log(line: string): void;
  /** Where a connection says why it closed (DEBUG: one line per connection). */
  debug?(line: string): void;
}

/** Answers a four-letter word, or undefined if `word` is not one. */
export type FourLetterWordHandler = (word: string, cnxn: ClientCnxn) => string | Promise<string> | undefined;

let nextCnxnId = 1;

export class ClientCnxn implements ServerCnxn, Watcher {
  readonly id = nextCnxnId++;
  sessionId = 0n;
  sessionTimeout_ms = 0;
  readonly authInfo: Id[];
  readonly queue = { writesInFlight: 0, held: [] as Request[] };
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly established = new Date();
  packetsReceived = 0;
  packetsSent = 0;
  /** For `cons`: when the connection came, and its last answered request. */
  readonly established_ms = Date.now();
  /** When the client last sent something: where the connection sits in the expiry queue (dump). */
  lastActivity_ms = Date.now();
  lastOp = 'NA';
  lastCxid = -1;
  lastResponse_ms = 0;
  readonly latency = new Latency();
  lastZxid = -1;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private connected = false;
  private closing = false;
  private corked = false;
  /** Why we closed the connection, for the DEBUG line when it is gone. */
  private closeReason: string | undefined;
  /** A four-letter word's answer is being computed: the socket stays open for it. */
  private answering = false;
  private readonly writer = new Writer(4096);

  constructor(
    private readonly socket: Socket,
    private readonly zks: ZooKeeperServer,
    private readonly limits: CnxnLimits,
    private readonly fourLetterWord: FourLetterWordHandler,
    private readonly onClose: (cnxn: ClientCnxn) => void,
  ) {
    this.remoteAddress = normaliseAddress(socket.remoteAddress ?? '');
    this.remotePort = socket.remotePort ?? 0;
    this.authInfo = [{ scheme: 'ip', id: this.remoteAddress }];
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
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

  get watcher(): Watcher {
    return this;
  }

  get outstandingRequests(): number {
    return this.queue.held.length + this.queue.writesInFlight;
  }

  // --- reading

  private onData(chunk: Buffer): void {
    if (this.closing) return;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    this.zks.metrics.BYTES_RECEIVED_COUNT.add(chunk.length);
    try {
      this.readPackets();
    } catch (e) {
      if (e instanceof JuteError) return this.close(`malformed packet: ${e.message}`);
      // A bug met by one request costs that connection only, never the server.
      this.limits.log(`closing connection from ${this.remoteAddress}:${this.remotePort} after an unexpected error: ${(e as Error).stack ?? e}`);
      this.close('unexpected error');
    }
  }

  private readPackets(): void {
    while (!this.closing && this.pendingBytes >= 4) {
      const head = this.peek(4);
      if (!this.connected && this.packetsReceived === 0) {
        const word = head.toString('latin1');
        const answer = this.fourLetterWord(word, this);
        if (answer !== undefined) {
          this.closing = true;
          this.closeReason = `answered the four-letter word ${word}`;
          if (typeof answer === 'string') this.socket.end(answer);
          else {
            this.answering = true;
            answer.then((a) => this.socket.end(a), (e: Error) => this.socket.end(`${e.message}\n`));
          }
          return;
        }
      }
      const len = head.readInt32BE(0);
      if (len < 0 || len > this.limits.maxBuffer_bytes) {
        return this.close(`packet length ${len} is out of range (jute.maxbuffer is ${this.limits.maxBuffer_bytes})`);
      }
      if (this.pendingBytes < 4 + len) return;
      const packet = this.take(4 + len);
      this.packetsReceived++;
      this.lastActivity_ms = Date.now();
      this.handlePacket(new Reader(packet, 4));
    }
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
    if (h.type === OpCode.auth) return this.handleAuth(h.xid, R.AuthPacket.read(r));
    if (h.type === OpCode.sasl) {
      // No SASL is configured: ZooKeeper's SASL server would fail the same way.
      this.zks.stats.authFailed++;
      this.sendResponse(h.xid, 0, Code.AUTHFAILED);
      return this.close('SASL is not configured');
    }
    const body = decodeRequestBody(h.type, r);
    this.zks.submit({ xid: h.xid, type: h.type, body, owner: this, received_ms: performance.now() }, this);
  }

  private handleAuth(xid: number, auth: R.AuthPacket): void {
    const ids = authenticate(auth.scheme, auth.auth ?? Buffer.alloc(0), this.remoteAddress, this.limits.superDigest);
    if (ids === undefined) {
      this.zks.stats.authFailed++;
      this.sendResponse(xid, 0, Code.AUTHFAILED);
      return this.close(`authentication failed for scheme ${auth.scheme}`);
    }
    for (const id of ids) if (!this.authInfo.some((a) => a.scheme === id.scheme && a.id === id.id)) this.authInfo.push(id);
    const ordered = inJavaSetOrder(this.authInfo);
    this.authInfo.splice(0, ordered.length, ...ordered);
    this.sendResponse(xid, 0, Code.OK);
  }

  private peek(n: number): Buffer {
    if (this.pending[0]!.length < n) this.pending = [Buffer.concat(this.pending)];
    return this.pending[0]!.subarray(0, n);
  }

  private take(n: number): Buffer {
    if (this.pending[0]!.length < n) this.pending = [Buffer.concat(this.pending)];
    const first = this.pending[0]!;
    const out = first.subarray(0, n);
    if (first.length === n) this.pending.shift();
    else this.pending[0] = first.subarray(n);
    this.pendingBytes -= n;
    return out;
  }

  // --- writing

  sendConnectResponse(timeOut: number, sessionId: bigint, passwd: Buffer): void {
    this.writeFrame(R.ConnectResponse, { protocolVersion: 0, timeOut, sessionId, passwd, readOnly: false });
  }

  sendResponse<T>(xid: number, zxid: number, err: number, codec?: Codec<T>, value?: T): void {
    if (this.closing) return;
    if (xid !== Xid.ping) this.lastZxid = zxid;
    const w = this.writer.reset();
    w.int(0); // the length, patched below
    R.ReplyHeader.write(w, { xid, zxid, err });
    if (codec && value !== undefined && err === 0) codec.write(w, value);
    if (xid !== Xid.ping) this.zks.stats.responseSize(w.pos - 4);
    this.flushFrame(w);
  }

  /** Watcher: a triggered watch becomes a notification (xid -1) on this connection. */
  process(event: WatchedEvent): void {
    if (this.closing) return;
    const w = this.writer.reset();
    w.int(0);
    R.ReplyHeader.write(w, { xid: Xid.notification, zxid: -1, err: 0 });
    R.WatcherEvent.write(w, { type: event.type, state: event.state ?? KeeperState.SyncConnected, path: event.path });
    this.flushFrame(w);
  }

  private writeFrame<T>(codec: Codec<T>, value: T): void {
    if (this.closing) return;
    const w = this.writer.reset();
    w.int(0);
    codec.write(w, value);
    this.flushFrame(w);
  }

  private flushFrame(w: Writer): void {
    w.buf.writeInt32BE(w.pos - 4, 0);
    this.packetsSent++;
    this.zks.stats.packetSent();
    this.zks.metrics.RESPONSE_BYTES.add(w.pos);
    if (!this.corked) {
      // Replies of one event-loop turn leave in one write.
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(w.toBuffer());
  }

  close(reason: string): void {
    if (this.closing) return;
    this.closeReason = reason;
    this.closing = true;
    this.socket.end();
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
    this.socket.pause();
  }

  resumeReading(): void {
    this.readingPaused = false;
    this.socket.resume();
  }

  updateStatsForResponse(cxid: number, type: number, now_ms: number, latency_ms: number): void {
    // Special xids (pings, auth, setWatches) do not count as the client's last cxid.
    if (cxid >= 0) this.lastCxid = cxid;
    this.lastOp = LAST_OP[type] ?? 'NA';
    this.lastResponse_ms = Math.floor(now_ms);
    this.latency.add(latency_ms);
  }

  /** crst: zero the per-connection counters. */
  resetStats(): void {
    this.lastOp = 'NA';
    this.lastCxid = -1;
    this.lastZxid = -1;
    this.lastResponse_ms = 0;
    this.latency.reset();
    this.packetsReceived = 0;
    this.packetsSent = 0;
  }
}

/** "::ffff:127.0.0.1" → "127.0.0.1", as Java reports an IPv4 peer. */
function normaliseAddress(addr: string): string {
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr;
}

/** The abbreviations `cons` shows as a connection's last operation (lop=), by opcode. */
const LAST_OP: Record<number, string> = {
  [OpCode.ping]: 'PING',
  [OpCode.createSession]: 'SESS',
  [OpCode.multi]: 'MULT',
  [OpCode.multiRead]: 'MLTR',
  [OpCode.create]: 'CREA',
  [OpCode.create2]: 'CREA',
  [OpCode.createTTL]: 'CREA',
  [OpCode.createContainer]: 'CREA',
  [OpCode.delete]: 'DELE',
  [OpCode.deleteContainer]: 'DELE',
  [OpCode.setData]: 'SETD',
  [OpCode.reconfig]: 'RECO',
  [OpCode.setACL]: 'SETA',
  [OpCode.closeSession]: 'CLOS',
  [OpCode.sync]: 'SYNC',
  [OpCode.check]: 'CHEC',
  [OpCode.exists]: 'EXIS',
  [OpCode.getData]: 'GETD',
  [OpCode.setWatches]: 'SETW',
  [OpCode.setWatches2]: 'STW2',
  [OpCode.addWatch]: 'ADDW',
  [OpCode.getACL]: 'GETA',
  [OpCode.getChildren]: 'GETC',
  [OpCode.getChildren2]: 'GETC',
  [OpCode.getAllChildrenNumber]: 'GETACN',
  [OpCode.checkWatches]: 'CHKW',
  [OpCode.removeWatches]: 'REMW',
  [OpCode.whoAmI]: 'HOMI',
  [OpCode.getEphemerals]: 'GETE',
};
