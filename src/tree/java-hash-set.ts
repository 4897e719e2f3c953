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
 * From this many buckets on, a set keeps its buckets as chains in typed arrays (Chains),
 * each element's hash beside it: doubling then re-hashes no name and allocates no array per
 * bucket. Doubling a table of buckets holding elements or arrays of them re-hashed every
 * name and made an array for every bucket holding two or more: the add that doubled 786,432 children
 * held the serving thread for 70–450 ms. Below it a set is that plain table, a few words
 * for the few children most parents have (typed arrays cost ~100 bytes each).
 */
export const CHAINED_FROM_CAPACITY = 4096;

/** Buckets a step of `listInSteps` copies (at three quarters full, up to ~768 elements). */
export const LISTING_STEP_BUCKETS = 1024;

export class JavaHashSet<T> implements Iterable<T> {
  size = 0;
  /** Allocated at the first add, as Java's table is; replaced by `chains` once the table reaches CHAINED_FROM_CAPACITY. */
  private table: Bucket<T>[] | null = null;
  private chains: Chains<T> | null = null;

  /**
   * `hashOf` gives an element's String.hashCode (its name's); `capacity` is the Java
   * table's length, a power of two, doubling as the set grows and never shrinking;
   * `chainedFrom` the capacity from which it is kept as Chains (tests lower it).
   */
  constructor(
    private readonly hashOf: (item: T) => number,
    public capacity = INITIAL_CHILD_CAPACITY,
    private readonly chainedFrom = CHAINED_FROM_CAPACITY,
  ) {}

  /** Adds an element that is not in the set (the caller knows: a new child). */
  add(item: T): void {
    if (this.chains !== null) this.chains.append(item, this.hashOf(item));
    else {
      if (this.table === null) this.table = new Array<Bucket<T>>(this.capacity);
      place(this.table, bucketOf(this.hashOf(item), this.capacity), item);
    }
    if (++this.size > this.capacity * 0.75) this.grow();
  }

