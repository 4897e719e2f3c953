// The reader worker's side of snapshot-reader.ts: parses the file named in workerData and
// sends its head, its node batches (their arrays moved, not copied) and the end, counting
// each message in the shared signal; it keeps at most NODE_BATCHES_AHEAD batches untaken.
import { workerData } from 'node:worker_threads';
import { nodeBatchTransfers } from '../tree/node-batch';
import { CLOSED, NODE_BATCHES_AHEAD, POSTED, type ReaderMessage, type ReaderWorkerData, TAKEN } from './snapshot-reader-signal';
import { SnapshotFileParser } from './snapshot-file-parser';

/** How long one wait for room lasts before the closed flag is looked at again. */
const ROOM_WAIT_ms = 1000;

const { file, signal, port } = workerData as ReaderWorkerData;

function send(message: ReaderMessage, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
  Atomics.add(signal, POSTED, 1);
  Atomics.notify(signal, POSTED);
}

/** Waits until the reader has taken all but NODE_BATCHES_AHEAD - 1 messages; false once it closed. */
function room(): boolean {
  for (;;) {
    if (Atomics.load(signal, CLOSED) === 1) return false;
    const taken = Atomics.load(signal, TAKEN);
    if (Atomics.load(signal, POSTED) - taken < NODE_BATCHES_AHEAD) return true;
    Atomics.wait(signal, TAKEN, taken, ROOM_WAIT_ms);
  }
}

function run(): void {
  let parser: SnapshotFileParser | undefined;
  try {
    parser = new SnapshotFileParser(file);
    send({ kind: 'head', sessions: parser.sessions, acls: parser.acls });
    for (let b = parser.next(); b !== undefined; b = parser.next()) {
      if (!room()) return;
      send({ kind: 'batch', batch: b }, nodeBatchTransfers(b));
    }
    send({ kind: 'end' });
  } catch (e) {
    send({ kind: 'error', message: (e as Error).message });
  } finally {
    parser?.close();
    port.close();
  }
}

run();
