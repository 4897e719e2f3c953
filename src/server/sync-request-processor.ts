// SyncRequestProcessor: the persist stage of a standalone server's pipeline. Prepared txns
// queue here; what queued while the last batch was written becomes the next batch, persisted
// with one write and one fsync, then handed on to be applied and answered (its successor's
// fsync already under way). A batch the disk refuses fails with everything queued behind it
// (prepared on top of it).
import type { ServerMetrics } from '../metrics/server-metrics';
import type { DataTree } from '../tree/data-tree';
import type { Txn } from '../tree/txn';

/** The persist stage: resolves once the txns are durable. Standalone memory-only: at once. */
export interface TxnPersister {
  persist(txns: Txn[]): Promise<void>;
  /** After a persisted batch is applied: where snapshots are taken. */
  afterApply?(tree: DataTree, sessions: () => Map<bigint, number>): void;
}

export const inMemoryPersister: TxnPersister = { persist: () => Promise.resolve() };

export interface PersistedHandlers {
  /** A durable batch, in zxid order: apply and answer it. */
  persisted(batch: Txn[]): void;
  /** The disk refused these (a batch and all queued behind it): none may be applied. */
  failed(txns: Txn[], e: Error): void;
}

export class SyncRequestProcessor {
  private queued: Txn[] = [];
  private persisting = false;

  constructor(
    private readonly persister: TxnPersister,
    private readonly metrics: ServerMetrics,
    private readonly then: PersistedHandlers,
  ) {}

  enqueue(txn: Txn): void {
    this.queued.push(txn);
    if (!this.persisting) {
      this.persisting = true;
      // One turn of the event loop gathers a batch: one persist (one fsync) for all of it.
      setImmediate(() => void this.persistBatches());
    }
  }

  /**
   * Persists batch after batch. Answering is guarded per connection (ServerCnxn.answer);
   * what still throws here is the persister's afterApply or the tree itself, an unknown
   * state: the rejection reaches the process's last-resort handler, which exits.
   * `persisting` is cleared whatever happens, so writes never stall.
   */
  private async persistBatches(): Promise<void> {
    try {
      await this.persistAll();
    } finally {
      this.persisting = false;
    }
  }

  /**
   * Batch after batch, each one's write and fsync started as soon as the one before it is
   * durable and before that one is applied and answered: the disk works on the next batch
   * while the serving thread applies and answers (as ZooKeeper's sync thread goes on while
   * its final processor answers). Appends themselves stay one at a time, in zxid order.
   */
  private async persistAll(): Promise<void> {
    let durable: Promise<void> = Promise.resolve();
    let started = 0;
    // Takes what queued and starts writing it; [] when nothing did.
    const startNext = (): Txn[] => {
      const batch = this.take();
      if (batch.length > 0) {
        durable = this.persister.persist(batch);
        started = performance.now();
      }
      return batch;
    };
    let batch = startNext();
    while (batch.length > 0) {
      try {
        await durable;
      } catch (e) {
        // Everything queued was prepared on top of the refused batch: it fails with it.
        this.then.failed([...batch, ...this.take()], e as Error);
        batch = startNext(); // what failing it queued, if anything
        continue;
      }
      this.metrics.FSYNC_TIME.add(performance.now() - started);
      this.metrics.SYNC_PROCESSOR_BATCH_SIZE.add(batch.length);
      this.metrics.SYNC_PROCESSOR_REQUEST_QUEUED.add(batch.length);
      const next = startNext();
      this.then.persisted(batch);
      // Applying can queue a txn of its own: it is the next batch when nothing else was.
      batch = next.length > 0 ? next : startNext();
    }
  }

  /** What queued since the last take: the next batch. */
  private take(): Txn[] {
    const batch = this.queued;
    this.queued = [];
    return batch;
  }
}
