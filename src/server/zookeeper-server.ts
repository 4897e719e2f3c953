// ZooKeeperServer: the request pipeline of one server (prepare → replicate → persist →
// apply → reply), the session lifecycle as txns, and the per-session FIFO that makes a
// session's reads wait behind its own earlier writes.
import { OpCode } from '../jute/constants';
import { Code } from '../jute/keeper-error';
import type { ConnectRequest } from '../jute/records';
import { SessionTracker } from '../session/session-tracker';
import { DataTree } from '../tree/data-tree';
import type { Txn } from '../tree/txn';
import { FinalRequestProcessor, type ReplyTarget } from './final-request-processor';
import { PrepRequestProcessor } from './prep-request-processor';
import { isWrite, type Request } from './request';
import { ServerStats } from './server-stats';
import { DefaultMetricsProvider } from '../metrics/default-metrics-provider';
import { createServerMetrics, type ServerMetrics } from '../metrics/server-metrics';

/** The persist stage: resolves once the txns are durable. Standalone memory-only: at once. */
export interface TxnPersister {
  persist(txns: Txn[]): Promise<void>;
  /** After a persisted batch is applied: where snapshots are taken. */
  afterApply?(tree: DataTree, sessions: () => Map<bigint, number>): void;
}

export const inMemoryPersister: TxnPersister = { persist: () => Promise.resolve() };

/** What the pipeline needs of a client connection beyond replying. */
export interface ServerCnxn extends ReplyTarget {
  sessionId: bigint;
  sessionTimeout_ms: number;
  /** Per-session FIFO: writes in flight, and requests held behind them. */
  readonly queue: { writesInFlight: number; held: Request[] };
  sendConnectResponse(timeOut: number, sessionId: bigint, passwd: Buffer): void;
  /** Ends the connection after what was sent is flushed. */
  close(reason: string): void;
  /** Runs what answers on this connection; whatever it throws closes this connection only, with a log line. */
  answer(what: string, fn: () => void): void;
  /** Its unsent replies are past the soft bound: its held requests stay held until it drains. */
  readonly replyBacklogged: boolean;
  pauseReading(): void;
  resumeReading(): void;
}

export interface ZooKeeperServerOptions {
  tickTime_ms: number;
  minSessionTimeout_ms: number;
  maxSessionTimeout_ms: number;
  globalOutstandingLimit: number;
  serverId: number;
  superDigest?: string;
  skipACL: boolean;
  extendedTypesEnabled: boolean;
  persister?: TxnPersister;
  /** Where the server says what went wrong outside any one request (a disk error). */
  log?: (line: string) => void;
  /** How often the ContainerManager looks for empty containers and expired TTL nodes. */
  containerCheckInterval_ms?: number;
  /** Where metrics go; ZooKeeper's default provider (for mntr) when not given. */
  metrics?: ServerMetrics;
}

interface Pending {
  txn: Txn;
  request?: Request;
  cnxn?: ServerCnxn;
}

export class ZooKeeperServer {
  readonly tree: DataTree;
  readonly stats = new ServerStats();
  readonly metrics: ServerMetrics;
  readonly sessionTracker: SessionTracker;
  private readonly prep: PrepRequestProcessor;
  private readonly final: FinalRequestProcessor;
  private readonly persister: TxnPersister;

  /** The last zxid handed out by prepare (epoch 0 while standalone). */
  private lastZxid = 0;
  private toPersist: Pending[] = [];
  private persisting = false;
  /** Requests accepted but not yet answered, for globalOutstandingLimit. */
  private inProcess = 0;
  private readonly paused = new Set<ServerCnxn>();
  /** The live connection of each session, to close the old one on reconnect or expiry. */
  private readonly cnxnBySession = new Map<bigint, ServerCnxn>();
  /** Connections waiting for their createSession txn to apply. */
  private readonly awaitingSession = new Map<bigint, { cnxn: ServerCnxn; passwd: Buffer }>();
  private expiryTimer: NodeJS.Timeout | undefined;
  private containerTimer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(readonly opts: ZooKeeperServerOptions) {
    this.tree = new DataTree(opts.extendedTypesEnabled, { skipACL: opts.skipACL });
    const metrics = (this.metrics = opts.metrics ?? createServerMetrics(new DefaultMetricsProvider()));
    this.tree.dataWatches.onTriggered = this.tree.childWatches.onTriggered = (type, n) => metrics.watchesTriggered(type, n);
    this.tree.onAccess = { read: (path, bytes) => metrics.readPerNamespace(path, bytes), write: (path, bytes) => metrics.writePerNamespace(path, bytes) };
    this.sessionTracker = new SessionTracker(opts.tickTime_ms, opts.serverId, Date.now());
    this.persister = opts.persister ?? inMemoryPersister;
    this.prep = new PrepRequestProcessor(this.tree, {
      skipACL: opts.skipACL,
      extendedTypesEnabled: opts.extendedTypesEnabled,
      isSessionValid: (id) => this.sessionTracker.isActive(id),
    });
    this.final = new FinalRequestProcessor(this.tree, { skipACL: opts.skipACL });
  }

