// A learner's database held in memory (tree, log, epochs), for tests that drive the learner
// protocol against a real leader before the durable ZKDatabase is in place: fsync is a turn
// of the event loop, a snapshot a note of the zxid.
import type { LearnerDatabase } from '../../src/quorum/follow-leader';
import type { StreamedSnapshot } from '../../src/quorum/snapshot-stream';
import { DataTree } from '../../src/tree/data-tree';
import type { Txn } from '../../src/tree/txn';

export class MemoryDatabase implements LearnerDatabase {
  tree = new DataTree();
  acceptedEpoch = 0;
  currentEpoch = 0;
  readonly logged: Txn[] = [];
  readonly committed: Txn[] = [];
  snapshots: number[] = [];
  sessions = new Map<bigint, number>();
  /** Tests that need a slow disk set this. */
  fsyncDelay_ms = 0;

  get lastLoggedZxid(): number {
    return Math.max(this.tree.lastProcessedZxid, this.logged.at(-1)?.hdr.zxid ?? 0);
  }
  setAcceptedEpoch(epoch: number): void {
    this.acceptedEpoch = epoch;
  }
  setCurrentEpoch(epoch: number): void {
    this.currentEpoch = epoch;
  }
  truncate(zxid: number): void {
    while (this.logged.length > 0 && this.logged.at(-1)!.hdr.zxid > zxid) this.logged.pop();
    const keep = this.committed.filter((t) => t.hdr.zxid <= zxid);
    this.tree = new DataTree();
    this.committed.length = 0;
    for (const t of keep) this.commit(t);
  }
  loadSnapshot(snapshot: StreamedSnapshot, zxid: number): void {
    // The same tree object: a server may be serving it.
    this.tree.loadNodes(snapshot.batches, zxid, snapshot.acls);
    this.sessions = snapshot.sessions;
    this.logged.length = 0;
  }
  applyUnlogged(txn: Txn): void {
    this.tree.processTxn(txn.hdr, txn.body);
  }
  log(txns: Txn[]): Promise<void> {
    this.logged.push(...txns);
    return new Promise((r) => setTimeout(r, this.fsyncDelay_ms));
  }
  takeSnapshot(): void {
    this.snapshots.push(this.tree.lastProcessedZxid);
  }
  commit(txn: Txn): void {
    this.committed.push(txn);
    this.tree.processTxn(txn.hdr, txn.body);
  }
}
