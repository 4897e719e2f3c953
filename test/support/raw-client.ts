// A client on a bare socket, for tests that must send bytes no well-behaved client sends:
// several frames in one write, requests it never reads the answers to. Frames are built
// with our jute codec; replies are split into frames and classified, nothing more.
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { Writer } from '../../src/jute/codec';
import * as R from '../../src/jute/records';

/** One length-prefixed frame. */
export function frame(build: (w: Writer) => void): Buffer {
  const w = new Writer();
  w.int(0);
  build(w);
  w.buf.writeInt32BE(w.pos - 4, 0);
  return w.toBuffer();
}

/** A ConnectRequest for a new session (readOnly false appended, as 3.4+ clients send). */
export function connectFrame(timeOut_ms = 10_000): Buffer {
  return frame((w) => {
    R.ConnectRequest.write(w, { protocolVersion: 0, lastZxidSeen: 0, timeOut: timeOut_ms, sessionId: 0n, passwd: Buffer.alloc(16) });
    w.bool(false);
  });
}

/** A request frame: RequestHeader then the opcode's record. */
export function requestFrame(xid: number, type: number, body: (w: Writer) => void = () => {}): Buffer {
  return frame((w) => {
    R.RequestHeader.write(w, { xid, type });
    body(w);
  });
}

export function pathWatchFrame(xid: number, type: number, path: string, watch = false): Buffer {
  return requestFrame(xid, type, (w) => R.PathWatchRequest.write(w, { path, watch }));
}

/** A socket that collects whole frames as they come, and knows when it was closed. */
export class RawConnection {
  readonly frames: Buffer[] = [];
  closed = false;
  readonly closedAt: Promise<number>;
  private inbound = Buffer.alloc(0);
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.inbound = Buffer.concat([this.inbound, d]);
      while (this.inbound.length >= 4 && this.inbound.length >= 4 + this.inbound.readInt32BE(0)) {
        const len = this.inbound.readInt32BE(0);
        this.frames.push(this.inbound.subarray(4, 4 + len));
        this.inbound = this.inbound.subarray(4 + len);
      }
      this.wake();
    });
    socket.on('error', () => {});
    this.closedAt = new Promise((res) =>
      socket.on('close', () => {
        this.closed = true;
        this.wake();
        res(performance.now());
      }),
    );
  }

  static open(host: string, port = 2181): Promise<RawConnection> {
    return new Promise((res, rej) => {
      const socket = connect({ host, port });
      socket.once('connect', () => res(new RawConnection(socket)));
      socket.once('error', rej);
    });
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Resolves once `n` frames have come (or the socket closed); rejects after `timeout_ms`. */
  async waitForFrames(n: number, timeout_ms = 10_000): Promise<Buffer[]> {
    const deadline = Date.now() + timeout_ms;
    while (this.frames.length < n && !this.closed) {
      if (Date.now() > deadline) throw new Error(`${this.frames.length} of ${n} frames within ${timeout_ms} ms`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 100);
      });
    }
    return this.frames;
  }

  /** Connects a new session: sends a ConnectRequest and waits for the ConnectResponse. */
  async handshake(): Promise<bigint> {
    this.write(connectFrame());
    const [first] = await this.waitForFrames(1);
    if (!first) throw new Error('closed before the ConnectResponse');
    return first.readBigInt64BE(8);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

/** The xid of a reply frame (its ReplyHeader's first field); a ConnectResponse starts with protocolVersion 0. */
export function replyXid(f: Buffer): number {
  return f.readInt32BE(0);
}

/** Resident set size of a process, from /proc. */
export function rss_bytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}
