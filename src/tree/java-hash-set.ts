// A set kept the way java.util.HashSet keeps its elements, so that it iterates in Java's
// order: ZooKeeper lists a node's children (DataNode's HashSet(8)) and a session's
// ephemerals (a clone of a HashSet()) in that order, and clients that print them unsorted
// (and tests that compare transcripts) see the same order from us as from ZooKeeper.
//
// A HashSet iterates bucket by bucket; within a bucket, in insertion order. The bucket is
// the spread String.hashCode masked by the table's capacity, which doubles whenever the
// size passes three quarters of it (never shrinking), each bucket then split in two with
// its order kept (HashMap.resize). The table here is kept the same way, so listing is a
// copy: children used to sit in a JS Set, sorted into this order at each listing, and a
// snapshot that reached a parent of 450,000 children stopped the serving thread for that
// sort (setData p999 ×4.5 Apache's in bench/load.ts).
// Not modelled: bins of 8+ colliding names in a table of 64+ buckets, which Java turns
// into trees with their own order.

/** DataNode's HashSet(8); a HashSet() starts at 16. */
export const INITIAL_CHILD_CAPACITY = 8;

/** java.lang.String.hashCode over UTF-16 code units (of s from `start`: a name inside a path). */
export function javaStringHash(s: string, start = 0): number {
  let h = 0;
  for (let i = start; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

type Bucket<T> = T | T[] | undefined;

/**
 * Buckets of the table before a doubling moved into the new one per add or delete. Java
 * splits every bucket at once (HashMap.resize); done so here, the add that doubled a table
 * of 786,432 children held the serving thread for 70–450 ms. At two or more per step the
 * old table is empty well before the next doubling (a quarter of its length in adds).
 */
export const BUCKETS_MOVED_PER_STEP = 4;

export class JavaHashSet<T> implements Iterable<T> {
  size = 0;
  /** Allocated at the first add, as Java's table is. */
  private table: Bucket<T>[] | null = null;
  /**
   * While a doubling is under way, the table before it (half the length): its bucket b
   * holds what belongs in the new buckets b and b + old.length, in order, until it is moved
   * (then it is undefined). A new bucket is used only once its old one is moved, so a moved
   * bucket's elements always come first in it, as Java's split puts them.
   */
  private old: Bucket<T>[] | null = null;
  /** The next old bucket the steps move (some after it may be moved already, on demand). */
  private nextMoved = 0;

  /**
   * `hashOf` gives an element's String.hashCode (its name's); `capacity` is the Java
   * table's length, a power of two, doubling as the set grows and never shrinking.
   */
  constructor(
    private readonly hashOf: (item: T) => number,
    public capacity = INITIAL_CHILD_CAPACITY,
  ) {}

  /** Adds an element that is not in the set (the caller knows: a new child). */
  add(item: T): void {
    if (this.table === null) this.table = new Array<Bucket<T>>(this.capacity);
    const b = bucketOf(this.hashOf(item), this.capacity);
    if (this.old !== null) this.moveStep(b);
    place(this.table, b, item);
    if (++this.size > this.capacity * 0.75) this.grow();
  }

  delete(item: T): boolean {
    const table = this.table;
    if (table === null) return false;
    const b = bucketOf(this.hashOf(item), this.capacity);
    if (this.old !== null) this.moveStep(b);
    const slot = table[b];
    if (slot === item) table[b] = undefined;
    else if (Array.isArray(slot)) {
      const i = slot.indexOf(item);
      if (i < 0) return false;
      slot.splice(i, 1);
      if (slot.length === 1) table[b] = slot[0];
    } else return false;
    this.size--;
    return true;
  }

  /**
   * HashSet.clone (as DataTree.getEphemerals returns): a table sized for the count
   * (HashMap.putMapEntries), filled in this set's order.
   */
  clone(): JavaHashSet<T> {
    const copy = new JavaHashSet(this.hashOf, tableSizeFor(Math.trunc(this.size / 0.75 + 1)));
    for (const item of this.toArray()) copy.add(item);
    return copy;
  }

  /** The elements in Java's iteration order, as a new array. */
  toArray(): T[] {
    const out = new Array<T>(this.size);
    let n = 0;
    const table = this.table;
    if (table === null) return out;
    const old = this.old;
    const oldMask = old === null ? 0 : old.length - 1;
    for (let b = 0; b < table.length; b++) {
      // A bucket whose old one is not yet moved: its share of that one, in order.
      const unmoved = old === null ? undefined : old[b & oldMask];
      if (unmoved !== undefined) {
        if (!Array.isArray(unmoved)) {
          if (bucketOf(this.hashOf(unmoved), this.capacity) === b) out[n++] = unmoved;
        } else for (const item of unmoved) if (bucketOf(this.hashOf(item), this.capacity) === b) out[n++] = item;
        continue;
      }
      const slot = table[b];
      if (slot === undefined) continue;
      if (Array.isArray(slot)) for (const item of slot) out[n++] = item;
      else out[n++] = slot;
    }
    return out;
  }

  /** Iterates a copy (toArray): the set may change while it is walked. */
  [Symbol.iterator](): Iterator<T> {
    return this.toArray()[Symbol.iterator]();
  }

  /** HashMap.resize's twice the buckets; the old ones are moved a few at a time (moveStep). */
  private grow(): void {
    if (this.old !== null) while (this.old !== null) this.moveStep(0);
    this.old = this.table!;
    this.nextMoved = 0;
    this.capacity *= 2;
    this.table = new Array<Bucket<T>>(this.capacity);
  }

  /** Moves the old bucket new bucket `b` draws on, then the next few in turn; drops the old table once all are. */
  private moveStep(b: number): void {
    const old = this.old!;
    this.moveBucket(old, b & (old.length - 1));
    for (let k = 0; k < BUCKETS_MOVED_PER_STEP && this.nextMoved < old.length; k++) this.moveBucket(old, this.nextMoved++);
    if (this.nextMoved === old.length) this.old = null;
  }

  /** Splits old bucket `ob` into the new buckets ob and ob + old.length (both still empty), keeping its order. */
  private moveBucket(old: Bucket<T>[], ob: number): void {
    const slot = old[ob];
    if (slot === undefined) return;
    old[ob] = undefined;
    const table = this.table!;
    if (Array.isArray(slot)) for (const item of slot) place(table, bucketOf(this.hashOf(item), this.capacity), item);
    else place(table, bucketOf(this.hashOf(slot), this.capacity), slot);
  }
}

/** HashMap.tableSizeFor: the smallest power of two ≥ n. */
function tableSizeFor(n: number): number {
  let cap = 1;
  while (cap < n) cap *= 2;
  return cap;
}

/** HashMap.hash (the high half folded into the low) masked by the table's length. */
function bucketOf(hash: number, capacity: number): number {
  return (hash ^ (hash >>> 16)) & (capacity - 1);
}

/** Appends to a bucket, keeping its order. */
function place<T>(table: Bucket<T>[], b: number, item: T): void {
  const slot = table[b];
  if (slot === undefined) table[b] = item;
  else if (Array.isArray(slot)) slot.push(item);
  else table[b] = [slot, item];
}
