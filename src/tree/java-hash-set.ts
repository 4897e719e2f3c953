// A set kept the way java.util.HashSet keeps its elements, so that it iterates in Java's
// order without sorting: a table of buckets (a bucket holds one element, or several in
// the order they came), the bucket the spread String.hashCode masked by the capacity, the
// table doubled when the size passes three quarters of it, each bucket then split in two
// with its order kept (as HashMap.resize). child-order.ts says why the order matters.
//
// Before this, a node's children sat in a JS Set and were sorted into this order at each
// listing: a snapshot that reached a parent of 450,000 children stopped the serving thread
// for that sort (setData p999 ×4.5 Apache's in bench/load.ts). Listing is now a copy.
// Not modelled, as in child-order.ts: bins of 8+ colliding names, which Java makes trees.
import { INITIAL_CHILD_CAPACITY } from './child-order';

type Bucket<T> = T | T[] | undefined;

export class JavaHashSet<T> implements Iterable<T> {
  size = 0;
  /** The Java table's length: a power of two, 8 at first, never shrinking. */
  capacity = INITIAL_CHILD_CAPACITY;
  /** Allocated at the first add, as Java's table is. */
  private table: Bucket<T>[] | null = null;

  /** `hashOf` gives an element's String.hashCode (its name's). */
  constructor(private readonly hashOf: (item: T) => number) {}

  /** Adds an element that is not in the set (the caller knows: a new child). */
  add(item: T): void {
    if (this.table === null) this.table = new Array<Bucket<T>>(this.capacity);
    place(this.table, bucketOf(this.hashOf(item), this.capacity), item);
    if (++this.size > this.capacity * 0.75) this.grow();
  }

  delete(item: T): boolean {
    const table = this.table;
    if (table === null) return false;
    const b = bucketOf(this.hashOf(item), this.capacity);
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

  /** The elements in Java's iteration order, as a new array. */
  toArray(): T[] {
    const out = new Array<T>(this.size);
    let n = 0;
    const table = this.table;
    if (table !== null) {
      for (let b = 0; b < table.length; b++) {
        const slot = table[b];
        if (slot === undefined) continue;
        if (Array.isArray(slot)) for (const item of slot) out[n++] = item;
        else out[n++] = slot;
      }
    }
    return out;
  }

  *[Symbol.iterator](): Iterator<T> {
    const table = this.table;
    if (table === null) return;
    for (const slot of table) {
      if (slot === undefined) continue;
      if (Array.isArray(slot)) yield* slot;
      else yield slot;
    }
  }

  /** HashMap.resize: twice the buckets; each old bucket's elements keep their order in the two it splits into. */
  private grow(): void {
    const old = this.table!;
    const capacity = this.capacity * 2;
    const table = new Array<Bucket<T>>(capacity);
    for (const slot of old) {
      if (slot === undefined) continue;
      if (Array.isArray(slot)) for (const item of slot) place(table, bucketOf(this.hashOf(item), capacity), item);
      else place(table, bucketOf(this.hashOf(slot), capacity), slot);
    }
    this.table = table;
    this.capacity = capacity;
  }
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
