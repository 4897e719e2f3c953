// FollowerZooKeeperServer (and, with INFORM instead of PROPOSAL, the observer's): the
// request pipeline of a learner. Reads are answered from the local tree; writes, sync and
// new sessions go to the leader as REQUEST packets with the client's own bytes; a
// reconnect is checked with the leader (REVALIDATE); the leader's commits come back
// through commit-apply, which answers the client that waits for each (by session id and
// cxid). Sessions are the leader's to expire: the learner reports the ones its clients
// touch in each PING.
import { OpCode } from '../jute/constants';
import { Code } from '../jute/keeper-error';
import * as R from '../jute/records';
import { isWrite, type Request } from '../server/request';
import { ZooKeeperServer, type ServerCnxn, type ZooKeeperServerOptions } from '../server/zookeeper-server';
import type { Txn } from '../tree/txn';
import { packet, PacketType, type QuorumPacket } from './quorum-packet';
import { registerQuorumGauges } from './quorum-gauges';

/** Where a learner's requests go: the connection to the leader (FollowLeader.forward). */
export interface LeaderLink {
  forward(p: QuorumPacket): void;
}

export class FollowerZooKeeperServer extends ZooKeeperServer {
  /** Sessions touched since the last PING, with their timeouts. */
  private touched = new Map<bigint, number>();
  /** Reconnects waiting for the leader's REVALIDATE answer (Learner.pendingRevalidations). */
  private readonly pendingRevalidations = new Map<bigint, { cnxn: ServerCnxn; timeout: number }>();
  /** syncs sent to the leader, answered in order as its SYNC packets come (pendingSyncs). */
  private readonly pendingSyncs: { request: Request; cnxn: ServerCnxn }[] = [];

  constructor(
    opts: ZooKeeperServerOptions,
    private readonly leader: LeaderLink,
    /** The voting members' count, for the quorum_size gauge. */
    private readonly quorumSize = 0,
  ) {
    super(opts);
  }

  private unregisterGauges: (() => void) | undefined;

  override start(): void {
    super.start();
    this.unregisterGauges = registerQuorumGauges(this.metrics.provider, this.quorumSize);
  }

  override stop(): void {
    super.stop();
    this.unregisterGauges?.();
  }

  override get forwardsRequests(): boolean {
    return true;
  }

  protected override get ownsSessions(): boolean {
    return false;
  }

  /** A sync waits for the leader as a write does, and so do the session's later reads. */
  protected override waitsForCommit(body: Request['body']): boolean {
    return isWrite(body) || body.op === 'sync';
  }

  // --- what the leader sends back

  /** A txn the leader committed (after the learner logged it): apply it, answer its client. */
  commit(txn: Txn): void {
    this.commitApply.apply(txn);
    if (txn.body.kind === 'createSession' || txn.body.kind === 'closeSession') this.touched.delete(txn.hdr.clientId);
  }

  /** The leader's answer to a REVALIDATE. */
  revalidated(sessionId: bigint, valid: boolean): void {
    const waiting = this.pendingRevalidations.get(sessionId);
    if (!waiting) return;
    this.pendingRevalidations.delete(sessionId);
    if (valid) this.sessionTracker.addSession(sessionId, waiting.timeout, Date.now());
    this.finishSessionInit(waiting.cnxn, sessionId, waiting.timeout, valid);
  }

  /** The leader's SYNC: everything committed before the oldest pending sync is applied here. */
  synced(): void {
    const s = this.pendingSyncs.shift();
    if (!s) return;
    const path = s.request.body.op === 'sync' ? s.request.body.path : '';
    s.cnxn.answer('sync', () => s.cnxn.sendResponse(s.request.xid, this.tree.lastProcessedZxid, 0, R.SyncResponse, { path }));
    this.gate.writeAnswered(s.request, s.cnxn);
    this.gate.release(s.cnxn);
  }

  /** Sessions touched since the last PING (and forgets them): the PING's answer. */
  touches(): Map<bigint, number> {
    const t = this.touched;
    this.touched = new Map();
    return t;
  }

  // --- what goes to the leader

  override submit(request: Request, cnxn: ServerCnxn): void {
    this.touched.set(cnxn.sessionId, cnxn.sessionTimeout_ms);
    super.submit(request, cnxn);
  }

  protected override startWrite(request: Request, cnxn: ServerCnxn): boolean {
    if (request.body.op === 'sync') this.pendingSyncs.push({ request, cnxn });
    else this.commitApply.expect(request, cnxn);
    this.forwardRequest(cnxn.sessionId, request.xid, request.type, request.raw ?? Buffer.alloc(0), cnxn.authInfo);
    return true;
  }

  /** A new session: the leader makes it a txn (Learner.request of a createSession). */
  protected override createSession(id: bigint, timeout: number): void {
    this.touched.set(id, timeout);
    const to = Buffer.alloc(4);
    to.writeInt32BE(timeout);
    this.forwardRequest(id, 0, OpCode.createSession, to, []);
  }

  /** A reconnect: only the leader knows whether the session still lives (Learner.validateSession). */
  protected override revalidateSession(cnxn: ServerCnxn, id: bigint, timeout: number): void {
    if (this.pendingRevalidations.has(id)) return this.finishSessionInit(cnxn, id, timeout, false);
    this.pendingRevalidations.set(id, { cnxn, timeout });
    const data = Buffer.alloc(12);
    data.writeBigInt64BE(id, 0);
    data.writeInt32BE(timeout, 8);
    this.leader.forward(packet(PacketType.REVALIDATE, -1, data));
  }

  /** The sessionId, cxid and type of a request, then its bytes (Learner.request). */
  private forwardRequest(sessionId: bigint, cxid: number, type: number, bytes: Buffer, authinfo: R.Id[]): void {
    const head = Buffer.alloc(16);
    head.writeBigInt64BE(BigInt.asIntN(64, sessionId), 0);
    head.writeInt32BE(cxid, 8);
    head.writeInt32BE(type, 12);
    this.leader.forward(packet(PacketType.REQUEST, -1, Buffer.concat([head, bytes]), authinfo));
  }

  /** The leader is gone: what waits for it will not be answered here (clients reconnect elsewhere). */
  leaderLost(): void {
    for (const { cnxn } of this.pendingRevalidations.values()) cnxn.close('the leader is gone');
    this.pendingRevalidations.clear();
    for (const s of this.pendingSyncs.splice(0)) s.cnxn.sendResponse(s.request.xid, this.tree.lastProcessedZxid, Code.CONNECTIONLOSS);
  }
}
