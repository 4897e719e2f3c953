// One znode as the DataTree keeps it: its path, data, ACL list and the StatPersisted
// numbers in a row of the tree's StatRows (no Stat object, no boxed number per field), and
// its children as the child nodes themselves. A leaf holds no collection at all; a child's
// name is the tail of its path, so no name strings are stored beside the paths; data loaded
// from a snapshot sits in shared slabs (node-batch.ts), with no Buffer object per node. At a million znodes every
// object and string per node is tens of megabytes and seconds of garbage collection at start.
import type { ACL } from '../jute/records';
import { JavaHashSet, javaStringHash } from './java-hash-set';
import { AVERSION, CTIME, CVERSION, CZXID, MTIME, MZXID, PZXID, type StatRow, type StatRows, VERSION } from './stat-rows';

export interface StatPersisted {
  czxid: number;
  mzxid: number;
  ctime: number;
  mtime: number;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: bigint;
  pzxid: number;
}

/** A node as a snapshot holds it (the reader may hand the same record again: copy it). */
export interface SnapshotNode {
  data: Buffer | null;
  acl: ACL[];
  stat: StatPersisted;
}

/** Shared by every node with empty data (a Buffer of length 0 cannot be written into). */
export const EMPTY_DATA = Buffer.alloc(0);

export class DataNode implements StatPersisted, StatRow {
  /** The row of the tree's StatRows holding this node's numbers (see stat-rows.ts). */
  statChunk: Float64Array;
  statAt: number;
  ephemeralOwner: bigint;
  /** The children, kept in the order ZooKeeper's HashSet lists them; null while there are none yet (a leaf: most nodes). */
  private kids: JavaHashSet<DataNode> | null = null;
  /** The data: all of `bytes`, or, loaded into a slab, `length` bytes of it from `offset`. */
  private bytes: Buffer | null;
  private offset: number;
  /** The data's length (0 for null data). */
  dataLength: number;

  /**
   * A node with its row placed (`statChunk`, `statAt`) and filled: by `fresh`, or by a load,
   * whose batches come with their rows (node-batch.ts). Its data is all of `bytes`, or,
   * loaded into a slab, `dataLength` bytes of it from `offset`.
   */
  constructor(
    /** The node's path, also its key in the tree ("/" for the root). */
    readonly path: string,
    public acl: ACL[],
    statChunk: Float64Array,
    statAt: number,
    ephemeralOwner: bigint,
    bytes: Buffer | null,
    offset: number,
    dataLength: number,
  ) {
    this.statChunk = statChunk;
    this.statAt = statAt;
    this.ephemeralOwner = ephemeralOwner;
    this.bytes = bytes;
    this.offset = offset;
    this.dataLength = dataLength;
  }

  /** A node given a row of `rows`, holding `s`. */
  static fresh(path: string, data: Buffer | null, acl: ACL[], s: StatPersisted, rows: StatRows): DataNode {
    const row = rows.nextRow();
    const at = rows.nextRowAt;
    row[at + CZXID] = s.czxid;
    row[at + MZXID] = s.mzxid;
    row[at + CTIME] = s.ctime;
    row[at + MTIME] = s.mtime;
    row[at + VERSION] = s.version;
    row[at + CVERSION] = s.cversion;
    row[at + AVERSION] = s.aversion;
    row[at + PZXID] = s.pzxid;
    return new DataNode(path, acl, row, at, s.ephemeralOwner, data !== null && data.length === 0 ? EMPTY_DATA : data, 0, data === null ? 0 : data.length);
  }

