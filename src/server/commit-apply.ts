// Commit-apply (Apache's CommitProcessor and FinalRequestProcessor together): applies
// committed txns to the tree strictly in zxid order, and answers the local request that
// waits for each — matched by session id and cxid, so one mechanism serves the standalone
// server (its own txns), the leader (txns it proposed) and a learner (txns of its clients'
// forwarded writes, committed by the leader).
import { Code } from '../jute/keeper-error';
import type { Txn } from '../tree/txn';
import type { ProcessTxnResult } from '../tree/data-tree';
import type { FinalRequestProcessor } from './final-request-processor';
import type { Request } from './request';
import type { ServerCnxn } from './zookeeper-server';

interface Waiting {
  request: Request;
  cnxn: ServerCnxn;
}

export interface CommitApplyHooks {
  /** After a txn is applied, before its reply. */
  applied(txn: Txn, rc: ProcessTxnResult): void;
  /** After the reply: a write of this connection was answered. */
  answered(request: Request, cnxn: ServerCnxn): void;
  /** Last, whether or not a local request waited (a closed session's connection closes here, after its answer). */
  done(txn: Txn): void;
}

export class CommitApply {
  private lastApplied: number;
  /**
   * Local writes waiting for their commit, per session, in the order submitted. A write
   * whose connection closed stays: it still applies, and its answer (into the closed
   * connection) is what ends its count against globalOutstandingLimit.
   */
  private readonly waiting = new Map<bigint, Waiting[]>();

  constructor(
    private readonly final: FinalRequestProcessor,
    lastApplied: number,
    private readonly hooks: CommitApplyHooks,
  ) {
    this.lastApplied = lastApplied;
  }

  /** A local write is on its way to a commit: its reply goes out when it applies. */
  expect(request: Request, cnxn: ServerCnxn): void {
    let q = this.waiting.get(cnxn.sessionId);
    if (!q) this.waiting.set(cnxn.sessionId, (q = []));
    q.push({ request, cnxn });
  }

  /** The tree was replaced (a snapshot loaded, a log truncated): commits go on from here. */
  resetTo(zxid: number): void {
    this.lastApplied = zxid;
  }

  /** Applies a committed txn and answers the request that made it, if it is ours. */
  apply(txn: Txn): void {
    const zxid = txn.hdr.zxid;
    // DESIGN.md's invariant: every member applies the same txns in the same order.
    if (zxid <= this.lastApplied) throw new Error(`commit of zxid 0x${zxid.toString(16)} after 0x${this.lastApplied.toString(16)}: commits must apply in zxid order`);
    this.lastApplied = zxid;
    const rc = this.final.applyTxn(txn);
    this.hooks.applied(txn, rc);
    const w = this.take(txn.hdr.clientId, txn.hdr.cxid);
    if (w) {
      // SESSIONMOVED is a connection-level error: the connection is torn down unanswered, as
      // Apache's FinalRequestProcessor does (ZOOKEEPER-710: a client must not keep two members).
      if (sessionMoved(txn)) w.cnxn.close('its session moved to another member');
      else w.cnxn.answer(w.request.body.op, () => this.final.replyToWrite(w.request, w.cnxn, txn, rc));
      this.hooks.answered(w.request, w.cnxn);
    }
    this.hooks.done(txn);
  }

  /** A write that will not commit (the disk refused it): answer it with `err` instead. */
  fail(txn: Txn, err: number, zxid: number): void {
    const w = this.take(txn.hdr.clientId, txn.hdr.cxid);
    if (!w) return;
    w.cnxn.answer(w.request.body.op, () => w.cnxn.sendResponse(w.request.xid, zxid, err));
    this.hooks.answered(w.request, w.cnxn);
  }

  /** The waiting request of this session with this cxid (the oldest, as writes commit in order). */
  private take(sessionId: bigint, cxid: number): Waiting | undefined {
    const q = this.waiting.get(sessionId);
    if (!q) return undefined;
    // Writes commit in the order submitted: the oldest is nearly always the one (taken
    // without making an array); otherwise it is looked for.
    let w: Waiting | undefined;
    if (q[0]!.request.xid === cxid) w = q.shift();
    else {
      const i = q.findIndex((x) => x.request.xid === cxid);
      if (i < 0) return undefined;
      w = q.splice(i, 1)[0];
    }
    if (q.length === 0) this.waiting.delete(sessionId);
    return w;
  }
}

/** An error txn (or a multi's sub-result) that says the session moved to another member. */
function sessionMoved(txn: Txn): boolean {
  const b = txn.body;
  if (b.kind === 'error') return b.err === Code.SESSIONMOVED;
  return b.kind === 'multi' && b.txns.some((t) => t.body.kind === 'error' && t.body.err === Code.SESSIONMOVED);
}