  delete(item: T): boolean {
    if (this.chains !== null) {
      if (!this.chains.remove(item, this.hashOf(item))) return false;
      this.size--;
      return true;
    }
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

  /**
   * HashSet.clone (as DataTree.getEphemerals returns): a table sized for the count
   * (HashMap.putMapEntries), filled in this set's order.
   */
  clone(): JavaHashSet<T> {
    const copy = new JavaHashSet(this.hashOf, tableSizeFor(Math.trunc(this.size / 0.75 + 1)), this.chainedFrom);
    for (const item of this.toArray()) copy.add(item);
    return copy;
  }

  /** The elements in Java's iteration order, as a new array. */
  toArray(): T[] {
    if (this.chains !== null) return this.chains.copyOrigins(this.capacity, 0, this.capacity, new Array<T>(this.size));
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

  /**
   * The elements a part at a time (undefined once all are given), for a walk that lets the
   * set change between parts: a background snapshot, which listed a parent of a million
   * children in one step (20–50 ms) and stacked them one by one (30–120 ms more). An
   * element in the set from the first part to the last is listed exactly once; one added or
   * removed meanwhile may be listed or not. Without a doubling in between, the order is
   * Java's. A set still kept as a plain table (under CHAINED_FROM_CAPACITY) is one part.
   */
  listInSteps(): () => T[] | undefined {
    const chains = this.chains;
    if (chains === null) {
      let all: T[] | undefined = this.toArray();
      return () => {
        const part = all;
        all = undefined;
        return part;
      };
    }
    // Steps go through the buckets of the table as it is now (its origins): after a
    // doubling, an origin's elements are in the buckets it split into.
    const origins = this.capacity;
    let from = 0;
    return () => {
      if (from >= origins) return undefined;
      const to = Math.min(origins, from + LISTING_STEP_BUCKETS);
      const part = chains.copyOrigins(origins, from, to);
      from = to;
      return part;
    };
  }

  /** Iterates a copy (toArray): the set may change while it is walked. */
  [Symbol.iterator](): Iterator<T> {
    return this.toArray()[Symbol.iterator]();
  }

  /** HashMap.resize: twice the buckets; each old bucket's elements keep their order in the two it splits into. */
  private grow(): void {
    const capacity = this.capacity * 2;
    if (this.chains !== null) this.chains.double();
    else if (capacity >= this.chainedFrom) {
      // Appended in this table's order, each element lands behind those of its old bucket: a split.
      const chains = new Chains<T>(capacity);
      for (const item of this.toArray()) chains.append(item, this.hashOf(item));
      this.chains = chains;
      this.table = null;
    } else {
      const table = new Array<Bucket<T>>(capacity);
      for (const slot of this.table!) {
        if (slot === undefined) continue;
        if (Array.isArray(slot)) for (const item of slot) place(table, bucketOf(this.hashOf(item), capacity), item);
        else place(table, bucketOf(this.hashOf(slot), capacity), slot);
      }
      this.table = table;
    }
    this.capacity = capacity;
  }
}

/**
 * A large set's table: each element in a slot (its item and hash), each bucket a chain of
 * slots from `heads` through `next`, in the order they were added. Links are slot + 1, so
 * that 0 (a new typed array's fill) is the end of a chain. A removed element's slot is
 * reused. Grows only by `double`, which keeps the slots and relinks them.
 */
class Chains<T> {
  private heads: Int32Array;
  private next: Int32Array;
  private hashes: Int32Array;
  private readonly items: (T | undefined)[] = [];
  /** Slots given back (as links), chained through `next`. */
  private free = 0;

  constructor(private capacity: number) {
    this.heads = new Int32Array(capacity);
    // A set doubles once its size passes three quarters of the capacity, so at most that many
    // and one slots are in use (a free slot is taken before a new one); `double` widens them.
    this.next = new Int32Array(capacity * 0.75 + 1);
    this.hashes = new Int32Array(capacity * 0.75 + 1);
  }

  append(item: T, hash: number): void {
    let slot: number;
    if (this.free !== 0) {
      slot = this.free - 1;
      this.free = this.next[slot]!;
    } else slot = this.items.length; // below next.length: see the constructor
    this.items[slot] = item;
    this.hashes[slot] = hash;
    this.next[slot] = 0;
    // Behind the bucket's last (chains are short: under one element on average).
    const b = bucketOf(hash, this.capacity);
    let link = this.heads[b]!;
    if (link === 0) this.heads[b] = slot + 1;
    else {
      while (this.next[link - 1] !== 0) link = this.next[link - 1]!;
      this.next[link - 1] = slot + 1;
    }
  }

  remove(item: T, hash: number): boolean {
    const b = bucketOf(hash, this.capacity);
    for (let prev = 0, link = this.heads[b]!; link !== 0; prev = link, link = this.next[link - 1]!) {
      const i = link - 1;
      if (this.items[i] !== item) continue;
      if (prev === 0) this.heads[b] = this.next[i]!;
      else this.next[prev - 1] = this.next[i]!;
      this.items[i] = undefined;
      this.next[i] = this.free;
      this.free = link;
      return true;
    }
    return false;
  }

  /**
   * The elements of the buckets that grew out of buckets [from, to) of a table of `origins`
   * buckets (this one, or one it doubled from): bucket o's, then o + origins', and so on.
   * With `origins` the capacity and [0, capacity), the whole set in Java's order, into `out`
   * made of the set's size (a million pushes onto an empty array took 2–4× as long).
   */
  copyOrigins(origins: number, from: number, to: number, out: T[] = []): T[] {
    let n = 0;
    const { heads, next, items, capacity } = this;
    for (let o = from; o < to; o++) {
      for (let b = o; b < capacity; b += origins) for (let link = heads[b]!; link !== 0; link = next[link - 1]!) out[n++] = items[link - 1]!;
    }
    return out;
  }

  /**
   * Twice the buckets. Old bucket b's chain splits into new buckets b and b + the old
   * capacity (HashMap.resize's lo and hi lists), its order kept; no other old bucket feeds those two.
   */
  double(): void {
    const old = this.heads;
    const oldCapacity = this.capacity;
    this.capacity *= 2;
    this.heads = new Int32Array(this.capacity);
    this.widenSlots();
    const { heads, next, hashes } = this;
    for (let b = 0; b < oldCapacity; b++) {
      let lo = 0;
      let hi = 0;
      for (let link = old[b]!; link !== 0; ) {
        const i = link - 1;
        const after = next[i]!;
        next[i] = 0;
        if (bucketOf(hashes[i]!, this.capacity) === b) {
          if (lo === 0) heads[b] = link;
          else next[lo - 1] = link;
          lo = link;
        } else {
          if (hi === 0) heads[b + oldCapacity] = link;
          else next[hi - 1] = link;
          hi = link;
        }
        link = after;
      }
    }
  }

  /** Slots for three quarters of the capacity and one (the most a set holds: the add past that doubles it). */
  private widenSlots(): void {
    const length = this.capacity * 0.75 + 1;
    const next = new Int32Array(length);
    next.set(this.next);
    const hashes = new Int32Array(length);
    hashes.set(this.hashes);
    this.next = next;
    this.hashes = hashes;
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
