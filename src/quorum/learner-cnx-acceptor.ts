// The leader's quorum port (Apache's LearnerCnxAcceptor and the socket half of each
// LearnerHandler): accepts one connection per learner, reads its QuorumPackets as they
// arrive (bare jute records, no frame) and writes packets, and after a SNAP the snapshot
// stream, in the order they are handed over. With several quorum addresses (multiAddress)
// it listens on each of them. With quorum SASL a learner is authenticated first, before any
// of its packets is read (LearnerHandler.run).
import type { Server, Socket } from 'node:net';
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

  /** SNAP(zxid), then the stream; packets handed over meanwhile wait behind it. */
  sendSnapshot(learner: LearnerId, zxid: number, stream: Promise<Buffer[]>): void {
    this.cnxs.get(learner)?.sendSnapshot(encodePacket(packet(PacketType.SNAP, zxid)), stream);
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
  /** While a snapshot stream is being made, what comes after it waits here. */
  private held: Buffer[] | undefined;

  constructor(
    readonly id: LearnerId,
    private readonly socket: Socket,
    private readonly maxBuffer_bytes: number,
    private readonly on: { onPacket(p: QuorumPacket): void; onClosed(reason: string): void },
  ) {
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', (e) => this.close(e.message));
    socket.on('close', () => this.close('the learner closed the connection'));
  }

  send(b: Buffer): void {
    if (this.closed) return;
    if (this.held) return void this.held.push(b);
    if (this.socket.writableLength > MAX_UNSENT_bytes) return this.close(`more than ${MAX_UNSENT_bytes} bytes unsent: the learner does not read`);
    this.socket.write(b);
  }

  sendSnapshot(snap: Buffer, stream: Promise<Buffer[]>): void {
    this.send(snap);
    const held: Buffer[] = this.held ?? [];
    this.held = held;
    stream.then(
      (parts) => {
        if (this.closed) return;
        this.held = undefined;
        for (const b of parts) this.socket.write(b);
        for (const b of held) this.send(b);
      },
      (e: Error) => this.close(`the snapshot could not be serialized: ${e.message}`),
    );
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
