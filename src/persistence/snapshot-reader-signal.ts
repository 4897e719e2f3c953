// What the snapshot reader (snapshot-reader.ts) and its worker (snapshot-reader-worker.ts)
// share: the messages, the counters in shared memory and their bounds. Kept apart so the
// worker's bundle holds the parser and this, not the code that starts workers.
import type { MessagePort } from 'node:worker_threads';
import type { ACL } from '../jute/records';
import type { NodeBatch } from '../tree/node-batch';

/** Batches the worker may have sent that this thread has not taken: what a load holds in flight (about 4 MiB each at most). */
export const NODE_BATCHES_AHEAD = 4;
/** A worker that sends nothing for this long is taken for dead (a batch takes milliseconds). */
export const SNAPSHOT_READER_SILENCE_ms = 30_000;

/** The shared counters: messages posted by the worker, messages the reader took, and whether the reader closed. */
export const POSTED = 0;
export const TAKEN = 1;
export const CLOSED = 2;

export type ReaderMessage =
  | { kind: 'head'; sessions: Map<bigint, number>; acls: Map<number, ACL[]> }
  | { kind: 'batch'; batch: NodeBatch }
  | { kind: 'end' }
  | { kind: 'error'; message: string }
  /** From the worker's start (snapshot-reader.ts), when its code failed to load. */
  | { kind: 'unstarted'; message: string };

export interface ReaderWorkerData {
  file: string;
  signal: Int32Array;
  port: MessagePort;
}

