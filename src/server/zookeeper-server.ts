// ZooKeeperServer: the standalone server's request pipeline (the gate → prepare → persist
// (sync-request-processor.ts) → commit-apply → reply) and the session lifecycle as txns. The gate and commit-apply are
// the parts every role shares; prepare and persist are what a standalone server (and,
// proposing instead of persisting alone, a leader) does with a write.
import { OpCode } from '../jute/constants';
import { Code } from '../jute/keeper-error';
import type { ConnectRequest } from '../jute/records';
import { SessionTracker } from '../session/session-tracker';
import { DataTree } from '../tree/data-tree';
import type { Txn } from '../tree/txn';
import { CommitApply } from './commit-apply';
import { FinalRequestProcessor, type ReplyTarget } from './final-request-processor';
import { PrepRequestProcessor } from './prep-request-processor';
import { quotaCheck } from './quota-check';
import { RateLogger } from '../log/rate-logger';
import { RequestGate } from './request-gate';
import { isWrite, type Request } from './request';
import { ServerStats } from './server-stats';
import { DefaultMetricsProvider } from '../metrics/default-metrics-provider';
import { createServerMetrics, type ServerMetrics } from '../metrics/server-metrics';
import { inMemoryPersister, SyncRequestProcessor, type TxnPersister } from './sync-request-processor';

/** What the pipeline needs of a client connection beyond replying. */
export interface ServerCnxn extends ReplyTarget {
  sessionId: bigint;
  /** The client's address and port, as the session lines name it. */
  readonly remoteAddress: string;
  readonly remotePort: number;
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
  /** Where writes past a quota are reported (rate-limited), and what is amiss in the quota nodes. */
  warn?: (line: string) => void;
  /** zookeeper.enforceQuota: a create or setData past a hard quota fails with QUOTAEXCEEDED. */
  enforceQuota?: boolean;
  /**
   * Where the server says, one line each at INFO, that a session was established (with its
   * negotiated timeout and client), expired, or lost its connection: Apache's lines, which
   * operators grep when a Kafka broker drops out. (Apache 3.8 logs the first and the last
   * at DEBUG; 3.4 had them at INFO, where the runbooks found them.)
   */
  sessionLog?: (line: string) => void;
  /** How often the ContainerManager looks for empty containers and expired TTL nodes. */
  containerCheckInterval_ms?: number;
  /** Where metrics go; ZooKeeper's default provider (for mntr) when not given. */
  metrics?: ServerMetrics;
  /** The tree to serve (a quorum peer's ZKDatabase keeps it across roles); a new one when not given. */
  tree?: DataTree;
}


export class ZooKeeperServer {
  readonly tree: DataTree;
  readonly stats = new ServerStats();
  readonly metrics: ServerMetrics;
  readonly sessionTracker: SessionTracker;
  protected readonly prep: PrepRequestProcessor;
  protected readonly final: FinalRequestProcessor;
  protected readonly gate: RequestGate;
  protected readonly commitApply: CommitApply;
  private readonly persister: TxnPersister;
  private readonly sync: SyncRequestProcessor;

