// A client connection's bytes on the wire: frames of a 4-byte length and that many bytes.
// IncomingBuffer gathers what the socket read into whole packets, each bounded by
// jute.maxbuffer; OutgoingBuffers encodes replies into frames and says where the socket's
// unsent bytes stand against the bounds that throttle and drop a client that does not read.
// What to do at each bound (stop reading, close) is the connection's to decide.
import type { Socket } from 'node:net';
import { Writer } from '../jute/codec';
import { TickCork } from './tick-cork';

/**
 * Unsent replies (the socket's writableLength) past this stop reading from the connection
 * and answering its held requests until the socket drains. 4 MiB is four replies of the
 * largest node jute.maxbuffer allows (1 MiB): enough to keep a client that reads at
 * loopback speed busy between two drains, small enough that thousands of connections
 * that do not read cost only a few GiB together.
 */
export const MAX_UNSENT_SOFT_bytes = 4 * 1024 * 1024;

/**
 * Unsent replies past this close the connection. Past the soft bound nothing more is read
 * or released from the held queue, so what still comes is write replies (a Stat each,
 * at most globalOutstandingLimit of them) and watch events; 64 MiB is far beyond that for
 * a client that reads at all. A single reply (a multiRead, a getChildren) larger than this
 * fails to encode and closes the connection too: no client with a sane jute.maxbuffer
 * could read it.
 */
export const MAX_UNSENT_HARD_bytes = 64 * 1024 * 1024;

/** What the socket has read and no packet has taken yet. */
export class IncomingBuffer {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(
    /** jute.maxbuffer: a longer packet is ZooKeeper's "Len error". */
    readonly maxBuffer_bytes: number,
  ) {}

  add(chunk: Buffer): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
  }

  /** The next packet's length prefix has come (or a four-letter word's four bytes). */
  get hasLength(): boolean {
    return this.pendingBytes >= 4;
  }

  /** The four bytes a packet starts with: its length, or a four-letter word. Only once hasLength. */
  head(): Buffer {
    return this.peek(4);
  }

  /** Whether `len` is a length a packet may have: negative or past jute.maxbuffer closes the connection. */
  inBounds(len: number): boolean {
    return len >= 0 && len <= this.maxBuffer_bytes;
  }

  /** The next packet of `len` bytes with its 4-byte prefix, once all of it has come; undefined until then. */
  take(len: number): Buffer | undefined {
    if (this.pendingBytes < 4 + len) return undefined;
    return this.takeBytes(4 + len);
  }

  private peek(n: number): Buffer {
    if (this.pending[0]!.length < n) this.pending = [Buffer.concat(this.pending)];
    return this.pending[0]!.subarray(0, n);
  }

  private takeBytes(n: number): Buffer {
    if (this.pending[0]!.length < n) this.pending = [Buffer.concat(this.pending)];
    const first = this.pending[0]!;
    const out = first.subarray(0, n);
    if (first.length === n) this.pending.shift();
    else this.pending[0] = first.subarray(n);
    this.pendingBytes -= n;
    return out;
  }
}

/** Where a connection's unsent replies stand: under the soft bound, past it, or past the hard one. */
export type Unsent = 'under' | 'soft' | 'hard';

/** Replies on their way to the client: encoded one frame at a time, queued on the socket. */
export class OutgoingBuffers {
  /** One encoder for every frame: a frame is copied out before the next is written. Past the hard bound encoding fails. */
  private readonly writer = new Writer(4096, MAX_UNSENT_HARD_bytes);
  /** Replies of one event-loop turn leave in one write. */
  private readonly cork: TickCork;

  constructor(private readonly socket: Socket) {
    this.cork = new TickCork(socket);
  }

  /** One frame: what `encode` writes, after its length. */
  encode(encode: (w: Writer) => void): Buffer {
    const w = this.writer.reset();
    w.int(0); // the length, patched below
    encode(w);
    w.buf.writeInt32BE(w.pos - 4, 0);
    return w.toBuffer();
  }

  /** Queues a frame on the socket. */
  send(frame: Buffer): void {
    this.cork.write(frame);
  }

  /** Bytes queued on the socket and not yet sent. */
  get unsent_bytes(): number {
    return this.socket.writableLength;
  }

  unsent(): Unsent {
    const unsent_bytes = this.unsent_bytes;
    if (unsent_bytes > MAX_UNSENT_HARD_bytes) return 'hard';
    return unsent_bytes > MAX_UNSENT_SOFT_bytes ? 'soft' : 'under';
  }
}
