// Frames written in one turn of the event loop leave the process in one system call: the
// socket is corked at the first write of the turn and uncorked on the next tick, which
// hands the kernel all of them at once (a writev). Written one by one, each frame was a
// system call of its own: at a leader a PROPOSAL and a COMMIT per txn to every follower,
// at a follower an ACK per txn, at any server a reply per request. The frames wait no
// longer than the rest of the turn they were made in.
import type { Writable } from 'node:stream';

export class TickCork {
  private corked = false;

  constructor(private readonly socket: Writable) {}

  /** Queues `frame` on the socket, to be sent with the turn's others. */
  write(frame: Buffer): void {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(uncork, this);
    }
    this.socket.write(frame);
  }

  /** @internal */
  uncork(): void {
    this.corked = false;
    this.socket.uncork();
  }
}

function uncork(c: TickCork): void {
  c.uncork();
}
