// The gate every request passes, in every role: each session's requests in the order sent
// (a read waits behind that session's writes in flight, anything waits behind what is held
// already), and globalOutstandingLimit (past it, the server stops reading from a client, as
// ZooKeeper does). What a read or a write then does is the role's business.
import type { Request } from './request';
import type { ServerCnxn } from './zookeeper-server';

export interface GateRoute {
  /** Answers a read from the local tree. */
  read(request: Request, cnxn: ServerCnxn): void;
  /** Starts a write; false when it failed at once (answered already, nothing in flight). */
  write(request: Request, cnxn: ServerCnxn): boolean;
  /** A request was answered (its latency, stats). */
  finished(request: Request): void;
}

export class RequestGate {
  /** Requests accepted but not yet answered, for globalOutstandingLimit. */
  private inProcess = 0;
  private readonly paused = new Set<ServerCnxn>();

  constructor(
    private readonly globalOutstandingLimit: number,
    /** Writes (and, on a learner, sync): what a session's later reads wait behind. */
    private readonly waitsForCommit: (body: Request['body']) => boolean,
    private readonly route: GateRoute,
  ) {}

  get outstanding(): number {
    return this.inProcess;
  }

  /** A request of a connected client, in the order the client sent it. */
  submit(request: Request, cnxn: ServerCnxn): void {
    this.inProcess++;
    if (this.inProcess > this.globalOutstandingLimit && !this.paused.has(cnxn)) {
      this.paused.add(cnxn);
      cnxn.pauseReading();
    }
    const q = cnxn.queue;
    if (q.held.length > 0 || (q.writesInFlight > 0 && !this.waitsForCommit(request.body))) {
      q.held.push(request);
      return;
    }
    this.dispatch(request, cnxn);
  }

  /** A write of this connection was answered: its turn is over. */
  writeAnswered(request: Request, cnxn: ServerCnxn): void {
    cnxn.queue.writesInFlight--;
    this.finished(request);
  }

  /**
   * Releases what a connection held behind writes that are now answered. Stops while the
   * connection's replies are backlogged (it drains later and calls this again): held reads
   * must not pile replies on a client that does not read them.
   */
  release(cnxn: ServerCnxn): void {
    const q = cnxn.queue;
    while (q.held.length > 0 && !cnxn.replyBacklogged) {
      const next = q.held[0]!;
      if (!this.waitsForCommit(next.body) && q.writesInFlight > 0) return;
      q.held.shift();
      this.dispatch(next, cnxn);
    }
  }

  /** The connection is gone: what it held will never be answered. */
  connectionClosed(cnxn: ServerCnxn): void {
    this.paused.delete(cnxn);
    this.inProcess -= cnxn.queue.held.length;
    cnxn.queue.held.length = 0;
  }

  private dispatch(request: Request, cnxn: ServerCnxn): void {
    if (!this.waitsForCommit(request.body)) {
      cnxn.answer(request.body.op, () => this.route.read(request, cnxn));
      this.finished(request);
      return;
    }
    if (this.route.write(request, cnxn)) cnxn.queue.writesInFlight++;
    else this.finished(request);
  }

  private finished(request: Request): void {
    this.inProcess--;
    this.route.finished(request);
    if (this.paused.size > 0 && this.inProcess <= this.globalOutstandingLimit) {
      for (const c of this.paused) c.resumeReading();
      this.paused.clear();
    }
  }
}
