// How a leader brings one learner up to date (Apache's LearnerHandler.syncFollower and
// queueCommittedProposals): from the learner's last zxid and the leader's committed-proposal
// window, DIFF (with PROPOSAL+COMMIT pairs for what the learner lacks), TRUNC (the learner
// has txns the leader never committed), or SNAP (the learner is older than the window). Pure.
import { epochOf, counterOf, zxidToString } from './zxid';
import { packet, PacketType, type QuorumPacket } from './quorum-packet';

/** A committed txn as the window keeps it: its zxid and its PROPOSAL bytes. */
export interface CommittedProposal {
  zxid: number;
  data: Buffer;
}

export interface SyncPlan {
  /** The packets to queue (empty for SNAP: the SNAP and its stream are the transport's). */
  packets: QuorumPacket[];
  snap: boolean;
  /** The last zxid the learner will have once the packets are through (Apache's currentZxid): forwarding starts after it. */
  upTo: number;
  /** One line for the log, in Apache's words. */
  why: string;
}

/**
 * `window` is oldest first and ends at the last committed txn; `lastProcessedZxid` is the
 * leader tree's. Mirrors Apache 3.8's order of cases, minus the txn-log branch (a learner
 * older than the window gets a SNAP; the database may hand the core a longer window instead).
 */
export function syncFollower(peerLastZxid: number, window: readonly CommittedProposal[], lastProcessedZxid: number): SyncPlan {
  const isPeerNewEpochZxid = counterOf(peerLastZxid) === 0;
  const minCommittedLog = window.length === 0 ? lastProcessedZxid : window[0]!.zxid;
  const maxCommittedLog = window.length === 0 ? lastProcessedZxid : window[window.length - 1]!.zxid;
  const range = `window ${zxidToString(minCommittedLog)}..${zxidToString(maxCommittedLog)}, peer ${zxidToString(peerLastZxid)}`;
  if (lastProcessedZxid === peerLastZxid) {
    return { packets: [packet(PacketType.DIFF, peerLastZxid)], snap: false, upTo: peerLastZxid, why: `Sending DIFF: the peer has our last zxid (${range})` };
  }
  if (peerLastZxid > maxCommittedLog && !isPeerNewEpochZxid) {
    return { packets: [packet(PacketType.TRUNC, maxCommittedLog)], snap: false, upTo: maxCommittedLog, why: `Sending TRUNC: the peer is ahead of what we committed (${range})` };
  }
  if (minCommittedLog <= peerLastZxid && peerLastZxid <= maxCommittedLog) {
    const q = queueCommittedProposals(window, peerLastZxid, maxCommittedLog);
    if (q) return { ...q, snap: false, why: `${q.op} from the committed log (${range})` };
  }
  return { packets: [], snap: true, upTo: lastProcessedZxid, why: `Sending SNAP: the peer is outside the committed log (${range})` };
}

/** The walk of Apache's queueCommittedProposals over the window; undefined where it would fall back to SNAP. */
function queueCommittedProposals(window: readonly CommittedProposal[], peerLastZxid: number, lastCommittedZxid: number): { packets: QuorumPacket[]; upTo: number; op: string } | undefined {
  const isPeerNewEpochZxid = counterOf(peerLastZxid) === 0;
  const packets: QuorumPacket[] = [];
  let op: string | undefined;
  let queued = peerLastZxid;
  let prev = -1;
  for (const p of window) {
    if (p.zxid < peerLastZxid) {
      prev = p.zxid;
      continue;
    }
    if (op === undefined) {
      if (p.zxid === peerLastZxid) {
        // The peer's last txn is in our history: everything after it.
        packets.push(packet(PacketType.DIFF, lastCommittedZxid));
        op = 'Sending DIFF';
        continue;
      }
      if (isPeerNewEpochZxid) {
        packets.push(packet(PacketType.DIFF, lastCommittedZxid));
        op = 'Sending DIFF';
      } else {
        // The peer has txns we never saw (it led once): back to the last one we share. A
        // TRUNC never crosses an epoch (the learner could not do it): SNAP then.
        if (epochOf(p.zxid) !== epochOf(peerLastZxid)) return undefined;
        packets.push(packet(PacketType.TRUNC, prev));
        op = 'Sending TRUNC';
      }
    }
    if (p.zxid <= queued) continue;
    packets.push(packet(PacketType.PROPOSAL, p.zxid, p.data), packet(PacketType.COMMIT, p.zxid));
    queued = p.zxid;
  }
  if (op === undefined && isPeerNewEpochZxid) {
    // Our history ends before the learner's new-epoch zxid and nothing came since: an empty DIFF.
    packets.push(packet(PacketType.DIFF, lastCommittedZxid));
    op = 'Sending DIFF';
  }
  if (op === undefined) return undefined;
  return { packets, upTo: queued, op };
}
