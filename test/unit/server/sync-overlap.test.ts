// SyncRequestProcessor over a real FileTxnSnapLog (real appends, real fdatasync): the next
// batch's write and fsync start before the durable batch is applied and answered, so the
// disk works while the serving thread does; appends stay one at a time and in zxid order;
// a refused batch fails with everything queued behind it and nothing of it is applied.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { OpCode } from '../../../src/jute/constants';
import { DefaultMetricsProvider } from '../../../src/metrics/default-metrics-provider';
import { createServerMetrics } from '../../../src/metrics/server-metrics';
import { FileTxnSnapLog } from '../../../src/persistence/file-txn-snap-log';
import { SyncRequestProcessor, type TxnPersister } from '../../../src/server/sync-request-processor';
import type { Txn } from '../../../src/tree/txn';

const quiet = { info() {}, warn() {} };
const create = (zxid: number): Txn => ({
  hdr: { clientId: 1n, cxid: zxid, zxid, time: 1, type: OpCode.create },
  body: { kind: 'create', path: `/n${zxid}`, data: Buffer.from('x'), acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], ephemeral: false, parentCVersion: -1 },
});
const zxids = (txns: Txn[]) => txns.map((t) => t.hdr.zxid).join(',');

/** The real log, each append's start and end recorded beside the processor's own events. */
/** `whileWriting` runs as each append starts: what it enqueues is queued while that one is in flight. */
function recordingLog(dir: string, events: string[], whileWriting: (txns: Txn[]) => void, refuseFrom = Infinity): { persister: TxnPersister; close(): void } {
  const snapLog = new FileTxnSnapLog({ dataDir: dir, dataLogDir: dir, preAllocSize_bytes: 64 * 1024, snapCount: 100_000, log: quiet });
  let inFlight = 0;
  return {
    persister: {
      async persist(txns) {
        events.push(`write ${zxids(txns)}`);
        inFlight++;
        assert.equal(inFlight, 1, 'appends overlapped');
        whileWriting(txns);
        try {
          if (txns[0]!.hdr.zxid >= refuseFrom) throw new Error('No space left on device');
          await snapLog.persist(txns);
        } finally {
          inFlight--;
        }
        events.push(`durable ${zxids(txns)}`);
      },
    },
    close: () => snapLog.close(),
  };
}

test("the next batch's fsync starts before the durable batch is applied; appends stay sequential and in order", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zkts-sync-overlap-'));
  const events: string[] = [];
  let sync: SyncRequestProcessor | undefined;
  const log = recordingLog(dir, events, (txns) => {
    if (txns[0]!.hdr.zxid !== 1) return;
    sync!.enqueue(create(2));
    sync!.enqueue(create(3));
  });
  try {
    let applied = 0;
    const allApplied = new Promise<void>((resolve) => {
      sync = new SyncRequestProcessor(log.persister, createServerMetrics(new DefaultMetricsProvider()), {
        persisted: (batch) => {
          events.push(`apply ${zxids(batch)}`);
          applied += batch.length;
          if (applied === 3) resolve();
        },
        failed: (txns, e) => assert.fail(`${zxids(txns)} failed: ${e.message}`),
      });
      sync.enqueue(create(1));
    });
    await allApplied;
    assert.deepEqual(events, ['write 1', 'durable 1', 'write 2,3', 'apply 1', 'durable 2,3', 'apply 2,3']);
  } finally {
    log.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a refused batch fails with what queued behind it, none of it applied; the batch before it still is', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zkts-sync-refused-'));
  const events: string[] = [];
  let sync: SyncRequestProcessor | undefined;
  const log = recordingLog(dir, events, (txns) => {
    if (txns[0]!.hdr.zxid === 1) sync!.enqueue(create(2));
  }, 2);
  try {
    const done = new Promise<void>((resolve) => {
      sync = new SyncRequestProcessor(log.persister, createServerMetrics(new DefaultMetricsProvider()), {
        persisted: (batch) => {
          events.push(`apply ${zxids(batch)}`);
          // Queued while batch 2 is being refused: prepared on top of it, so it fails too.
          sync!.enqueue(create(3));
        },
        failed: (txns) => {
          events.push(`failed ${zxids(txns)}`);
          resolve();
        },
      });
      sync.enqueue(create(1));
    });
    await done;
    assert.deepEqual(events, ['write 1', 'durable 1', 'write 2', 'apply 1', 'failed 2,3']);
  } finally {
    log.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
