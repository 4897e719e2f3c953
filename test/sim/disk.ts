// One member's simulated disk: the epoch files (durable when set, as writeLongToFile's
// tmp+fsync+rename makes them), the last snapshot (fsynced when taken) and the txn log,
// whose tail past the last completed fsync is at the mercy of a crash: some of it may have
// reached the platters, the rest is lost, and the last surviving record may be torn (a torn
// record fails its checksum and is dropped on read, so it is as good as lost).
import type { Txn } from '../../src/tree/txn';
import type { Rng } from './rng';

export class SimDisk {
  acceptedEpoch = 0;
  currentEpoch = 0;
  /** The applied history the last snapshot holds (a tree is the replay of its txns). */
  snapshot: Txn[] = [];
  /**
   * The zxid the last snapshot is at: past its last txn when a SNAP at an epoch's start
   * (zxid (e, 0), no txn of its own) was loaded — what snapshot.<zxid> names on a real disk.
   */
  snapshotZxid = 0;
  log: Txn[] = [];
  /** log[0..synced) is durable. */
  synced = 0;

  lastLoggedZxid(): number {
    return Math.max(this.log.at(-1)?.hdr.zxid ?? 0, this.snapshotBase());
  }

  append(txns: readonly Txn[]): void {
    this.log.push(...txns);
  }

  /** An fsync that began when the log was `length` long completed. */
  synced_(length: number): void {
    this.synced = Math.max(this.synced, Math.min(length, this.log.length));
  }

  /** TRUNC: every record after zxid leaves the log (and a snapshot past it goes too, as FileTxnSnapLog.truncateLog removes them). */
  truncate(zxid: number): void {
    this.log = this.log.filter((t) => t.hdr.zxid <= zxid);
    this.synced = Math.min(this.synced, this.log.length);
    if (this.snapshotBase() > zxid) {
      this.snapshot = this.snapshot.filter((t) => t.hdr.zxid <= zxid);
      this.snapshotZxid = this.snapshot.at(-1)?.hdr.zxid ?? 0;
    }
  }

  /** SNAP loaded: the log past zxid goes, the old snapshot stays until the one at NEWLEADER is written. */
  truncateLogOnly(zxid: number): void {
    this.log = this.log.filter((t) => t.hdr.zxid <= zxid);
    this.synced = Math.min(this.synced, this.log.length);
  }

  /** The process (or the machine) dies: returns what happened to the unsynced tail. */
  crash(rng: Rng): string {
    const unsynced = this.log.length - this.synced;
    if (unsynced === 0) return 'nothing unsynced';
    let kept = rng.int(0, unsynced);
    let torn = false;
    if (kept > 0 && rng.chance(0.3)) (kept -= 1), (torn = true);
    this.log.length = this.synced + kept;
    this.synced = this.log.length;
    return `${unsynced} unsynced: ${kept} survived${torn ? ', the next one torn' : ''}`;
  }

  /** What loadDataBase rebuilds: the snapshot, then every log record past it. */
  replay(): Txn[] {
    const base = this.snapshotBase();
    return [...this.snapshot, ...this.log.filter((t) => t.hdr.zxid > base)];
  }

  /** The zxid the snapshot is at (a restore replays only the log past it). */
  snapshotBase(): number {
    return Math.max(this.snapshot.at(-1)?.hdr.zxid ?? 0, this.snapshotZxid);
  }
}
