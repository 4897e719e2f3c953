// The StatPersisted numbers of a tree's znodes, one row of eight doubles per znode in
// shared Float64Array chunks. A zxid (epoch << 32 | counter) and a time in ms do not fit
// V8's small integers, so as fields of the node object each was a boxed number of its own:
// 24 bytes for each of five fields, a million objects more to allocate at a load and to
// trace at every full collection. In a row they cost 8 bytes each and nothing to trace.
// The owner (a 64-bit session id) stays a BigInt on the node: a double cannot hold it.

/** Where each field sits in its row. */
export const CZXID = 0;
export const MZXID = 1;
export const CTIME = 2;
export const MTIME = 3;
export const VERSION = 4;
export const CVERSION = 5;
export const AVERSION = 6;
export const PZXID = 7;
export const STAT_ROW_FIELDS = 8;

/**
 * Rows per chunk: 4096 rows of 64 bytes, 256 KiB. A chunk is never moved or grown, so a
 * node keeps its chunk and offset for life, and a tree wastes at most one chunk's free rows.
 */
export const STAT_ROWS_PER_CHUNK = 4096;

/** A node's row: the chunk it is in and where in it the row starts. */
export interface StatRow {
  statChunk: Float64Array;
  statAt: number;
}

/**
 * The rows of one tree. Rows of deleted nodes are handed out again (newest freed first); a
 * deleted node that is still referenced (a reply, a snapshot slice) was given a copy of its
 * row by `release`, so a reused row never shows through it.
 */
export class StatRows {
  private chunk: Float64Array = new Float64Array(0);
  private used = 0;
  /** Freed rows as chunk and offset, one entry in each array per row (bound: the rows ever handed out). */
  private readonly freeChunks: Float64Array[] = [];
  private readonly freeAt: number[] = [];

  /** Where in the chunk `nextRow` returned the row starts. */
  nextRowAt = 0;

  /** A row for a new node: the chunk it is in (returned) and its offset (`nextRowAt`). Its fields are zero or a freed node's. */
  nextRow(): Float64Array {
    const chunk = this.freeChunks.pop();
    if (chunk !== undefined) {
      this.nextRowAt = this.freeAt.pop()!;
      return chunk;
    }
    if (this.used === this.chunk.length) {
      this.chunk = new Float64Array(STAT_ROWS_PER_CHUNK * STAT_ROW_FIELDS);
      this.used = 0;
    }
    this.nextRowAt = this.used;
    this.used += STAT_ROW_FIELDS;
    return this.chunk;
  }

  /**
   * Takes a chunk whose first `rows` rows a load filled (node-batch.ts), its nodes pointing
   * into it; new nodes get the rows after.
   */
  adopt(chunk: Float64Array, rows: number): void {
    if (chunk.length !== STAT_ROWS_PER_CHUNK * STAT_ROW_FIELDS) throw new RangeError(`a chunk of ${chunk.length} numbers is not one of StatRows`);
    this.chunk = chunk;
    this.used = rows * STAT_ROW_FIELDS;
  }

  /** Whether the node left the tree: its row is then its own copy, never one of a chunk. */
  static isReleased(node: StatRow): boolean {
    return node.statChunk.length === STAT_ROW_FIELDS;
  }

  /**
   * Takes back the row of a node that left the tree; the node keeps a copy of its own,
   * so whoever still holds it reads its last Stat, never the next node's.
   */
  release(node: StatRow): void {
    const { statChunk, statAt } = node;
    node.statChunk = statChunk.slice(statAt, statAt + STAT_ROW_FIELDS);
    node.statAt = 0;
    this.freeChunks.push(statChunk);
    this.freeAt.push(statAt);
  }
}