  /** The last zxid handed out by prepare (epoch 0 while standalone). */
  protected lastZxid = 0;
  /** The live connection of each session, to close the old one on reconnect or expiry. */
  protected readonly cnxnBySession = new Map<bigint, ServerCnxn>();
  /** Connections waiting for their createSession txn to apply. */
  protected readonly awaitingSession = new Map<bigint, { cnxn: ServerCnxn; passwd: Buffer }>();
  private expiryTimer: NodeJS.Timeout | undefined;
  private containerTimer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(readonly opts: ZooKeeperServerOptions) {
    this.tree = opts.tree ?? new DataTree(opts.extendedTypesEnabled, { skipACL: opts.skipACL });
    const metrics = (this.metrics = opts.metrics ?? createServerMetrics(new DefaultMetricsProvider()));
    this.tree.dataWatches.onTriggered = this.tree.childWatches.onTriggered = (type, n) => metrics.watchesTriggered(type, n);
    this.tree.onAccess = { read: (path, bytes) => metrics.readPerNamespace(path, bytes), write: (path, bytes) => metrics.writePerNamespace(path, bytes) };
    const warn = opts.warn ?? (() => {});
    this.tree.onQuotaWarning = warn;
    this.sessionTracker = new SessionTracker(opts.tickTime_ms, opts.serverId, Date.now());
    this.persister = opts.persister ?? inMemoryPersister;
    this.prep = new PrepRequestProcessor(this.tree, {
      skipACL: opts.skipACL,
      extendedTypesEnabled: opts.extendedTypesEnabled,
      isSessionValid: (id) => this.sessionTracker.isActive(id),
      checkQuota: quotaCheck(this.tree, {
        enforceQuota: opts.enforceQuota ?? false,
        log: new RateLogger(warn),
        error: opts.log ?? warn,
        exceeded: (namespace) => metrics.quotaExceeded(namespace),
      }),
    });
    this.final = new FinalRequestProcessor(this.tree, { skipACL: opts.skipACL });
    this.gate = new RequestGate(opts.globalOutstandingLimit, (body) => this.waitsForCommit(body), {
      read: (request, cnxn) => this.final.processRead(request, cnxn),
      write: (request, cnxn) => this.startWrite(request, cnxn),
      finished: (request) => this.requestFinished(request),
    });
    this.sync = new SyncRequestProcessor(this.persister, metrics, {
      persisted: (batch) => {
        for (const txn of batch) this.commitApply.apply(txn);
        this.persister.afterApply?.(this.tree, () => this.sessionTracker.sessionsWithTimeouts());
      },
      failed: (txns, e) => this.persistFailed(txns, e),
    });
    this.commitApply = new CommitApply(this.final, 0, {
      applied: (txn) => this.applied(txn),
      answered: (request, cnxn) => {
        this.gate.writeAnswered(request, cnxn);
        if (request.type !== OpCode.closeSession) this.gate.release(cnxn);
      },
      // After the reply: closing the session closes its connection, and the client that
      // asked must still read the answer to its closeSession first.
      done: (txn) => {
        if (txn.body.kind === 'closeSession') this.sessionClosed(txn.hdr.clientId);
      },
    });
  }

  /** Sessions restored from disk: alive again, each given its full timeout from now. */
  restoreSessions(sessions: Map<bigint, number>): void {
    const now = Date.now();
    for (const [id, timeout] of sessions) this.sessionTracker.addSession(id, timeout, now);
  }

  start(): void {
    this.running = true;
    this.lastZxid = Math.max(this.lastZxid, this.tree.lastProcessedZxid);
    this.commitApply.resetTo(this.tree.lastProcessedZxid);
    if (!this.ownsSessions) return;
    this.scheduleExpiry();
    const every = this.opts.containerCheckInterval_ms ?? 60_000;
    this.containerTimer = setInterval(() => this.checkContainers(), every);
    this.containerTimer.unref();
  }

  /**
   * Whether this server expires sessions and deletes empty containers (standalone, leader);
   * a learner leaves both to its leader.
   */
  protected get ownsSessions(): boolean {
    return true;
  }

  /** Whether requests are forwarded to a leader as they came (a learner): the connection keeps their bytes. */
  get forwardsRequests(): boolean {
    return false;
  }

  /** Whether a request waits for a commit, and the session's later reads behind it. */
  protected waitsForCommit(body: Request['body']): boolean {
    return isWrite(body);
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
    return this.gate.outstanding;
  }

  get lastProcessedZxid(): number {
    return this.tree.lastProcessedZxid;
  }

  // --- sessions

  /** A ConnectRequest: a new session (a txn), or a reconnect to a live one. */
  /**
   * Whether this server may answer now: always when standalone; a leader that cannot know it
   * still leads may not (LeaderZooKeeperServer), and its client is sent elsewhere.
   */
  protected mayServe(): boolean {
    return true;
  }