  get czxid(): number {
    return this.statChunk[this.statAt + CZXID]!;
  }
  set czxid(v: number) {
    this.statChunk[this.statAt + CZXID] = v;
  }
  get mzxid(): number {
    return this.statChunk[this.statAt + MZXID]!;
  }
  set mzxid(v: number) {
    this.statChunk[this.statAt + MZXID] = v;
  }
  get ctime(): number {
    return this.statChunk[this.statAt + CTIME]!;
  }
  set ctime(v: number) {
    this.statChunk[this.statAt + CTIME] = v;
  }
  get mtime(): number {
    return this.statChunk[this.statAt + MTIME]!;
  }
  set mtime(v: number) {
    this.statChunk[this.statAt + MTIME] = v;
  }
  get version(): number {
    return this.statChunk[this.statAt + VERSION]!;
  }
  set version(v: number) {
    this.statChunk[this.statAt + VERSION] = v;
  }
  get cversion(): number {
    return this.statChunk[this.statAt + CVERSION]!;
  }
  set cversion(v: number) {
    this.statChunk[this.statAt + CVERSION] = v;
  }
  get aversion(): number {
    return this.statChunk[this.statAt + AVERSION]!;
  }
  set aversion(v: number) {
    this.statChunk[this.statAt + AVERSION] = v;
  }
  get pzxid(): number {
    return this.statChunk[this.statAt + PZXID]!;
  }
  set pzxid(v: number) {
    this.statChunk[this.statAt + PZXID] = v;
  }

  /** The data, as a Buffer (a view into its slab when it was loaded from a snapshot). */
  get data(): Buffer | null {
    const b = this.bytes;
    if (b === null || this.dataLength === b.length) return b;
    return b.subarray(this.offset, this.offset + this.dataLength);
  }

  set data(d: Buffer | null) {
    this.bytes = d !== null && d.length === 0 ? EMPTY_DATA : d;
    this.offset = 0;
    this.dataLength = d === null ? 0 : d.length;
  }

  /**
   * A copy of the persisted Stat fields (the node itself carries them, and is a
   * StatPersisted: pass the node where no copy is wanted). Change them on the node.
   */
  get stat(): StatPersisted {
    const { czxid, mzxid, ctime, mtime, version, cversion, aversion, ephemeralOwner, pzxid } = this;
    return { czxid, mzxid, ctime, mtime, version, cversion, aversion, ephemeralOwner, pzxid };
  }

  /** The name under its parent (the root's is ""). */
  get name(): string {
    return this.path.substring(this.path.lastIndexOf('/') + 1);
  }

  get childCount(): number {
    return this.kids === null ? 0 : this.kids.size;
  }

  /** The children's names in ZooKeeper's order (a read-only view; names are made as read). */
  get children(): ChildNames {
    return new ChildNames(this.kids);
  }

  /** The child nodes in ZooKeeper's order, as they are now (a live view: not to be held across changes). */
  childNodes(): Iterable<DataNode> {
    return this.kids ?? NO_CHILDREN;
  }

  /** The child nodes in ZooKeeper's order, as a copy (what a walk holds while the tree changes). */
  childNodesInHashSetOrder(): DataNode[] {
    return this.kids === null ? [] : this.kids.toArray();
  }

  /** The child nodes a part at a time, for a walk across changes (JavaHashSet.listInSteps). */
  childrenInSteps(): () => DataNode[] | undefined {
    return this.kids === null ? NO_MORE_PARTS : this.kids.listInSteps();
  }

  addChild(child: DataNode): void {
    if (this.kids === null) this.kids = new JavaHashSet(nameHash);
    this.kids.add(child);
  }

  removeChild(child: DataNode): void {
    this.kids?.delete(child);
  }
}

const NO_CHILDREN: readonly DataNode[] = [];
/** A listing in steps that has nothing (more) to give. */
export const NO_MORE_PARTS = (): undefined => undefined;

/** The String.hashCode of a node's name, read inside its path (no name string made). */
function nameHash(n: DataNode): number {
  return javaStringHash(n.path, n.path.lastIndexOf('/') + 1);
}

/** A node's child names, as a read-only Set of them would give them. */
export class ChildNames implements Iterable<string> {
  constructor(private readonly kids: JavaHashSet<DataNode> | null) {}

  get size(): number {
    return this.kids === null ? 0 : this.kids.size;
  }

  *[Symbol.iterator](): Iterator<string> {
    if (this.kids !== null) for (const k of this.kids) yield k.name;
  }

  has(name: string): boolean {
    if (this.kids !== null) for (const k of this.kids) if (k.name === name) return true;
    return false;
  }
}
