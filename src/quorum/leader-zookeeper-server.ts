// LeaderZooKeeperServer: the standalone pipeline with one change — a prepared txn is
// proposed to the quorum (Lead) instead of persisted alone, and applied when the quorum
// commits it. It also prepares the writes its learners forward (REQUEST), owns every
// session (creates them for learners, takes their touches from PINGs, answers REVALIDATE,
// expires them), and answers a learner's sync once what came before it is proposed.
import { Reader } from '../jute/codec';
import { OpCode } from '../jute/constants';
import { Code } from '../jute/keeper-error';
import { decodeRequestBody, type Request, type RequestOwner } from '../server/request';
import { ZooKeeperServer, type ServerCnxn, type ZooKeeperServerOptions } from '../server/zookeeper-server';
import type { Txn } from '../tree/txn';
import type { LearnerRequest } from './lead';
import type { LearnerId } from './leader';
import type { LeaderStats } from './leader-stats';
import { registerLeaderGauges } from './quorum-gauges';
import { makeZxid } from './zxid';

/** Where the leader's txns go, and its answers to learners (Lead). */
export interface Proposer {
  propose(txn: Txn): void;
  syncReached(learner: LearnerId): void;
  revalidated(learner: LearnerId, sessionId: bigint, valid: boolean): void;
  /** False once this leader cannot know it still leads (Lead.leaseHeld). */
  leaseHeld(): boolean;
}

/** The owner of a session whose client is on the leader itself (Apache's ServerCnxn.me). */
const LOCAL = 'local';
type SessionOwner = LearnerId | typeof LOCAL;

/** A learner's request as prepare sees it: the learner it came through is its session's owner. */
interface LearnerRequestOwner extends RequestOwner {
  learner: LearnerId;
}

export class LeaderZooKeeperServer extends ZooKeeperServer {
  /**
   * Which member each session's client is on (SessionTrackerImpl's owner): set where the
   * session is created or revalidated. A write that comes through another member is
   * refused with SESSIONMOVED — the client has moved on, and its old connection must not
   * change anything (as Apache's checkSession).
   */
  private readonly owners = new Map<bigint, SessionOwner>();

  constructor(
    opts: ZooKeeperServerOptions,
    private readonly proposer: Proposer,
    /** The epoch this leader leads: its zxids start at (epoch, 0). */
    private readonly epoch: number,
    /** For the leader's gauges (learners, synced_followers, ...) and srvr's proposal sizes. */
    readonly leaderStats: LeaderStats,
    private readonly quorumSize: number,
  ) {
    super(opts);
  }

  private unregisterGauges: (() => void) | undefined;

  override start(): void {
    super.start();
    this.unregisterGauges = registerLeaderGauges(this.metrics.provider, this.leaderStats, this.quorumSize);
    // A new epoch's first zxid is (epoch, 1): the counter starts again.
    this.lastZxid = Math.max(this.lastZxid, makeZxid(this.epoch, 0));
  }

  override stop(): void {
    super.stop();
    this.unregisterGauges?.();
  }


  /** Proposed to the quorum instead of persisted alone. */
  protected override enqueue(txn: Txn): void {
    this.proposer.propose(txn);
  }

  protected override mayServe(): boolean {
    return this.proposer.leaseHeld();
  }

  /** A learner's client request (LearnerHandler's REQUEST), prepared here as a local one would be. */
  learnerRequest(r: LearnerRequest): void {
    if (!this.mayServe()) return;
    if (r.type === OpCode.sync) return this.proposer.syncReached(r.learner);
    const now = Date.now();
    if (r.type === OpCode.createSession) {
      if (r.request.length < 4) return;
      const timeout = r.request.readInt32BE(0);
      // Every session is the leader's to expire, whichever member its client is on.
      this.sessionTracker.addSession(r.sessionId, timeout, now);
      this.owners.set(r.sessionId, r.learner);
      return this.enqueue(this.prep.prepareCreateSession(r.sessionId, timeout, this.nextZxid(), now));
    }
    this.sessionTracker.touchSession(r.sessionId, this.sessionTracker.timeoutOf(r.sessionId) ?? 0, now);
    let txn: Txn;
    try {
      const body = decodeRequestBody(r.type, new Reader(r.request));
      const owner: LearnerRequestOwner = { sessionId: r.sessionId, authInfo: r.authinfo, remoteAddress: `learner ${r.learner}`, learner: r.learner };
      txn = this.prepareWrite({ xid: r.cxid, type: r.type, body, owner, received_ms: performance.now() });
    } catch (e) {
      // Bytes no client could have sent, or a bug met by this one request: it is dropped (its
      // client times out and retries elsewhere), never the leader.
      this.opts.log?.(`dropping a request of session 0x${r.sessionId.toString(16)} from learner ${r.learner}: ${(e as Error).message}`);
      return;
    }
    if (txn.body.kind === 'closeSession') this.sessionTracker.setSessionClosing(r.sessionId);
    this.enqueue(txn);
  }

  /** A learner's PING carried its clients' session touches. */
  touch(sessionId: bigint, timeout: number): void {
    this.sessionTracker.touchSession(sessionId, timeout, Date.now());
  }

  /** A learner asks whether a client may reconnect to it with this session (LearnerHandler REVALIDATE). */
  revalidate(learner: LearnerId, sessionId: bigint, timeout: number): void {
    if (!this.mayServe()) return;
    const valid = this.sessionTracker.touchSession(sessionId, timeout, Date.now());
    if (valid) this.owners.set(sessionId, learner);
    this.proposer.revalidated(learner, sessionId, valid);
  }

  // --- session owners

  protected override createSession(id: bigint, timeout: number): void {
    this.owners.set(id, LOCAL);
    super.createSession(id, timeout);
  }

  protected override finishSessionInit(cnxn: ServerCnxn, id: bigint, timeout: number, valid: boolean): void {
    if (valid) this.owners.set(id, LOCAL);
    super.finishSessionInit(cnxn, id, timeout, valid);
  }

  /** A write from a member that no longer owns its session is SESSIONMOVED (an error txn, as Apache's prepare makes it). */
  protected override prepareWrite(request: Request): Txn {
    const sessionId = request.owner.sessionId;
    const from: SessionOwner = 'learner' in request.owner ? (request.owner as LearnerRequestOwner).learner : LOCAL;
    const owner = this.owners.get(sessionId);
    if (owner === undefined) this.owners.set(sessionId, from);
    else if (owner !== from && request.body.op !== 'closeSession') {
      const zxid = this.lastZxid + 1;
      this.nextZxid();
      return { hdr: { clientId: sessionId, cxid: request.xid, zxid, time: Date.now(), type: OpCode.error }, body: { kind: 'error', err: Code.SESSIONMOVED } };
    }
    return super.prepareWrite(request);
  }

  /** The quorum committed a txn (after a quorum logged it): apply it, answer its local client; a closed session loses its owner. */
  commit(txn: Txn): void {
    this.commitApply.apply(txn);
    if (txn.body.kind === 'closeSession') this.owners.delete(txn.hdr.clientId);
  }
}
