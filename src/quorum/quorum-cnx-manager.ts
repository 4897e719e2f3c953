// QuorumCnxManager: the election port. One TCP connection per pair of peers, as Apache's:
// the dialer first sends an initial message (protocol version, its server id, its election
// address); of two peers only the connection dialled by the larger id survives — a smaller
// id that dials says who it is and hangs up, and the larger one dials back. Messages are
// framed as a 4-byte length and the bytes. What goes out waits in a queue of one per peer
// (a newer notification replaces an older one that was never sent, as Apache's
// SEND_CAPACITY = 1), and the last message sent is sent again on every new connection.
// A member with several addresses (multiAddress) is listened for on all of ours and dialled
// on each of its in turn (multiple-addresses.ts). With quorum SASL (quorum-auth.ts) both ends
// authenticate right after the initial message, before the challenge is decided, as Apache's.
import type { Server, Socket } from 'node:net';
import { dialFirst, formatInetAddr, listenAll, parseAddressList, type SocketAddress } from './multiple-addresses';
import type { QuorumAuth } from './quorum-auth';
import { PLAIN_QUORUM, type QuorumSockets } from './quorum-sockets';

export type ElectionAddress = SocketAddress;

export interface CnxManagerOptions {
  myid: bigint;
  /** Where we listen (every address of our server line), and what we tell the peers we dial. */
  listen: readonly ElectionAddress[];
  /** quorumListenOnAllIPs: bind 0.0.0.0 instead of our own host. */
  listenOnAllIPs?: boolean;
  /**
   * multiAddress.enabled: the initial message is PROTOCOL_VERSION_V2 and lists all our
   * addresses; otherwise V1 with the first (Apache keeps V1 then, for peers older than 3.6).
   */
  multiAddress?: boolean;
  /** The election addresses of every other member of the config. */
  peers: ReadonlyMap<bigint, readonly ElectionAddress[]>;
  /** sslQuorum / portUnification (quorum-sockets.ts); plain when absent. */
  sockets?: QuorumSockets;
  /** quorum.auth.*: the dialler logs in after its initial message, the acceptor after reading it (none when absent). */
  auth?: QuorumAuth;
  /**
   * How long a TLS handshake may take: Apache's socket timeout on the election port
   * (QuorumCnxManager.socketTimeout, tickTime * syncLimit), which bounds the handshake there.
   */
  handshakeTimeout_ms?: number;
  onMessage(from: bigint, message: Buffer): void;
  log: { info(line: string): void; warn(line: string): void; debug?(line: string): void };
}

/** Apache's protocol versions of the initial message (3.5.0+ and, with multi-address, 3.6.0+). */
export const PROTOCOL_VERSION_V1 = -65536n;
export const PROTOCOL_VERSION_V2 = -65535n;
/** QuorumCnxManager.PACKETMAXSIZE: a longer election message closes the connection. */
export const ELECTION_PACKET_MAX_bytes = 512 * 1024;
/** QuorumCnxManager.maxBuffer: the longest address text an initial message may carry. */
const INITIAL_ADDRESS_MAX_bytes = 2048;
/** QuorumCnxManager's cnxTO: how long a dial may take. */
const CONNECT_TIMEOUT_ms = 5000;
/** How long a peer that dialled us may take to say who it is before we hang up. */
const INITIAL_MESSAGE_TIMEOUT_ms = 5000;
/** tickTime * syncLimit at Apache's defaults (2000 ms, 5), when the caller gives none. */
const DEFAULT_HANDSHAKE_TIMEOUT_ms = 10_000;

interface PeerLink {
  socket?: Socket;
  dialing: boolean;
  /** The message waiting for a connection (at most one: newer replaces older). */
  queued?: Buffer;
  lastSent?: Buffer;
}

export class QuorumCnxManager {
  private servers: Server[] = [];
  private readonly links = new Map<bigint, PeerLink>();
  private readonly accepted = new Set<Socket>();
  private stopped = false;

  constructor(private readonly o: CnxManagerOptions) {}

  async start(): Promise<void> {
    const sockets = this.o.sockets ?? PLAIN_QUORUM;
    const handshake_ms = this.o.handshakeTimeout_ms ?? DEFAULT_HANDSHAKE_TIMEOUT_ms;
    this.servers = await listenAll(this.o.listen, this.o.listenOnAllIPs ?? false, () => sockets.createServer((s) => this.accept(s), handshake_ms), this.o.log);
    for (const server of this.servers) server.on('error', (e) => this.o.log.warn(`election port: ${e.message}`));
    if (this.stopped) for (const server of this.servers) server.close();
  }

  stop(): void {
    this.stopped = true;
    for (const server of this.servers) server.close();
    for (const link of this.links.values()) link.socket?.destroy();
    for (const s of this.accepted) s.destroy();
    this.links.clear();
  }