  processConnectRequest(cnxn: ServerCnxn, req: ConnectRequest): void {
    if (!this.mayServe()) return cnxn.close('this server cannot know it still leads');
    if (req.lastZxidSeen > this.tree.lastProcessedZxid) {
      // The client has seen a newer state than ours: it must find another server.
      return cnxn.close(`client has seen zxid 0x${req.lastZxidSeen.toString(16)}, ours is 0x${this.tree.lastProcessedZxid.toString(16)}`);
    }
    const timeout = Math.min(Math.max(req.timeOut, this.opts.minSessionTimeout_ms), this.opts.maxSessionTimeout_ms);
    cnxn.sessionTimeout_ms = timeout;
    if (req.sessionId === 0n) {
      this.metrics.CONNECTION_REQUEST_COUNT.add(1);
      const id = this.sessionTracker.createSession(timeout, Date.now());
      cnxn.sessionId = id;
      this.awaitingSession.set(id, { cnxn, passwd: this.sessionTracker.passwordFor(id) });
      return this.createSession(id, timeout);
    }
    const id = req.sessionId;
    if (req.passwd === null || !this.sessionTracker.checkPassword(id, req.passwd)) return this.finishSessionInit(cnxn, id, timeout, false);
    this.revalidateSession(cnxn, id, timeout);
  }

  /** A new session is a txn: it is answered when the txn applies (sessionCreated). */
  protected createSession(id: bigint, timeout: number): void {
    this.enqueue(this.prep.prepareCreateSession(id, timeout, this.nextZxid(), Date.now()));
  }

  /** A client back with its session id and password: is the session still alive? */
  protected revalidateSession(cnxn: ServerCnxn, id: bigint, timeout: number): void {
    this.finishSessionInit(cnxn, id, timeout, this.sessionTracker.touchSession(id, timeout, Date.now()));
  }

  /** ZooKeeperServer.finishSessionInit: the ConnectResponse of a reconnect, or the refusal. */
  protected finishSessionInit(cnxn: ServerCnxn, id: bigint, timeout: number, valid: boolean): void {
    if (!valid) {
      cnxn.sendConnectResponse(0, 0n, Buffer.alloc(16));
      return cnxn.close('session expired or bad password');
    }
    const previous = this.cnxnBySession.get(id);
    if (previous && previous !== cnxn) previous.close('client reconnected on another connection');
    cnxn.sessionId = id;
    this.cnxnBySession.set(id, cnxn);
    cnxn.sendConnectResponse(timeout, id, this.sessionTracker.passwordFor(id));
    this.sessionEstablished(cnxn, id, timeout);
  }

  private sessionEstablished(cnxn: ServerCnxn, id: bigint, timeout: number): void {
    this.opts.sessionLog?.(`Established session 0x${id.toString(16)} with negotiated timeout ${timeout} for client ${clientOf(cnxn)}`);
  }

  /** The connection is gone; its session lives on until it expires or the client returns. */
  connectionClosed(cnxn: ServerCnxn): void {
    if (cnxn.sessionId !== 0n) {
      this.opts.sessionLog?.(`Closed socket connection for client ${clientOf(cnxn)} which had sessionid 0x${cnxn.sessionId.toString(16)}`);
    }
    this.gate.connectionClosed(cnxn);
    if (this.cnxnBySession.get(cnxn.sessionId) === cnxn) this.cnxnBySession.delete(cnxn.sessionId);
    this.tree.removeWatcher(cnxn.watcher);
  }

  // --- requests

  /** The connection's socket has sent its backlog: release what it held meanwhile. */
  cnxnDrained(cnxn: ServerCnxn): void {
    this.gate.release(cnxn);
  }

  /** Every request of a connected client, in the order the client sent them. */
  submit(request: Request, cnxn: ServerCnxn): void {
    if (!this.mayServe()) return cnxn.close('this server cannot know it still leads');
    this.stats.packetReceived();
    this.metrics.PREP_PROCESSOR_REQUEST_QUEUED.add(1);
    this.sessionTracker.touchSession(cnxn.sessionId, cnxn.sessionTimeout_ms, Date.now());
    if (request.body.op === 'unknown') {
      cnxn.sendResponse(request.xid, -1, Code.UNIMPLEMENTED);
      return cnxn.close(`unknown opcode ${request.type}`);
    }
    this.gate.submit(request, cnxn);
  }

