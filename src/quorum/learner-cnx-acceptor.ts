// The leader's quorum port (Apache's LearnerCnxAcceptor and the socket half of each
// LearnerHandler): accepts one connection per learner, reads its QuorumPackets as they
// arrive (bare jute records, no frame) and writes packets, and after a SNAP the snapshot
// stream, in the order they are handed over. With several quorum addresses (multiAddress)
// it listens on each of them. With quorum SASL a learner is authenticated first, before any
// of its packets is read (LearnerHandler.run).
import type { Server, Socket } from 'node:net';
import { SNAPSHOT_PAUSE } from '../persistence/file-snap';
import { TickCork } from '../server/tick-cork';
import { listenAll, type SocketAddress } from './multiple-addresses';
import type { QuorumAuth } from './quorum-auth';
import { PLAIN_QUORUM, type QuorumSockets } from './quorum-sockets';
import { encodePacket, packet, PacketType, readPacket, type QuorumPacket } from './quorum-packet';
import type { LearnerId } from './leader';

export interface LearnerCnxAcceptorOptions {
  /** Our quorum addresses (server.N's host:quorumPort, each of them). */
  listen: readonly SocketAddress[];
  /** quorumListenOnAllIPs: bind every address instead of our own host. */
  listenOnAllIPs?: boolean;
  /** jute.maxbuffer: the largest data a learner's packet may carry. */
  maxBuffer_bytes: number;
  /** sslQuorum / portUnification (quorum-sockets.ts); plain when absent. */
  sockets?: QuorumSockets;
  /** quorum.auth.*: authenticating each learner (none when absent). */
  auth?: QuorumAuth;
  /** How long a learner's TLS handshake may take: Apache's tickTime * initLimit, the socket timeout of a learner's connection. */
  handshakeTimeout_ms: number;
  onConnected(learner: LearnerId, remote: string): void;
  onPacket(learner: LearnerId, p: QuorumPacket): void;
  onClosed(learner: LearnerId, reason: string): void;
  log: { warn(line: string): void };
}

/** Bytes written and not yet taken by the kernel past which a learner is too slow to follow (it would hold the leader's memory). */
const MAX_UNSENT_bytes = 64 * 1024 * 1024;

/**
 * How a SNAP stream went: its slices and bytes, its wall time, the longest a slice took to
 * make, and the packets (proposals, commits) that were held behind it meanwhile.
 */
export interface SnapshotSent {
  slices: number;
  held: number;
  bytes: number;
  took_ms: number;
  longestSlice_ms: number;
}

export class LearnerCnxAcceptor {
  private servers: Server[] = [];
  private readonly cnxs = new Map<LearnerId, LearnerHandlerCnx>();
  private nextId: LearnerId = 1;
  private stopped = false;

  constructor(private readonly o: LearnerCnxAcceptorOptions) {}

  async start(): Promise<void> {
    this.servers = await listenAll(this.o.listen, this.o.listenOnAllIPs ?? false, () => (this.o.sockets ?? PLAIN_QUORUM).createServer((s) => this.accept(s), this.o.handshakeTimeout_ms), this.o.log, { exclusive: true });
    for (const server of this.servers) server.on('error', () => {});
  }

  send(learner: LearnerId, p: QuorumPacket): void {
    this.cnxs.get(learner)?.send(encodePacket(p));
  }

  /**
   * SNAP(zxid), then the stream, slice by slice; packets handed over meanwhile wait behind
   * it. `sent` is told how it went once the last slice is written.
   */
  sendSnapshot(learner: LearnerId, zxid: number, stream: Iterator<Buffer>, sent?: (s: SnapshotSent) => void): void {
    this.cnxs.get(learner)?.sendSnapshot(encodePacket(packet(PacketType.SNAP, zxid)), stream, sent);
  }

  close(learner: LearnerId, reason: string): void {
    this.cnxs.get(learner)?.close(reason);
  }

  /** Stops listening and closes every learner's connection. */
  stop(reason: string): void {
    this.stopped = true;
    for (const server of this.servers) server.close();
    for (const c of [...this.cnxs.values()]) c.close(reason);
  }

  private accept(socket: Socket): void {
    // Without quorum SASL, at once: a listener that sniffed the first bytes resumes the socket right after handing it over.
    if (!this.o.auth) return this.handle(socket, Buffer.alloc(0));
    socket.on('error', () => socket.destroy());
    this.o.auth.server(socket, Buffer.alloc(0)).then(
      (rest) => {
        if (this.stopped || socket.destroyed) return void socket.destroy();
        this.handle(socket, rest);
      },
      (e: Error) => {
        // LearnerHandler.run: the SaslException ends that learner's connection only.
        this.o.log.warn(`Unexpected exception in LearnerHandler from ${socket.remoteAddress}:${socket.remotePort}: ${e.message}`);
        socket.destroy();
      },
    );
  }

