// A leader's database held in memory, on top of the learner's (test/support/memory-database.ts):
// the committed history is the committed-proposal window, the SNAP stream is the tree's.
import type { LeaderDatabase } from '../../src/quorum/lead';
import type { CommittedProposal } from '../../src/quorum/sync-follower';
import { snapshotStreamSlices } from '../../src/quorum/snapshot-stream';
import type { Txn } from '../../src/tree/txn';
import { MemoryDatabase } from './memory-database';

export class MemoryLeaderDatabase extends MemoryDatabase implements LeaderDatabase {
  /** Told after each commit is applied (the test's request pipeline forgets its outstanding change). */
  onCommit: ((txn: Txn) => void) | undefined;
  readonly touched = new Map<bigint, number>();

  get lastProcessedZxid(): number {
    return this.tree.lastProcessedZxid;
  }
  committedLog(): Txn[] {
    return this.committed.slice();
  }
  override commit(txn: Txn): void {
    super.commit(txn);
    if (txn.body.kind === 'createSession') this.sessions.set(txn.hdr.clientId, txn.body.timeOut);
    if (txn.body.kind === 'closeSession') this.sessions.delete(txn.hdr.clientId);
    this.onCommit?.(txn);
  }
  snapshotStream(zxid: number): Iterator<Buffer> {
    return snapshotStreamSlices(this.tree, this.sessions, zxid);
  }
  touch(sessionId: bigint, timeout: number): void {
    this.touched.set(sessionId, timeout);
  }
  /** No txn log in memory: a learner older than the window gets a SNAP. */
  readonly txnLogSyncEnabled = false;
  proposalsFromTxnLog(): CommittedProposal[] {
    return [];
  }
}
