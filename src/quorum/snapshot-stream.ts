// The snapshot a leader writes into the quorum stream right after a SNAP packet (Apache's
// ZKDatabase.serializeSnapshot, then the string "BenWasHere"): the sessions with their
// timeouts, the ACL cache, the nodes as (path, DataNode) until the path "/", and no file
// header, checksum or digest. It has no length up front, so it is read element by element
// as bytes arrive.
import { JuteError, Reader } from '../jute/codec';
import * as R from '../jute/records';
import type { ACL } from '../jute/records';
import { snapshotSlices } from '../persistence/file-snap';
import { BUILT_IN_ACL, OPEN_UNSAFE_ACL_ID } from '../tree/acl-cache';
import type { DataTree } from '../tree/data-tree';
import { type NodeBatch, NodeBatchBuilder } from '../tree/node-batch';

export const SNAP_SIGNATURE = 'BenWasHere';

export interface StreamedSnapshot {
  sessions: Map<bigint, number>;
  /** The nodes, as DataTree.loadNodes takes them. */
  batches: NodeBatch[];
  /** The leader's ACL map, index → list, as DataTree.loadNodes takes it. */
  acls: Map<number, ACL[]>;
}

type Stage = 'sessionCount' | 'sessions' | 'aclCount' | 'acls' | 'nodes' | 'signature' | 'done';

/**
 * Reads a streamed snapshot from successive chunks. One element (a session, an ACL list, a
 * node) is at most `maxElement_bytes` (jute.maxbuffer and a little): more buffered without
 * an element completing means the stream is not a snapshot.
 */
export class SnapshotStreamReader {
  private stage: Stage = 'sessionCount';
  private left = 0;
  private readonly sessions = new Map<bigint, number>();
  private readonly acls = new Map<number, ACL[]>([[OPEN_UNSAFE_ACL_ID, BUILT_IN_ACL]]);
  private readonly batches: NodeBatch[] = [];
  private readonly builder = new NodeBatchBuilder((id) => this.acls.has(id), 'snapshot stream');

  constructor(private readonly maxElement_bytes: number) {}

  /**
   * Consumes whole elements of `buf` from `offset`; returns where it stopped and, once the
   * signature was read, the snapshot. Throws a JuteError on a stream that is not one.
   */
  feed(buf: Buffer, offset: number): { next: number; snapshot?: StreamedSnapshot } {
    let at = offset;
    while (this.stage !== 'done') {
      const r = new Reader(buf, at);
      try {
        this.element(r);
      } catch (e) {
        if (!(e instanceof JuteError)) throw e;
        // Short reads and malformed bytes look alike until enough has arrived.
        if (buf.length - at > this.maxElement_bytes) throw new JuteError(`snapshot stream: ${e.message}`);
        return { next: at };
      }
      at = r.pos;
    }
    return { next: at, snapshot: { sessions: this.sessions, batches: this.batches, acls: this.acls } };
  }

  private element(r: Reader): void {
    switch (this.stage) {
      case 'sessionCount':
        this.left = count(r);
        this.stage = this.left > 0 ? 'sessions' : 'aclCount';
        return;
      case 'sessions':
        this.sessions.set(r.bigLong(), r.int());
        if (--this.left === 0) this.stage = 'aclCount';
        return;
      case 'aclCount':
        this.left = count(r);
        this.stage = this.left > 0 ? 'acls' : 'nodes';
        return;
      case 'acls': {
        const id = r.long();
        this.acls.set(id, R.ACLs.read(r));
        if (--this.left === 0) this.stage = 'nodes';
        return;
      }
      case 'nodes':
        if (this.builder.full) this.batches.push(this.builder.take());
        if (!this.builder.readNode(r)) {
          if (this.builder.count > 0) this.batches.push(this.builder.take());
          this.stage = 'signature';
        }
        return;
      case 'signature': {
        const s = r.ustring();
        if (s !== SNAP_SIGNATURE) throw new Error(`snapshot stream: missing signature (got ${JSON.stringify(s)})`);
        this.stage = 'done';
        return;
      }
      case 'done':
        return;
    }
  }
}

function count(r: Reader): number {
  const n = r.int();
  if (n < 0) throw new Error(`snapshot stream: negative count ${n}`);
  return n;
}

/**
 * Our leader's side: the same stream, signature included, as slices made one by one as
 * they are pulled (snapshotSlices: fuzzy as Apache's leader's, the txns after `zxid`, the
 * SNAP's, follow it to the learner), so the sender serves clients between them and holds
 * one slice at a time.
 */
export function snapshotStreamSlices(tree: DataTree, sessions: ReadonlyMap<bigint, number>, zxid: number): Generator<Buffer> {
  return snapshotSlices(tree, sessions, zxid, { last: SNAP_SIGNATURE });
}
