// The committed-proposal window (ZKDatabase.committedLog): the last commitLogCount or so
// committed txns, kept as the PROPOSAL packets a leader sends a learner that is only a little
// behind (a DIFF from memory), with the zxids it covers (minCommittedLog, maxCommittedLog).
import { Writer } from '../jute/codec';
import type { Txn } from '../tree/txn';
import { encodeTxn } from './txn-codec';

/** zookeeper.commitLogCount: Apache's default, and the least it accepts (a smaller value is raised to it). */
export const DEFAULT_COMMIT_LOG_COUNT = 500;

/** A committed txn as a leader sends it: its zxid and the bytes of a PROPOSAL's data (TxnHeader + body, Util.marshallTxnEntry without a digest). */
export interface Proposal {
  zxid: number;
  data: Buffer;
}

export class CommittedLog {
  private readonly proposals: Proposal[] = [];
  /** 0 while the window is empty, as Apache's. */
  minCommittedLog = 0;
  maxCommittedLog = 0;
  private readonly w = new Writer(1024);
  readonly commitLogCount: number;

  constructor(commitLogCount = DEFAULT_COMMIT_LOG_COUNT) {
    this.commitLogCount = Math.max(commitLogCount, DEFAULT_COMMIT_LOG_COUNT);
  }

  /**
   * ZKDatabase.addCommittedProposal: the oldest goes only once the window holds MORE than
   * commitLogCount, before the new one is added, so a full window holds commitLogCount + 1
   * (what Apache's learners are diffed against; measured in the unit test).
   */
  add(txn: Txn): void {
    const zxid = txn.hdr.zxid;
    if (this.proposals.length > 0 && zxid <= this.maxCommittedLog) {
      throw new Error(`committed log: zxid 0x${zxid.toString(16)} is not after 0x${this.maxCommittedLog.toString(16)}`);
    }
    if (this.proposals.length > this.commitLogCount) {
      this.proposals.shift();
      this.minCommittedLog = this.proposals[0]!.zxid;
    }
    if (this.proposals.length === 0) this.minCommittedLog = zxid;
    this.proposals.push({ zxid, data: encodeTxn(txn, this.w) });
    this.maxCommittedLog = zxid;
  }

  /** The window, oldest first. Read-only: the next commit changes it. */
  get committedLog(): readonly Proposal[] {
    return this.proposals;
  }

  clear(): void {
    this.proposals.length = 0;
    this.minCommittedLog = 0;
    this.maxCommittedLog = 0;
  }
}