  /** Queues a message for a peer (ourselves: straight back in, on a later turn). */
  toSend(to: bigint, message: Buffer): void {
    if (this.stopped) return;
    if (to === this.o.myid) {
      setImmediate(() => !this.stopped && this.o.onMessage(to, message));
      return;
    }
    const link = this.link(to);
    if (link.socket) return this.write(link, message);
    link.queued = message;
    this.connectOne(to);
  }

  /** Whether some peer's queue is empty: a message went out since the last wait (haveDelivered). */
  haveDelivered(): boolean {
    for (const link of this.links.values()) if (link.queued === undefined) return true;
    return false;
  }

  /** Dials every peer we have ever queued for. */
  connectAll(): void {
    for (const sid of this.links.keys()) this.connectOne(sid);
  }

  /** The peers we hold a connection to, for `srvr`-like reports and tests. */
  connectedPeers(): bigint[] {
    return [...this.links].filter(([, l]) => l.socket !== undefined).map(([sid]) => sid);
  }

  // --- dialing

  /** Dials `sid` at `addresses` (those its initial message named) or else its config's. */
  private connectOne(sid: bigint, addresses?: readonly ElectionAddress[]): void {
    const link = this.link(sid);
    const addrs = addresses ?? this.o.peers.get(sid);
    if (this.stopped || link.socket || link.dialing || !addrs || addrs.length === 0) return;
    link.dialing = true;
    const sockets = this.o.sockets ?? PLAIN_QUORUM;
    const where = addrs.map(formatInetAddr).join('|');
    dialFirst(addrs, CONNECT_TIMEOUT_ms, () => this.stopped).then(
      ({ socket }) =>
        sockets.dialled(socket, this.o.handshakeTimeout_ms ?? DEFAULT_HANDSHAKE_TIMEOUT_ms).then(
          (s) => this.connected(sid, link, s),
          (e: Error) => {
            link.dialing = false;
            // As Apache's "Cannot open secure channel": a member that answers but cannot be trusted.
            if (!this.stopped) this.o.log.warn(`Cannot open secure channel to ${sid} at election address ${where}: ${e.message}`);
          },
        ),
      (e: Error) => {
        link.dialing = false;
        this.o.log.debug?.(`cannot open an election connection to server ${sid} at ${where}: ${e.message}`);
      },
    );
  }

  private connected(sid: bigint, link: PeerLink, s: Socket): void {
    if (this.stopped || link.socket) {
      link.dialing = false;
      return void s.destroy();
    }
    s.on('error', () => s.destroy());
    s.write(this.initialMessage());
    const loggedIn = (rest: Buffer) => {
      link.dialing = false;
      if (this.stopped || link.socket || s.destroyed) return void s.destroy();
      if (sid > this.o.myid) {
        // The larger id keeps the connection it dials: ours only told it we are here.
        s.end();
        return;
      }
      this.adopt(sid, s, rest);
    };
    if (!this.o.auth) return loggedIn(Buffer.alloc(0));
    // Still dialing while we log in: no second dial to the same peer meanwhile.
    this.o.auth.learner(s).then(
      loggedIn,
      (e: Error) => {
        link.dialing = false;
        // Apache's initiateConnection: the SaslException closes this connection only.
        if (!this.stopped) this.o.log.warn(`Exception while connecting, id: ${sid}, addr: /${s.remoteAddress}:${s.remotePort}, closing learner connection: ${e.message}`);
        s.destroy();
      },
    );
  }

  private initialMessage(): Buffer {
    const sent = this.o.multiAddress ? this.o.listen : this.o.listen.slice(0, 1);
    const addr = Buffer.from(sent.map(formatInetAddr).join('|'), 'utf8');
    const b = Buffer.alloc(20 + addr.length);
    b.writeBigInt64BE(this.o.multiAddress ? PROTOCOL_VERSION_V2 : PROTOCOL_VERSION_V1, 0);
    b.writeBigInt64BE(this.o.myid, 8);
    b.writeInt32BE(addr.length, 16);
    addr.copy(b, 20);
    return b;
  }

  // --- being dialled

