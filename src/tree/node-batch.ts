// Snapshot nodes in batches: a few thousand nodes at a time as typed arrays and slabs (no
// object, string or Buffer per node), read from a snapshot file or a SNAP stream, and
// handed whole to DataTree.loadNodes. A batch is structured-cloneable with every array
// transferable, so a worker thread can read a file (persistence/snapshot-reader.ts) while the serving
// thread builds the tree; its Stat rows are the very chunk the tree's StatRows adopts.
import { JuteError, type Reader } from '../jute/codec';
import type { ACL } from '../jute/records';
import type { SnapshotNode, StatPersisted } from './data-node';
import { AVERSION, CTIME, CVERSION, CZXID, MTIME, MZXID, PZXID, STAT_ROW_FIELDS, STAT_ROWS_PER_CHUNK, VERSION } from './stat-rows';

/** Nodes per batch: one StatRows chunk, so the tree adopts a batch's rows without a copy. */
export const NODE_BATCH_NODES = STAT_ROWS_PER_CHUNK;
/** A batch is closed once its data passes this: a batch of large nodes stays a few MiB. */
export const NODE_BATCH_DATA_BYTES = 4 * 1024 * 1024;
/**
 * The slab data is copied into: 64 KiB holds ~600 nodes of 100 bytes (the slab's own objects
 * are then under a byte per node), and is the most one node can keep alive once the others of
 * its slab changed their data or went. A batch's last slab is cut to what it holds.
 */
export const DATA_SLAB_BYTES = 64 * 1024;
/** Data larger than this gets a slab of its own: a slab is not left a quarter empty. */
const SLAB_DATA_BYTES_MAX = DATA_SLAB_BYTES / 4;
const PATH_BYTES_INITIAL = 64 * 1024;

/** Node i's columns in `ints`. */
export const PATH_END = 0;
export const DATA_SLAB = 1;
export const DATA_AT = 2;
export const DATA_LENGTH = 3;
export const NODE_INTS = 4;
/** `ints[i * NODE_INTS + DATA_SLAB]` of a node whose data is null, and of one whose data is empty. */
export const NULL_DATA = -1;
export const EMPTY_DATA_SLAB = -2;

export interface NodeBatch {
  count: number;
  /** The nodes' paths as UTF-8, one after another; node i's ends at its PATH_END. */
  pathBytes: Uint8Array;
  /** Per node: PATH_END, DATA_SLAB (index in `slabs`, or NULL_DATA), DATA_AT, DATA_LENGTH. */
  ints: Int32Array;
  /** The Stat rows (stat-rows.ts), NODE_BATCH_NODES of them whatever `count` is. */
  rows: Float64Array;
  /** The ACL index of each node. */
  aclIds: Float64Array;
  /** The nodes with an ephemeral owner (most have none: no BigInt is read for those) and their owners. */
  ownedCount: number;
  owned: Int32Array;
  owners: BigInt64Array;
  slabs: Uint8Array[];
}

/** What postMessage moves rather than copies. */
export function nodeBatchTransfers(b: NodeBatch): ArrayBuffer[] {
  const out = [b.pathBytes.buffer, b.ints.buffer, b.rows.buffer, b.aclIds.buffer, b.owned.buffer, b.owners.buffer];
  for (const s of b.slabs) out.push(s.buffer);
  return out as ArrayBuffer[];
}

/**
 * Fills batches from jute node records (path, data, ACL index, StatPersisted), as a snapshot
 * file and the SNAP stream hold them. `knownAcl` says whether an ACL index is in the map
 * read before the nodes; `source` starts the message of the error thrown when it is not.
 */
export class NodeBatchBuilder {
  private b = newBatch();
  private pathUsed = 0;
  private dataBytes = 0;
  /** The index in the batch's slabs of the slab being filled (-1: none), and how much of it is. */
  private openSlab = -1;
  private slabUsed = 0;

