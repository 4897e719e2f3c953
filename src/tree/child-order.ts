// The order in which ZooKeeper lists a node's children: the iteration order of the
// java.util.HashSet that DataNode keeps them in. Clients that print children unsorted
// (and tests that compare transcripts) see the same order from us as from ZooKeeper.
//
// A HashSet iterates bucket by bucket; within a bucket, in insertion order (a resize
// splits a bucket without reordering it). The bucket is the spread String.hashCode masked
// by the table capacity, which starts at 8 (DataNode's HashSet(8)) and doubles whenever
// the size passes three quarters of it; it never shrinks.
// Not modelled: bins of 8+ colliding names in a table of 64+ buckets, which Java turns
// into trees with their own order.

export const INITIAL_CHILD_CAPACITY = 8;

/** java.lang.String.hashCode over UTF-16 code units (of s from `start`: a name inside a path). */
export function javaStringHash(s: string, start = 0): number {
  let h = 0;
  for (let i = start; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** The capacity after one more insert into a HashSet of `sizeAfter` elements. */
export function capacityAfterAdd(capacity: number, sizeAfter: number): number {
  let cap = capacity;
  while (sizeAfter > cap * 0.75) cap *= 2;
  return cap;
}

/** `children` in insertion order (a JS Set's order) → HashSet iteration order. */
export function javaHashSetOrder(children: Iterable<string>, capacity: number): string[] {
  return hashSetOrder([...children], javaStringHash, capacity);
}

/** `items` in insertion order → the HashSet order of their names, given each name's String.hashCode. */
export function hashSetOrder<T>(items: T[], hashOf: (item: T) => number, capacity: number): T[] {
  if (items.length < 2) return items;
  const mask = capacity - 1;
  // One number per item, bucket first and insertion index second, sorted natively: the
  // comparator sort this replaces was a tenth of a snapshot's time. Exact while
  // capacity × count < 2^53 (a HashSet's capacity stops at 2^30).
  const n = items.length;
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const h = hashOf(items[i]!);
    keys[i] = ((h ^ (h >>> 16)) & mask) * n + i;
  }
  keys.sort();
  const out = new Array<T>(n);
  for (let i = 0; i < n; i++) out[i] = items[keys[i]! % n]!;
  return out;
}

/** HashMap.tableSizeFor: the smallest power of two ≥ n. */
function tableSizeFor(n: number): number {
  let cap = 1;
  while (cap < n) cap *= 2;
  return cap;
}

/**
 * The order of a clone of a HashSet (HashSet.clone, as DataTree.getEphemerals returns):
 * the clone's table is sized for its count, then filled in the original's order.
 */
export function javaHashSetCloneOrder(originalOrder: string[]): { order: string[]; capacity: number } {
  const capacity = tableSizeFor(Math.trunc(originalOrder.length / 0.75 + 1));
  return { order: javaHashSetOrder(originalOrder, capacity), capacity };
}
