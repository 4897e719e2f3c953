// Reads one snapshot file (FileSnap's format, see file-snap.ts) through one reused buffer
// (ChunkedFile): the header, sessions and ACL map at once, then the nodes a batch at a time
// (node-batch.ts), and the seal after the last, checked against the Adler-32 of all that
// came before it. The same parser runs on the serving thread or in the reader worker
// (snapshot-reader.ts); a file of a million nodes is never held whole.
import { JuteError, Reader } from '../jute/codec';
import * as R from '../jute/records';
import type { ACL } from '../jute/records';
import { BUILT_IN_ACL, OPEN_UNSAFE_ACL_ID } from '../tree/acl-cache';
import { type NodeBatch, NodeBatchBuilder } from '../tree/node-batch';
import { adler32Of } from './adler32';
import { ChunkedFile } from './file-txn-log';

export const SNAP_MAGIC = 0x5a4b534e; // "ZKSN"

/**
 * What is tried first for one element (a session, an ACL list, a node): most nodes are far
 * smaller; a larger one is retried with twice the window.
 */
const SNAPSHOT_ELEMENT_WINDOW_BYTES = 64 * 1024;

export class SnapshotFileParser {
  readonly sessions = new Map<bigint, number>();
  /** Every node with the same ACL index gets the same array: the tree shares it as is. */
  readonly acls = new Map<number, ACL[]>([[OPEN_UNSAFE_ACL_ID, BUILT_IN_ACL]]);
  private readonly f: ChunkedFile;
  /** The file offset of r.buf[0]; r reads the window of the file the buffer holds. */
  private base = 0;
  private r: Reader;
  /** The Adler-32 of the file up to r.buf[summedTo]: taken a window's span at a time, not per element (large ranges take zlib's checksum). */
  private checksum = 1;
  private summedTo = 0;
  private readonly builder: NodeBatchBuilder;
  private ended = false;

  /** Reads the header, sessions and ACL map; throws if the file is not a snapshot. */
  constructor(private readonly file: string) {
    this.f = new ChunkedFile(file);
    try {
      this.r = new Reader(this.f.window(0, SNAPSHOT_ELEMENT_WINDOW_BYTES));
      const header = this.element((r) => R.FileHeader.read(r));
      if (header.magic !== SNAP_MAGIC) throw new Error(`${file}: not a snapshot (magic 0x${(header.magic >>> 0).toString(16)})`);
      for (let n = this.element((r) => r.int()); n > 0; n--) this.element((r) => this.sessions.set(r.bigLong(), r.int()));
      for (let n = this.element((r) => r.int()); n > 0; n--) this.element((r) => this.acls.set(r.long(), R.ACLs.read(r)));
    } catch (e) {
      this.f.close();
      throw e;
    }
    this.builder = new NodeBatchBuilder((id) => this.acls.has(id), file);
  }

  /** The next batch of nodes; undefined after the last, once the seal checked out. Throws on a file not whole. */
  next(): NodeBatch | undefined {
    if (this.ended) return undefined;
    const builder = this.builder;
    const readNode = (r: Reader) => builder.readNode(r);
    while (!builder.full) {
      if (!this.element(readNode)) {
        this.ended = true;
        const sealed = this.sumTo(this.r.pos);
        const written = this.element((r) => r.long());
        if (written !== sealed) throw new Error(`${this.file}: checksum mismatch (file says ${written}, contents give ${sealed})`);
        break;
      }
    }
    return builder.count > 0 ? builder.take() : undefined;
  }

  close(): void {
    this.f.close();
  }

  /** The checksum of everything before r.buf[to] (the bytes since the last call added). */
  private sumTo(to: number): number {
    this.checksum = adler32Of(this.r.buf, this.summedTo, to, this.checksum);
    this.summedTo = to;
    return this.checksum;
  }

  /**
   * One element read at r.pos; its bytes count in the checksum when the window moves on or
   * sumTo is called (the seal is read after the checksum was taken: it is not in it).
   */
  private element<T>(read: (r: Reader) => T): T {
    for (let window = SNAPSHOT_ELEMENT_WINDOW_BYTES; ; window *= 2) {
      const start = this.r.pos;
      try {
        return read(this.r);
      } catch (e) {
        // Cut short by the window, or by the end of the file (then it is not whole).
        if (!(e instanceof JuteError) || this.base + this.r.buf.length >= this.f.size) throw e;
        // What the window held before this element counts before the next window replaces it.
        this.sumTo(start);
        this.base += start;
        this.r = new Reader(this.f.window(this.base, window));
        this.summedTo = 0;
      }
    }
  }
}