  constructor(
    private readonly knownAcl: (id: number) => boolean,
    private readonly source: string,
  ) {}

  get count(): number {
    return this.b.count;
  }

  /** Whether the batch should be taken before another node is read. */
  get full(): boolean {
    return this.b.count === NODE_BATCH_NODES || this.dataBytes >= NODE_BATCH_DATA_BYTES;
  }

  /**
   * Reads one node record at r.pos into the batch; false (and nothing added) for the "/"
   * that ends the nodes. A record cut short throws a JuteError and adds nothing, so the
   * caller may read it again from a longer window.
   */
  readNode(r: Reader): boolean {
    const pathLength = r.int();
    if (pathLength < -1) throw new JuteError(`negative string length ${pathLength}`);
    const pathAt = r.pos;
    r.skip(Math.max(pathLength, 0));
    if (pathLength === 1 && r.buf[pathAt] === 0x2f) return false;
    const dataLength = r.int();
    if (dataLength < -1) throw new JuteError(`negative buffer length ${dataLength}`);
    const dataAt = r.pos;
    r.skip(Math.max(dataLength, 0));
    const aclId = r.long();
    const b = this.b;
    const i = b.count;
    const row = i * STAT_ROW_FIELDS;
    const rows = b.rows;
    rows[row + CZXID] = r.long();
    rows[row + MZXID] = r.long();
    rows[row + CTIME] = r.long();
    rows[row + MTIME] = r.long();
    rows[row + VERSION] = r.int();
    rows[row + CVERSION] = r.int();
    rows[row + AVERSION] = r.int();
    const owner = r.bigLong();
    rows[row + PZXID] = r.long();
    // All of it read: the node is added (nothing above changed what `count` covers).
    if (!this.knownAcl(aclId)) {
      throw new Error(`${this.source}: node ${r.buf.toString('utf8', pathAt, pathAt + Math.max(pathLength, 0))} refers to ACL ${aclId}, which it does not hold`);
    }
    const ints = b.ints;
    const at = i * NODE_INTS;
    ints[at + PATH_END] = this.addPath(r.buf, pathAt, Math.max(pathLength, 0));
    if (dataLength <= 0) {
      ints[at + DATA_SLAB] = dataLength === -1 ? NULL_DATA : EMPTY_DATA_SLAB;
      ints[at + DATA_AT] = 0;
      ints[at + DATA_LENGTH] = 0;
    } else {
      this.addData(r.buf, dataAt, dataLength, at);
    }
    b.aclIds[i] = aclId;
    if (owner !== 0n) {
      b.owned[b.ownedCount] = i;
      b.owners[b.ownedCount++] = owner;
    }
    b.count++;
    return true;
  }

  /** The batch so far (the builder starts a new one). */
  take(): NodeBatch {
    const b = this.b;
    b.pathBytes = b.pathBytes.slice(0, this.pathUsed);
    this.closeSlab();
    this.b = newBatch();
    this.pathUsed = 0;
    this.dataBytes = 0;
    return b;
  }

  private addPath(src: Buffer, from: number, length: number): number {
    let bytes = this.b.pathBytes;
    if (this.pathUsed + length > bytes.length) {
      const grown = new Uint8Array(Math.max(bytes.length * 2, this.pathUsed + length));
      grown.set(bytes.subarray(0, this.pathUsed));
      this.b.pathBytes = bytes = grown;
    }
    bytes.set(src.subarray(from, from + length), this.pathUsed);
    this.pathUsed += length;
    return this.pathUsed;
  }

