// Reading a snapshot file at start: a large one is parsed on a worker thread while the
// serving thread builds the tree from the batches it sends (node-batch.ts), so the two
// halves of a load run on two cores; a small one is parsed right here, where a thread's
// start would cost more than it saves. Either way the same SnapshotFileParser reads it.
// The handoff is synchronous (a start loads before it serves): the worker posts each batch
// on a MessageChannel and counts it in shared memory; this thread waits on that count and
// takes the message with receiveMessageOnPort.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { ACL } from '../jute/records';
import { BUILT_IN_ACL, OPEN_UNSAFE_ACL_ID } from '../tree/acl-cache';
import type { NodeBatch } from '../tree/node-batch';
import { SnapshotFileParser } from './snapshot-file-parser';
import { CLOSED, POSTED, type ReaderMessage, type ReaderWorkerData, SNAPSHOT_READER_SILENCE_ms, TAKEN } from './snapshot-reader-signal';

export interface LoadedSnapshot {
  zxid: number;
  sessions: Map<bigint, number>;
  /** The ACL map, index → list; each node holds the very array of its index. */
  acls: Map<number, ACL[]>;
  /**
   * The nodes, read as they are consumed (a million nodes are not held twice); the seal is
   * checked after the last, and a mismatch throws there.
   */
  batches: Iterable<NodeBatch>;
  /** Where the file was parsed. */
  readOn: 'worker' | 'serving thread';
  /** Why a file large enough for the worker was parsed here after all (the thread did not start). */
  workerFailure?: string;
}

/**
 * Files from this size on are parsed on a worker: about 40,000 nodes of 100 bytes. A worker
 * starts in ~30 ms and leaves the process ~1.5 MB larger (pages of the executable its
 * isolate touched); it makes a load ~40 % shorter.
 */
export const SNAPSHOT_WORKER_MIN_BYTES = 8 * 1024 * 1024;
/**
 * Opens a snapshot and reads its sessions and ACL map; its nodes come as `batches` is
 * iterated. Throws if the file is not whole (bad magic, short, checksum mismatch: that one
 * at the end). `worker` overrides the choice by size.
 */
export function readSnapshot(file: string, zxid: number, opts: { worker?: boolean } = {}): LoadedSnapshot {
  const onWorker = opts.worker ?? statSync(file).size >= SNAPSHOT_WORKER_MIN_BYTES;
  if (!onWorker) return readHere(file, zxid);
  try {
    return readOnWorker(file, zxid);
  } catch (e) {
    // No thread to parse on is no reason not to start: parsed here, only slower.
    if (!(e instanceof WorkerUnstarted)) throw e;
    return { ...readHere(file, zxid), workerFailure: e.message };
  }
}

/** The worker could not be made, or failed before its own code ran. */
class WorkerUnstarted extends Error {}

function readHere(file: string, zxid: number): LoadedSnapshot {
  const parser = new SnapshotFileParser(file);
  function* batches(): Generator<NodeBatch> {
    try {
      for (let b = parser.next(); b !== undefined; b = parser.next()) yield b;
    } finally {
      parser.close();
    }
  }
  return { zxid, sessions: parser.sessions, acls: parser.acls, batches: batches(), readOn: 'serving thread' };
}

function readOnWorker(file: string, zxid: number): LoadedSnapshot {
  // Required here, not at the top: loading worker_threads costs a server 1.7 MB of RSS.
  const { MessageChannel, receiveMessageOnPort } = require('node:worker_threads') as typeof import('node:worker_threads');
  const signal = new Int32Array(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT));
  const { port1, port2 } = new MessageChannel();
  let worker: Worker;
  try {
    worker = startReaderWorker({ file, signal, port: port2 });
  } catch (e) {
    port1.close();
    throw new WorkerUnstarted((e as Error).message);
  }
  worker.unref();
  let taken = 0;
  const take = (): ReaderMessage => {
    const deadline = performance.now() + SNAPSHOT_READER_SILENCE_ms;
    for (;;) {
      const posted = Atomics.load(signal, POSTED);
      const m = receiveMessageOnPort(port1);
      if (m !== undefined) {
        Atomics.store(signal, TAKEN, ++taken);
        Atomics.notify(signal, TAKEN);
        const message = m.message as ReaderMessage;
        if (message.kind === 'error') throw new Error(message.message);
        if (message.kind === 'unstarted') throw new WorkerUnstarted(message.message);
        return message;
      }
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`${file}: the snapshot reader thread sent nothing for ${SNAPSHOT_READER_SILENCE_ms} ms`);
      Atomics.wait(signal, POSTED, posted, left);
    }
  };
  const close = () => {
    // The worker may wait for room to send (Atomics.wait): the flag and a wake-up end it.
    Atomics.store(signal, CLOSED, 1);
    Atomics.notify(signal, TAKEN);
    port1.close();
  };
  let head: ReaderMessage;
  try {
    head = take();
    if (head.kind !== 'head') throw new Error(`${file}: the snapshot reader thread sent ${head.kind} first`);
  } catch (e) {
    close();
    throw e;
  }
  // The open list is the tree's own array (a clone of it is not the same list).
  const acls = new Map<number, ACL[]>([[OPEN_UNSAFE_ACL_ID, BUILT_IN_ACL]]);
  for (const [id, list] of head.acls) if (id !== OPEN_UNSAFE_ACL_ID) acls.set(id, list);
  function* batches(): Generator<NodeBatch> {
    try {
      for (let m = take(); m.kind !== 'end'; m = take()) {
        if (m.kind !== 'batch') throw new Error(`${file}: the snapshot reader thread sent ${m.kind} among the nodes`);
        yield m.batch;
      }
    } finally {
      close();
    }
  }
  return { zxid, sessions: head.sessions, acls, batches: batches(), readOn: 'worker' };
}

/** The bundle carries the worker's own bundle as text (scripts/build.mjs); from the sources it runs through tsx. */
declare const SNAPSHOT_READER_WORKER_SOURCE: string | undefined;

function startReaderWorker(data: ReaderWorkerData): Worker {
  let body: string;
  if (typeof SNAPSHOT_READER_WORKER_SOURCE === 'string') {
    body = SNAPSHOT_READER_WORKER_SOURCE;
  } else {
    // A worker does not inherit the loader hooks tsx installed here: it registers them itself.
    const tsx = JSON.stringify(require.resolve('tsx/cjs/api'));
    const entry = JSON.stringify(join(__dirname, 'snapshot-reader-worker.ts'));
    body = `require(${tsx}).register(); require(${entry});`;
  }
  // A worker that fails before its own code runs says so at once: this thread, blocked in
  // Atomics.wait, sees no 'error' event, and would wait SNAPSHOT_READER_SILENCE_ms.
  const started = `const { workerData: d } = require('node:worker_threads');
try { ${body} } catch (e) {
  d.port.postMessage({ kind: 'unstarted', message: String(e && e.message) });
  Atomics.add(d.signal, ${POSTED}, 1);
  Atomics.notify(d.signal, ${POSTED});
}`;
  const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
  return new Worker(started, { eval: true, workerData: data, transferList: [data.port] });
}