  private accept(s: Socket): void {
    if (this.stopped) return void s.destroy();
    this.accepted.add(s);
    s.once('close', () => this.accepted.delete(s));
    s.on('error', () => s.destroy());
    s.setTimeout(INITIAL_MESSAGE_TIMEOUT_ms, () => s.destroy());
    let pending = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      const parsed = parseInitialMessage(pending);
      if (parsed === 'incomplete') return;
      s.off('data', onData);
      s.setTimeout(0);
      if (typeof parsed === 'string') {
        this.o.log.warn(`election connection from ${s.remoteAddress}: ${parsed}; closing it`);
        return void s.destroy();
      }
      const { sid, addresses } = parsed;
      // Without quorum SASL, at once: the bytes after the initial message are read in this same turn.
      if (!this.o.auth) return this.challenge(s, sid, parsed.rest, addresses);
      this.o.auth.server(s, parsed.rest).then(
        (rest) => this.challenge(s, sid, rest, addresses),
        (e: Error) => {
          // Apache's receiveConnection: the SaslException closes this connection only.
          if (!this.stopped) this.o.log.warn(`Exception handling connection, addr: /${s.remoteAddress}:${s.remotePort}, closing server connection: ${e.message}`);
          s.destroy();
        },
      );
    };
    s.on('data', onData);
  }

  /** The initial message read (and the peer authenticated): the larger id's connection survives. */
  private challenge(s: Socket, sid: bigint, rest: Buffer, addresses: ElectionAddress[] | undefined): void {
    this.accepted.delete(s);
    if (this.stopped) return void s.destroy();
    if (sid < this.o.myid) {
      // We win the challenge: drop theirs and dial back.
      s.destroy();
      const link = this.link(sid);
      link.socket?.destroy();
      // Apache dials back where the initial message says the peer listens, if it says.
      this.connectOne(sid, addresses && addresses.length > 0 ? addresses : undefined);
    } else if (sid === this.o.myid) {
      this.o.log.warn(`an election connection from ${s.remoteAddress} claims our own id ${sid}: a configuration error; closing it`);
      s.destroy();
    } else if (s.destroyed) {
      // It hung up unauthenticated (quorum.auth.serverRequireSasl=false lets that through): nothing to keep.
    } else {
      this.adopt(sid, s, rest);
    }
  }

  // --- an established connection

  private adopt(sid: bigint, s: Socket, already: Buffer): void {
    const link = this.link(sid);
    if (link.socket && link.socket !== s) link.socket.destroy();
    link.socket = s;
    s.setNoDelay(true);
    s.on('error', () => s.destroy());
    s.once('close', () => {
      if (link.socket === s) link.socket = undefined;
    });
    let pending = already;
    const onData = (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 4) {
        const length = pending.readInt32BE(0);
        if (length <= 0 || length > ELECTION_PACKET_MAX_bytes) {
          this.o.log.warn(`server ${sid} sent an election message of ${length} bytes (allowed 1 to ${ELECTION_PACKET_MAX_bytes}); closing the connection`);
          return void s.destroy();
        }
        if (pending.length < 4 + length) return;
        const message = pending.subarray(4, 4 + length);
        pending = pending.subarray(4 + length);
        if (!this.stopped) this.o.onMessage(sid, message);
      }
    };
    s.on('data', onData);
    if (already.length > 0) onData(Buffer.alloc(0));
    // Quorum SASL left it paused (quorum-sasl.ts), so that nothing flowed before we listened.
    s.resume();
    // What we said last may have died with the old connection: say it again, unless
    // something newer waits.
    const next = link.queued ?? link.lastSent;
    link.queued = undefined;
    if (next) this.write(link, next);
  }

  private write(link: PeerLink, message: Buffer): void {
    const head = Buffer.alloc(4);
    head.writeInt32BE(message.length, 0);
    link.socket!.write(Buffer.concat([head, message]));
    link.lastSent = message;
  }

  private link(sid: bigint): PeerLink {
    let link = this.links.get(sid);
    if (!link) this.links.set(sid, (link = { dialing: false }));
    return link;
  }
}

/**
 * The initial message of a dialling peer: its id, the election addresses it names (V1: one,
 * V2: all of its line, '|'-separated; none before 3.5), and what followed it on the socket.
 */
export function parseInitialMessage(b: Buffer): { sid: bigint; rest: Buffer; addresses?: ElectionAddress[] } | 'incomplete' | string {
  if (b.length < 8) return 'incomplete';
  const first = b.readBigInt64BE(0);
  // Before 3.5 the first long was the server id itself.
  if (first >= 0n) return { sid: first, rest: b.subarray(8) };
  if (first !== PROTOCOL_VERSION_V1 && first !== PROTOCOL_VERSION_V2) return `unknown protocol version ${first}`;
  if (b.length < 20) return 'incomplete';
  const sid = b.readBigInt64BE(8);
  const length = b.readInt32BE(16);
  if (length <= 0 || length > INITIAL_ADDRESS_MAX_bytes) return `an initial message announces ${length} bytes of address (allowed 1 to ${INITIAL_ADDRESS_MAX_bytes})`;
  if (b.length < 20 + length) return 'incomplete';
  const addresses = parseAddressList(b.subarray(20, 20 + length).toString('utf8'));
  if (typeof addresses === 'string') return addresses;
  return { sid, rest: b.subarray(20 + length), addresses };
}