  private addData(src: Buffer, from: number, length: number, at: number): void {
    const ints = this.b.ints;
    const slabs = this.b.slabs;
    this.dataBytes += length;
    ints[at + DATA_LENGTH] = length;
    if (length > SLAB_DATA_BYTES_MAX) {
      ints[at + DATA_SLAB] = slabs.length;
      ints[at + DATA_AT] = 0;
      slabs.push(new Uint8Array(src.subarray(from, from + length)));
      return;
    }
    if (this.openSlab === -1 || this.slabUsed + length > DATA_SLAB_BYTES) {
      this.closeSlab();
      // In the list from the start, so its index holds whatever slabs come after it.
      this.openSlab = slabs.length;
      slabs.push(new Uint8Array(DATA_SLAB_BYTES));
    }
    ints[at + DATA_SLAB] = this.openSlab;
    ints[at + DATA_AT] = this.slabUsed;
    slabs[this.openSlab]!.set(src.subarray(from, from + length), this.slabUsed);
    this.slabUsed += length;
  }

  /** The slab being filled, cut to what it holds (the rest of its 64 KiB is not sent nor kept). */
  private closeSlab(): void {
    if (this.openSlab === -1) return;
    const slabs = this.b.slabs;
    slabs[this.openSlab] = slabs[this.openSlab]!.slice(0, this.slabUsed);
    this.openSlab = -1;
    this.slabUsed = 0;
  }
}

function newBatch(): NodeBatch {
  return {
    count: 0,
    pathBytes: new Uint8Array(PATH_BYTES_INITIAL),
    ints: new Int32Array(NODE_BATCH_NODES * NODE_INTS),
    rows: new Float64Array(NODE_BATCH_NODES * STAT_ROW_FIELDS),
    aclIds: new Float64Array(NODE_BATCH_NODES),
    ownedCount: 0,
    owned: new Int32Array(NODE_BATCH_NODES),
    owners: new BigInt64Array(NODE_BATCH_NODES),
    slabs: [],
  };
}

/**
 * The nodes of some batches as (path, record) pairs, for readers that look at nodes one by
 * one (a tool, a test) rather than load them: one record is handed out again for each.
 */
export function* batchEntries(batches: Iterable<NodeBatch>, acls: ReadonlyMap<number, ACL[]>): Generator<[string, SnapshotNode]> {
  const stat: StatPersisted = { czxid: 0, mzxid: 0, ctime: 0, mtime: 0, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, pzxid: 0 };
  const record: SnapshotNode = { data: null, acl: [], stat };
  for (const b of batches) {
    const paths = Buffer.from(b.pathBytes.buffer, b.pathBytes.byteOffset, b.pathBytes.byteLength);
    let owned = 0;
    for (let i = 0, pathAt = 0; i < b.count; i++) {
      const at = i * NODE_INTS;
      const pathEnd = b.ints[at + PATH_END]!;
      const path = paths.toString('utf8', pathAt, pathEnd);
      pathAt = pathEnd;
      record.data = nodeData(b, i);
      record.acl = acls.get(b.aclIds[i]!)!;
      const row = i * STAT_ROW_FIELDS;
      stat.czxid = b.rows[row + CZXID]!;
      stat.mzxid = b.rows[row + MZXID]!;
      stat.ctime = b.rows[row + CTIME]!;
      stat.mtime = b.rows[row + MTIME]!;
      stat.version = b.rows[row + VERSION]!;
      stat.cversion = b.rows[row + CVERSION]!;
      stat.aversion = b.rows[row + AVERSION]!;
      stat.pzxid = b.rows[row + PZXID]!;
      stat.ephemeralOwner = owned < b.ownedCount && b.owned[owned] === i ? b.owners[owned++]! : 0n;
      yield [path, record];
    }
  }
}

/** Node i's data as a Buffer viewing its slab (null for null data). */
export function nodeData(b: NodeBatch, i: number): Buffer | null {
  const at = i * NODE_INTS;
  const slab = b.ints[at + DATA_SLAB]!;
  if (slab === NULL_DATA) return null;
  if (slab === EMPTY_DATA_SLAB) return Buffer.alloc(0);
  const s = b.slabs[slab]!;
  return Buffer.from(s.buffer, s.byteOffset + b.ints[at + DATA_AT]!, b.ints[at + DATA_LENGTH]!);
}