  /** Sessions restored from disk: alive again, each given its full timeout from now. */
  restoreSessions(sessions: Map<bigint, number>): void {
    const now = Date.now();
    for (const [id, timeout] of sessions) this.sessionTracker.addSession(id, timeout, now);
  }

  start(): void {
    this.running = true;
    this.lastZxid = Math.max(this.lastZxid, this.tree.lastProcessedZxid);
    this.scheduleExpiry();
    const every = this.opts.containerCheckInterval_ms ?? 60_000;
    this.containerTimer = setInterval(() => this.checkContainers(), every);
    this.containerTimer.unref();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.expiryTimer);
    clearInterval(this.containerTimer);
  }

  /** srst / stat_reset: ZooKeeper's ServerStats.reset, which also resets every metric the provider can. */
  resetStats(): void {
    this.stats.reset();
    this.metrics.provider.resetAll();
  }

  get outstandingRequests(): number {
    return this.inProcess;
  }

  get lastProcessedZxid(): number {
    return this.tree.lastProcessedZxid;
  }

  // --- sessions

  /** A ConnectRequest: a new session (a txn), or a reconnect to a live one. */
  processConnectRequest(cnxn: ServerCnxn, req: ConnectRequest): void {
    if (req.lastZxidSeen > this.tree.lastProcessedZxid) {
      // The client has seen a newer state than ours: it must find another server.
      return cnxn.close(`client has seen zxid 0x${req.lastZxidSeen.toString(16)}, ours is 0x${this.tree.lastProcessedZxid.toString(16)}`);
    }
    const timeout = Math.min(Math.max(req.timeOut, this.opts.minSessionTimeout_ms), this.opts.maxSessionTimeout_ms);
    cnxn.sessionTimeout_ms = timeout;
    if (req.sessionId === 0n) {
      const now = Date.now();
      this.metrics.CONNECTION_REQUEST_COUNT.add(1);
      const id = this.sessionTracker.createSession(timeout, now);
      cnxn.sessionId = id;
      const passwd = this.sessionTracker.passwordFor(id);
      this.awaitingSession.set(id, { cnxn, passwd });
      this.enqueue({ txn: this.prep.prepareCreateSession(id, timeout, this.nextZxid(), now) });
      return;
    }
    const id = req.sessionId;
    const valid =
      req.passwd !== null && this.sessionTracker.checkPassword(id, req.passwd) && this.sessionTracker.touchSession(id, timeout, Date.now());
    if (!valid) {
      cnxn.sendConnectResponse(0, 0n, Buffer.alloc(16));
      return cnxn.close('session expired or bad password');
    }
    const previous = this.cnxnBySession.get(id);
    if (previous && previous !== cnxn) previous.close('client reconnected on another connection');
    cnxn.sessionId = id;
    this.cnxnBySession.set(id, cnxn);
    cnxn.sendConnectResponse(timeout, id, this.sessionTracker.passwordFor(id));
  }

  /** The connection is gone; its session lives on until it expires or the client returns. */
  connectionClosed(cnxn: ServerCnxn): void {
    this.paused.delete(cnxn);
    if (this.cnxnBySession.get(cnxn.sessionId) === cnxn) this.cnxnBySession.delete(cnxn.sessionId);
    this.tree.removeWatcher(cnxn.watcher);
    this.inProcess -= cnxn.queue.held.length;
    cnxn.queue.held.length = 0;
  }

  // --- requests

  /** The connection's socket has sent its backlog: release what it held meanwhile. */
  cnxnDrained(cnxn: ServerCnxn): void {
    this.drain(cnxn);
  }

  /** Every request of a connected client, in the order the client sent them. */
  submit(request: Request, cnxn: ServerCnxn): void {
    this.stats.packetReceived();
    this.metrics.PREP_PROCESSOR_REQUEST_QUEUED.add(1);
    this.sessionTracker.touchSession(cnxn.sessionId, cnxn.sessionTimeout_ms, Date.now());
    if (request.body.op === 'unknown') {
      cnxn.sendResponse(request.xid, -1, Code.UNIMPLEMENTED);
      return cnxn.close(`unknown opcode ${request.type}`);
    }
    this.inProcess++;
    if (this.inProcess > this.opts.globalOutstandingLimit && !this.paused.has(cnxn)) {
      // ZooKeeper stops reading from a client while too much is outstanding.
      this.paused.add(cnxn);
      cnxn.pauseReading();
    }
    const q = cnxn.queue;
    if (q.held.length > 0 || (q.writesInFlight > 0 && !isWrite(request.body))) {
      q.held.push(request);
      return;
    }
    this.dispatch(request, cnxn);
  }

  private dispatch(request: Request, cnxn: ServerCnxn): void {
    if (!isWrite(request.body)) {
      cnxn.answer(request.body.op, () => this.final.processRead(request, cnxn));
      this.requestFinished(request);
      return;
    }
    const body = request.body;
    let txn: Txn | undefined;
    cnxn.answer(body.op, () => {
      const zxid = this.lastZxid + 1; // spent only once the txn is prepared: no gap if prepare fails
      const time = Date.now();
      txn = body.op === 'setACL' ? this.prep.prepareSetACL(request, body.path, body.acl, body.version, zxid, time) : this.prep.prepare(request, zxid, time);
      this.nextZxid();
    });
    if (txn === undefined) return this.requestFinished(request);
    cnxn.queue.writesInFlight++;
    if (body.op === 'closeSession') this.sessionTracker.setSessionClosing(cnxn.sessionId);
    this.enqueue({ txn, request, cnxn });
  }

  /**
   * Releases what a connection held behind a write that is now answered. Stops while the
   * connection's replies are backlogged (it drains later, see cnxnDrained): held reads
   * must not pile replies on a client that does not read them.
   */
  private drain(cnxn: ServerCnxn): void {
    const q = cnxn.queue;
    while (q.held.length > 0 && !cnxn.replyBacklogged) {
      const next = q.held[0]!;
      if (!isWrite(next.body) && q.writesInFlight > 0) return;
      q.held.shift();
      this.dispatch(next, cnxn);
    }
  }

  private requestFinished(request: Request): void {
    this.inProcess--;
    const now = performance.now();
    const latency_ms = now - request.received_ms;
    request.owner.updateStatsForResponse?.(request.xid, request.type, now, latency_ms);
    this.stats.requestLatency(latency_ms);
    if (isWrite(request.body)) {
      this.metrics.UPDATE_LATENCY.add(latency_ms);
      this.metrics.PROPAGATION_LATENCY.add(latency_ms);
    } else {
      this.metrics.READ_LATENCY.add(latency_ms);
    }
    if (this.paused.size > 0 && this.inProcess <= this.opts.globalOutstandingLimit) {
      for (const c of this.paused) c.resumeReading();
      this.paused.clear();
    }
  }

  // --- replicate and persist: standalone hands each batch straight to the persister

  private nextZxid(): number {
    return ++this.lastZxid;
  }

  private enqueue(p: Pending): void {
    this.toPersist.push(p);
    if (!this.persisting) {
      this.persisting = true;
      // One turn of the event loop gathers a batch: one persist (one fsync) for all of it.
      setImmediate(() => void this.persistBatches());
    }
  }

  /**
   * Persists, applies and answers batch after batch. Answering is guarded per connection
   * (ServerCnxn.answer); what still throws here is the persister's afterApply or the tree
   * itself, an unknown state: the rejection reaches the process's last-resort handler,
   * which exits. `persisting` is cleared whatever happens, so writes never stall.
   */
  private async persistBatches(): Promise<void> {
    try {
      await this.persistAll();
    } finally {
      this.persisting = false;
    }
  }

  private async persistAll(): Promise<void> {
    while (this.toPersist.length > 0) {
      const batch = this.toPersist;
      this.toPersist = [];
      const started = performance.now();
      try {
        await this.persister.persist(batch.map((p) => p.txn));
      } catch (e) {
        this.persistFailed(batch, e as Error);
        continue;
      }
      this.metrics.FSYNC_TIME.add(performance.now() - started);
      this.metrics.SYNC_PROCESSOR_BATCH_SIZE.add(batch.length);
      this.metrics.SYNC_PROCESSOR_REQUEST_QUEUED.add(batch.length);
      for (const p of batch) this.applyAndReply(p);
      this.persister.afterApply?.(this.tree, () => this.sessionTracker.sessionsWithTimeouts());
    }
  }

  /**
   * The disk refused a batch (full, or failing): none of it is applied or acknowledged.
   * Everything prepared after it was prepared on top of it, so it fails too; prepare
   * starts again from the tree as it is, and the zxids are handed out again.
   */
  private persistFailed(batch: Pending[], e: Error): void {
    const failed = [...batch, ...this.toPersist];
    this.toPersist = [];
    this.opts.log?.(`could not persist ${failed.length} txns (zxid 0x${failed[0]!.txn.hdr.zxid.toString(16)} on): ${e.message}; failing them`);
    this.prep.clearOutstanding();
    this.lastZxid = this.tree.lastProcessedZxid;
    for (const p of failed) {
      const { request, cnxn, txn } = p;
      if (txn.body.kind === 'createSession') {
        const waiting = this.awaitingSession.get(txn.hdr.clientId);
        this.awaitingSession.delete(txn.hdr.clientId);
        this.sessionTracker.removeSession(txn.hdr.clientId);
        waiting?.cnxn.close('could not persist the new session');
        continue;
      }
      if (!request || !cnxn) continue;
      cnxn.queue.writesInFlight--;
      cnxn.sendResponse(request.xid, this.tree.lastProcessedZxid, Code.SYSTEMERROR);
      this.requestFinished(request);
      this.drain(cnxn);
    }
  }

  // --- apply and reply

  private applyAndReply(p: Pending): void {
    const { txn, request, cnxn } = p;
    const rc = this.final.applyTxn(txn);
    this.prep.applied(txn.hdr.zxid);
    if (txn.body.kind === 'createSession') this.sessionCreated(txn.hdr.clientId, txn.body.timeOut);
    if (request && cnxn) {
      cnxn.queue.writesInFlight--;
      cnxn.answer(request.body.op, () => this.final.replyToWrite(request, cnxn, txn, rc));
      this.requestFinished(request);
      if (request.type !== OpCode.closeSession) this.drain(cnxn);
    }
    // After the reply: closing the session closes its connection, and the client that asked
    // must still read the answer to its closeSession first.
    if (txn.body.kind === 'closeSession') this.sessionClosed(txn.hdr.clientId);
  }

  private sessionCreated(id: bigint, timeOut: number): void {
    const waiting = this.awaitingSession.get(id);
    if (!waiting) return;
    this.awaitingSession.delete(id);
    this.cnxnBySession.set(id, waiting.cnxn);
    waiting.cnxn.sendConnectResponse(timeOut, id, waiting.passwd);
  }

  private sessionClosed(id: bigint): void {
    this.sessionTracker.removeSession(id);
    const cnxn = this.cnxnBySession.get(id);
    if (cnxn) {
      this.cnxnBySession.delete(id);
      cnxn.close('session closed');
    }
  }

  // --- timers: session expiry and the ContainerManager

  private scheduleExpiry(): void {
    if (!this.running) return;
    const next = this.sessionTracker.nextExpiration_ms();
    // At least once a tick: a session created meanwhile may expire before `next`.
    const delay = next === undefined ? this.opts.tickTime_ms : Math.min(this.opts.tickTime_ms, Math.max(0, next - Date.now()));
    this.expiryTimer = setTimeout(() => {
      for (const id of this.sessionTracker.expiredSessions(Date.now())) {
        this.metrics.STALE_SESSIONS_EXPIRED.add(1);
        this.sessionTracker.setSessionClosing(id);
        this.enqueue({ txn: this.prep.prepareSessionExpiry(id, this.nextZxid(), Date.now()) });
      }
      this.scheduleExpiry();
    }, delay);
    this.expiryTimer.unref();
  }

  /** Deletes containers whose last child is gone and TTL nodes past their ttl, as txns. */
  checkContainers(now_ms = Date.now()): void {
    for (const path of this.tree.getContainerCandidates(now_ms)) {
      const txn = this.prep.prepareDeleteContainer(path, this.lastZxid + 1, now_ms);
      if (txn.body.kind === 'error') continue; // changed meanwhile; no zxid spent
      this.nextZxid();
      this.enqueue({ txn });
    }
  }
}