  /** Prepares a write into a txn and hands it on; false if prepare itself failed (answered). */
  protected startWrite(request: Request, cnxn: ServerCnxn): boolean {
    const body = request.body;
    let txn: Txn | undefined;
    cnxn.answer(body.op, () => (txn = this.prepareWrite(request)));
    if (txn === undefined) return false;
    if (body.op === 'closeSession') this.sessionTracker.setSessionClosing(cnxn.sessionId);
    this.commitApply.expect(request, cnxn);
    this.enqueue(txn);
    return true;
  }

  /** Prepares a write into its txn; the zxid is spent only once prepare succeeded (no gap when it throws). */
  protected prepareWrite(request: Request): Txn {
    const body = request.body;
    const zxid = this.lastZxid + 1;
    const time = Date.now();
    const txn = body.op === 'setACL' ? this.prep.prepareSetACL(request, body.path, body.acl, body.version, zxid, time) : this.prep.prepare(request, zxid, time);
    this.nextZxid();
    return txn;
  }

  private requestFinished(request: Request): void {
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
  }

  // --- replicate and persist: standalone hands each batch straight to the persister

  protected nextZxid(): number {
    return ++this.lastZxid;
  }

  protected enqueue(txn: Txn): void {
    this.sync.enqueue(txn);
  }

  /**
   * The disk refused a batch (full, or failing): none of it is applied or acknowledged.
   * Everything prepared after it was prepared on top of it, so it fails too; prepare
   * starts again from the tree as it is, and the zxids are handed out again.
   */
  private persistFailed(failed: Txn[], e: Error): void {
    this.opts.log?.(`could not persist ${failed.length} txns (zxid 0x${failed[0]!.hdr.zxid.toString(16)} on): ${e.message}; failing them`);
    this.prep.clearOutstanding();
    this.lastZxid = this.tree.lastProcessedZxid;
    for (const txn of failed) {
      if (txn.body.kind === 'createSession') {
        const waiting = this.awaitingSession.get(txn.hdr.clientId);
        this.awaitingSession.delete(txn.hdr.clientId);
        this.sessionTracker.removeSession(txn.hdr.clientId);
        waiting?.cnxn.close('could not persist the new session');
        continue;
      }
      this.commitApply.fail(txn, Code.SYSTEMERROR, this.tree.lastProcessedZxid);
    }
  }

  // --- after commit-apply applied a txn

  /** What a txn does to sessions before its reply (commit-apply); a close comes after it. */
  private applied(txn: Txn): void {
    this.prep.applied(txn.hdr.zxid);
    if (txn.body.kind === 'createSession') this.sessionCreated(txn.hdr.clientId, txn.body.timeOut);
  }

  private sessionCreated(id: bigint, timeOut: number): void {
    const waiting = this.awaitingSession.get(id);
    if (!waiting) return;
    this.awaitingSession.delete(id);
    this.cnxnBySession.set(id, waiting.cnxn);
    waiting.cnxn.sendConnectResponse(timeOut, id, waiting.passwd);
    this.sessionEstablished(waiting.cnxn, id, timeOut);
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
      if (!this.mayServe()) return; // its sessions are the next leader's to expire
      for (const id of this.sessionTracker.expiredSessions(Date.now())) {
        this.opts.sessionLog?.(`Expiring session 0x${id.toString(16)}, timeout of ${this.sessionTracker.timeoutOf(id)}ms exceeded`);
        this.metrics.STALE_SESSIONS_EXPIRED.add(1);
        this.sessionTracker.setSessionClosing(id);
        this.enqueue(this.prep.prepareSessionExpiry(id, this.nextZxid(), Date.now()));
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
      this.enqueue(txn);
    }
  }
}

/** A client as Java prints an InetSocketAddress: /address:port. */
function clientOf(cnxn: ServerCnxn): string {
  return `/${cnxn.remoteAddress}:${cnxn.remotePort}`;
}
