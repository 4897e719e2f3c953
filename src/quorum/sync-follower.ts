// How a leader brings one learner up to date (Apache's LearnerHandler.syncFollower and
// queueCommittedProposals): from the learner's last zxid, the leader's committed-proposal
// window and, for a learner older than the window, the leader's txn log: DIFF (with
// PROPOSAL+COMMIT pairs for what the learner lacks), TRUNC (the learner has txns the leader
// never committed), or SNAP (nothing the leader holds reaches back to the learner). Pure.
import { epochOf, counterOf, zxidToString } from './zxid';
import { packet, PacketType, type QuorumPacket } from './quorum-packet';

/** A committed txn as the window keeps it: its zxid and its PROPOSAL bytes. */
export interface CommittedProposal {
  zxid: number;
  data: Buffer;
}

/**
 * What the txn log can add for a learner older than the window: 'disabled' (Apache's
 * isTxnLogSyncEnabled false: snapshotSizeFactor < 0), 'unread' (enabled, not read yet: the
 * plan asks for it), or the proposals read (getProposalsFromTxnLog, oldest first; empty when
 * the log does not reach back to the learner or is past the size limit).
 */
export type TxnLogProposals = 'disabled' | 'unread' | readonly CommittedProposal[];

export interface SyncPlan {
  /** The packets to queue (empty for SNAP: the SNAP and its stream are the transport's). */
  packets: QuorumPacket[];
  snap: boolean;
  /** The last zxid the learner will have once the packets are through (Apache's currentZxid): forwarding starts after it. */
  upTo: number;
  /** One line for the log, in Apache's words. */
  why: string;
  /**
   * Set when the plan needs the txn log first: read the proposals after the learner's zxid
   * up to this one (the window's first; Apache's maxZxid for the log part), then plan again
   * with them. Nothing else in the plan is to be carried out.
   */
  readTxnLogUpTo?: number;
}

/**
 * `window` is oldest first and ends at the last committed txn; `lastProcessedZxid` is the
 * leader tree's. Mirrors Apache 3.8's order of cases.
 */
export function syncFollower(peerLastZxid: number, window: readonly CommittedProposal[], lastProcessedZxid: number, txnLog: TxnLogProposals = 'disabled'): SyncPlan {
  const isPeerNewEpochZxid = counterOf(peerLastZxid) === 0;
  const minCommittedLog = window.length === 0 ? lastProcessedZxid : window[0]!.zxid;
  const maxCommittedLog = window.length === 0 ? lastProcessedZxid : window[window.length - 1]!.zxid;
  const range = `window ${zxidToString(minCommittedLog)}..${zxidToString(maxCommittedLog)}, peer ${zxidToString(peerLastZxid)}`;
  const snap = (why: string): SyncPlan => ({ packets: [], snap: true, upTo: lastProcessedZxid, why: `Sending SNAP: ${why} (${range})` });
  if (lastProcessedZxid === peerLastZxid) {
    return { packets: [packet(PacketType.DIFF, peerLastZxid)], snap: false, upTo: peerLastZxid, why: `Sending DIFF: the peer has our last zxid (${range})` };
  }
  if (peerLastZxid > maxCommittedLog && !isPeerNewEpochZxid) {
    return { packets: [packet(PacketType.TRUNC, maxCommittedLog)], snap: false, upTo: maxCommittedLog, why: `Sending TRUNC: the peer is ahead of what we committed (${range})` };
  }
  if (minCommittedLog <= peerLastZxid && peerLastZxid <= maxCommittedLog) {
    const q = new ProposalQueue(peerLastZxid, maxCommittedLog);
    q.add(window, peerLastZxid);
    if (q.op) return { packets: q.packets, snap: false, upTo: q.queued, why: `${q.op} from the committed log (${range})` };
    return snap('no DIFF or TRUNC fits the committed log');
  }
  if (peerLastZxid < minCommittedLog && txnLog !== 'disabled') {
    if (txnLog === 'unread') return { packets: [], snap: false, upTo: peerLastZxid, why: `reading the txn log (${range})`, readTxnLogUpTo: minCommittedLog };
    if (txnLog.length === 0) return snap('the txn log does not reach back to the peer, or is larger than the limit');
    // The log up to the window's start, then the window on top (the log's last txns are in both).
    const q = new ProposalQueue(peerLastZxid, maxCommittedLog);
    q.add(txnLog, peerLastZxid, minCommittedLog);
    if (q.queued < minCommittedLog) return snap(`a gap between the end of the txn log ${zxidToString(q.queued)} and the start of the committed log`);
    q.add(window, q.queued);
    if (q.op) return { packets: q.packets, snap: false, upTo: q.queued, why: `${q.op} from the txn log and the committed log (${range})` };
    return snap('no DIFF or TRUNC fits the txn log');
  }
  return snap('the peer is outside the committed log');
}

/**
 * The walk of Apache's queueCommittedProposals; one queue serves both of its calls for a
 * txn-log sync (the op packet, DIFF or TRUNC, goes first, once). `op` stays undefined where
 * Apache would fall back to SNAP.
 */
class ProposalQueue {
  readonly packets: QuorumPacket[] = [];
  op: string | undefined;
  /** The last zxid queued (Apache's queuedZxid / currentZxid). */
  queued: number;

  constructor(
    peerLastZxid: number,
    /** The DIFF's zxid: the leader's last committed, as Zab 1.0 wants. */
    private readonly lastCommittedZxid: number,
  ) {
    this.queued = peerLastZxid;
  }

  /** The proposals after `peerLastZxid` (oldest first), up to maxZxid when given. */
  add(proposals: readonly CommittedProposal[], peerLastZxid: number, maxZxid?: number): void {
    const isPeerNewEpochZxid = counterOf(peerLastZxid) === 0;
    let prev = -1;
    for (const p of proposals) {
      if (maxZxid !== undefined && p.zxid > maxZxid) break;
      if (p.zxid < peerLastZxid) {
        prev = p.zxid;
        continue;
      }
      if (this.op === undefined) {
        if (p.zxid === peerLastZxid) {
          // The peer's last txn is in our history: everything after it.
          this.packets.push(packet(PacketType.DIFF, this.lastCommittedZxid));
          this.op = 'Sending DIFF';
          continue;
        }
        if (isPeerNewEpochZxid) {
          this.packets.push(packet(PacketType.DIFF, this.lastCommittedZxid));
          this.op = 'Sending DIFF';
        } else {
          // The peer has txns we never saw (it led once): back to the last one we share. A
          // TRUNC never crosses an epoch (the learner could not do it): SNAP then.
          if (epochOf(p.zxid) !== epochOf(peerLastZxid)) return;
          this.packets.push(packet(PacketType.TRUNC, prev));
          this.op = 'Sending TRUNC';
        }
      }
      if (p.zxid <= this.queued) continue;
      this.packets.push(packet(PacketType.PROPOSAL, p.zxid, p.data), packet(PacketType.COMMIT, p.zxid));
      this.queued = p.zxid;
    }
    if (this.op === undefined && isPeerNewEpochZxid) {
      // Our history ends before the learner's new-epoch zxid and nothing came since: an empty DIFF.
      this.packets.push(packet(PacketType.DIFF, this.lastCommittedZxid));
      this.op = 'Sending DIFF';
    }
  }
}