  private handle(socket: Socket, already: Buffer): void {
    const id = this.nextId++;
    socket.setNoDelay(true);
    const cnx = new LearnerHandlerCnx(id, socket, this.o.maxBuffer_bytes, {
      onPacket: (p) => this.o.onPacket(id, p),
      onClosed: (reason) => {
        this.cnxs.delete(id);
        this.o.onClosed(id, reason);
      },
    });
    this.cnxs.set(id, cnx);
    this.o.onConnected(id, `${socket.remoteAddress}:${socket.remotePort}`);
    if (already.length > 0) cnx.onData(already);
    // Quorum SASL left it paused (quorum-sasl.ts), so that nothing flowed before the handler listened.
    socket.resume();
  }
}

class LearnerHandlerCnx {
  private pending: Buffer = Buffer.alloc(0);
  private closed = false;
  /** While a snapshot stream is being sent, what comes after it waits here (at most MAX_UNSENT_bytes). */
  private held: Buffer[] | undefined;
  private heldBytes = 0;
  /** A txn's PROPOSAL and COMMIT and the others of one event-loop turn leave in one write. */
  private readonly cork: TickCork;

  constructor(
    readonly id: LearnerId,
    private readonly socket: Socket,
    private readonly maxBuffer_bytes: number,
    private readonly on: { onPacket(p: QuorumPacket): void; onClosed(reason: string): void },
  ) {
    this.cork = new TickCork(socket);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', (e) => this.close(e.message));
    socket.on('close', () => this.close('the learner closed the connection'));
  }

  send(b: Buffer): void {
    if (this.closed) return;
    if (this.held) {
      // The txns after a SNAP wait for the stream; a learner that takes the stream slower
      // than the leader commits would otherwise hold the leader's memory.
      this.heldBytes += b.length;
      if (this.heldBytes > MAX_UNSENT_bytes) return this.close(`more than ${MAX_UNSENT_bytes} bytes held behind the snapshot: the learner reads it too slowly`);
      return void this.held.push(b);
    }
    if (this.socket.writableLength > MAX_UNSENT_bytes) return this.close(`more than ${MAX_UNSENT_bytes} bytes unsent: the learner does not read`);
    this.cork.write(b);
  }

  sendSnapshot(snap: Buffer, stream: Iterator<Buffer>, sent?: (s: SnapshotSent) => void): void {
    this.send(snap);
    const held: Buffer[] = this.held ?? [];
    this.held = held;
    this.pump(stream, held).then(
      (s) => s && sent?.(s),
      (e: Error) => this.close(`the snapshot could not be serialized: ${e.message}`),
    );
  }

  /**
   * Writes the stream slice by slice: the next slice is made once the socket took the last
   * (its 'drain'), or on the next turn of the event loop, so clients are served between
   * slices and the leader holds about one slice of the stream at a time. Then what was held.
   */
  private async pump(stream: Iterator<Buffer>, held: Buffer[]): Promise<SnapshotSent | undefined> {
    const started = performance.now();
    const s: SnapshotSent = { slices: 0, held: 0, bytes: 0, took_ms: 0, longestSlice_ms: 0 };
    for (;;) {
      if (this.closed) return undefined;
      const t = performance.now();
      const slice = stream.next();
      s.longestSlice_ms = Math.max(s.longestSlice_ms, performance.now() - t);
      if (slice.done) break;
      s.slices++;
      s.bytes += slice.value.length;
      if (slice.value === SNAPSHOT_PAUSE || this.socket.write(slice.value)) await new Promise((r) => setImmediate(r));
      else await this.drained();
    }
    if (this.closed) return undefined;
    this.held = undefined;
    this.heldBytes = 0;
    s.held = held.length;
    for (const b of held) this.send(b);
    s.took_ms = performance.now() - started;
    return s;
  }

  /** Resolves once the socket's buffer is taken by the kernel, or the socket closed. */
  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.on.onClosed(reason);
  }

  /** Bytes of the learner's stream (those read past quorum SASL, then each chunk). */
  onData(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let at = 0;
    try {
      while (!this.closed) {
        const r = readPacket(this.pending, at, this.maxBuffer_bytes);
        if (!r) break;
        at = r.next;
        this.on.onPacket(r.packet);
      }
    } catch (e) {
      return this.close(`a malformed stream from the learner: ${(e as Error).message}`);
    }
    this.pending = at >= this.pending.length ? Buffer.alloc(0) : this.pending.subarray(at);
  }
}
