// The learner's TCP connection to the leader's quorum port: writes QuorumPackets, reads
// them back as they arrive (bare jute records, no frame), and after a SNAP reads the
// snapshot the leader streams behind it before handing the SNAP on. A leader with several
// quorum addresses (multiAddress) is dialled on each in turn until one answers. With quorum
// SASL the learner logs in first, before FOLLOWERINFO (Learner.connectToLeader).
import type { Socket } from 'node:net';
import { TickCork } from '../server/tick-cork';
import { dialFirst, type SocketAddress } from './multiple-addresses';
import { NO_QUORUM_AUTH, type QuorumAuth } from './quorum-auth';
import { PLAIN_QUORUM, type QuorumSockets } from './quorum-sockets';
import { encodePacket, PacketType, readPacket, type QuorumPacket } from './quorum-packet';
import { SnapshotStreamReader, type StreamedSnapshot } from './snapshot-stream';

export interface LearnerCnxOptions {
  /** The leader's quorum addresses, tried in this order. */
  leader: readonly SocketAddress[];
  /** jute.maxbuffer: the largest data a packet (or one snapshot element) may carry. */
  maxBuffer_bytes: number;
  /** sslQuorum (quorum-sockets.ts); plain when absent. */
  sockets?: QuorumSockets;
  /** quorum.auth.*: logging in to the leader (none when absent). */
  auth?: QuorumAuth;
  /** How long the TLS handshake may take: Apache's tickTime * initLimit, the learner socket's timeout. */
  handshakeTimeout_ms: number;
  onPacket(p: QuorumPacket, snapshot?: StreamedSnapshot): void;
  onClose(reason: string): void;
}

/** How long a dial to the leader may take (Apache: a tick each of up to 5 attempts). */
const CONNECT_TIMEOUT_ms = 5000;
/** A snapshot element or packet header is this much beyond jute.maxbuffer at most. */
const ELEMENT_SLACK_bytes = 64 * 1024;

export class LearnerCnx {
  private socket: Socket | undefined;
  /** ACKs and forwarded requests of one event-loop turn leave in one write. */
  private cork: TickCork | undefined;
  private pending: Buffer = Buffer.alloc(0);
  private snap: { packet: QuorumPacket; reader: SnapshotStreamReader } | undefined;
  private closed = false;

  constructor(private readonly o: LearnerCnxOptions) {}

  /** Resolves with the address that answered once connected; rejects if no address of the leader can be reached. */
  async open(): Promise<SocketAddress> {
    const { socket: raw, address } = await dialFirst(this.o.leader, CONNECT_TIMEOUT_ms, () => this.closed);
    const s = await (this.o.sockets ?? PLAIN_QUORUM).dialled(raw, this.o.handshakeTimeout_ms);
    let rest: Buffer;
    try {
      rest = await (this.o.auth ?? NO_QUORUM_AUTH).learner(s);
    } catch (e) {
      s.destroy();
      throw e;
    }
    if (this.closed) {
      s.destroy();
      throw new Error('closed');
    }
    this.socket = s;
    this.cork = new TickCork(s);
    s.setNoDelay(true);
    s.on('error', (e) => this.close(e.message));
    s.on('close', () => this.close('the leader closed the connection'));
    s.on('data', (d: Buffer) => this.onData(d));
    if (rest.length > 0) this.onData(rest);
    // Quorum SASL left it paused (quorum-sasl.ts), so that nothing flowed before we listened.
    s.resume();
    return address;
  }

  send(p: QuorumPacket): void {
    if (!this.closed) this.cork?.write(encodePacket(p));
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket?.destroy();
    this.o.onClose(reason);
  }

  private onData(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let at = 0;
    try {
      while (!this.closed) {
        if (this.snap) {
          const r = this.snap.reader.feed(this.pending, at);
          at = r.next;
          if (!r.snapshot) break;
          const { packet } = this.snap;
          this.snap = undefined;
          this.o.onPacket(packet, r.snapshot);
          continue;
        }
        const r = readPacket(this.pending, at, this.o.maxBuffer_bytes);
        if (!r) break;
        at = r.next;
        if (r.packet.type === PacketType.SNAP) {
          this.snap = { packet: r.packet, reader: new SnapshotStreamReader(this.o.maxBuffer_bytes + ELEMENT_SLACK_bytes) };
          continue;
        }
        this.o.onPacket(r.packet);
      }
    } catch (e) {
      return this.close(`a malformed stream from the leader: ${(e as Error).message}`);
    }
    this.pending = at >= this.pending.length ? Buffer.alloc(0) : this.pending.subarray(at);
  }
}
