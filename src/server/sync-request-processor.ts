// SyncRequestProcessor: the persist stage of a standalone server's pipeline. Prepared txns
// queue here; each turn of the event loop gathers what queued into one batch, persisted
// with one write and one fsync, then handed on to be applied and answered. A batch the disk
// refuses fails with everything queued behind it (prepared on top of it).
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

  private async persistAll(): Promise<void> {
    while (this.queued.length > 0) {
      const batch = this.queued;
      this.queued = [];
      const started = performance.now();
      try {
        await this.persister.persist(batch);
      } catch (e) {
        const failed = [...batch, ...this.queued];
        this.queued = [];
        this.then.failed(failed, e as Error);
        continue;
      }
      this.metrics.FSYNC_TIME.add(performance.now() - started);
      this.metrics.SYNC_PROCESSOR_BATCH_SIZE.add(batch.length);
      this.metrics.SYNC_PROCESSOR_REQUEST_QUEUED.add(batch.length);
      this.then.persisted(batch);
    }
  }
}
