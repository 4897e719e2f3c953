// Lowe's memoization for the linearizability search: the configurations (set of operations
// linearized so far, model state) already explored. Two forms: a hashed one (128 bits),
// fast and small, and an exact one, six times slower on a 10,000-operation history, that
// the tests hold the hashed one to.

/** The search's cache: tryAdd asks about the current set plus op, in the state named stateKey. */
export interface ConfigurationCache {
  /** True when (set ∪ {op}, state) had not been seen; it is recorded as seen. */
  tryAdd(op: number, stateKey: string): boolean;
  /** op joins the current set (after a tryAdd that returned true). */
  place(op: number): void;
  /** op leaves the current set (the search backtracks). */
  unplace(op: number): void;
}

/**
 * The hashed table's first capacity (slots of four 32-bit words); it doubles at half full.
 * 2^16 slots is 1 MiB: room for the 25,000 states a 10,000-operation history explores
 * without a resize, and small beside what the bound on states can fill (64 MiB at 1e6).
 */
const HASHED_SLOTS_INITIAL = 1 << 16;
const WORDS = 4;

/**
 * Zobrist hashing: each operation has four random 32-bit words and a set's hash is the xor
 * of its members' words, so adding or removing one is O(1); the state's string is hashed
 * (FNV-1a variants) into the same 128 bits. Two configurations collide with probability
 * 2^-128 per pair: at the bound of 1e6 states, below 1e-26 for a whole search. A collision
 * could only prune a branch that was not explored (a valid history reported invalid); the
 * search takes that risk for a sixfold speed over the exact cache.
 */
export class HashedCache implements ConfigurationCache {
  private readonly z: Int32Array;
  private readonly h = new Int32Array(WORDS);
  private readonly k = new Int32Array(WORDS);
  private slots = new Int32Array(HASHED_SLOTS_INITIAL * WORDS);
  private used = 0;

  constructor(operations: number, seed = 0x9e3779b9) {
    this.z = new Int32Array(operations * WORDS);
    let s = seed >>> 0;
    for (let i = 0; i < this.z.length; i++) {
      // xorshift32: any fixed sequence of well-spread words serves.
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      s >>>= 0;
      this.z[i] = s | 0;
    }
  }

  tryAdd(op: number, stateKey: string): boolean {
    let a = 0x811c9dc5 | 0;
    let b = 0x5bd1e995 | 0;
    for (let i = 0; i < stateKey.length; i++) {
      const c = stateKey.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
    }
    const k = this.k;
    const z = op * WORDS;
    k[0] = this.h[0]! ^ this.z[z]! ^ a;
    k[1] = this.h[1]! ^ this.z[z + 1]! ^ b;
    k[2] = this.h[2]! ^ this.z[z + 2]! ^ Math.imul(a, 0x27d4eb2d);
    // All-zero marks an empty slot: a key that would be it is moved off it.
    k[3] = (this.h[3]! ^ this.z[z + 3]! ^ Math.imul(b, 0x165667b1)) | (k[0] === 0 && k[1] === 0 && k[2] === 0 ? 1 : 0);
    return this.insert(k);
  }

  place(op: number): void {
    const z = op * WORDS;
    for (let w = 0; w < WORDS; w++) this.h[w] = this.h[w]! ^ this.z[z + w]!;
  }

  unplace(op: number): void {
    this.place(op);
  }

  private insert(k: Int32Array): boolean {
    const slots = this.slots;
    const mask = slots.length / WORDS - 1;
    let i = (k[0]! ^ Math.imul(k[1]!, 0x27d4eb2d)) & mask;
    for (;;) {
      const o = i * WORDS;
      const s0 = slots[o]!;
      const s1 = slots[o + 1]!;
      const s2 = slots[o + 2]!;
      const s3 = slots[o + 3]!;
      if (s0 === 0 && s1 === 0 && s2 === 0 && s3 === 0) break;
      if (s0 === k[0] && s1 === k[1] && s2 === k[2] && s3 === k[3]) return false;
      i = (i + 1) & mask;
    }
    slots.set(k, i * WORDS);
    if (++this.used * 2 > slots.length / WORDS) this.grow();
    return true;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    this.used = 0;
    for (let o = 0; o < old.length; o += WORDS) {
      const key = old.subarray(o, o + WORDS);
      if (key[0] !== 0 || key[1] !== 0 || key[2] !== 0 || key[3] !== 0) this.insert(key);
    }
  }
}

/** The set itself (as a bitset, keyed by where its runs begin) beside the state: no collisions. */
export class ExactCache implements ConfigurationCache {
  private readonly bits: Uint32Array;
  private readonly seen = new Set<string>();

  constructor(operations: number) {
    this.bits = new Uint32Array(Math.ceil(operations / 32) + 1);
  }

  tryAdd(op: number, stateKey: string): boolean {
    this.place(op);
    const key = this.setKey() + '|' + stateKey;
    this.unplace(op);
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    return true;
  }

  place(op: number): void {
    this.bits[op >>> 5]! |= 1 << (op & 31);
  }

  unplace(op: number): void {
    this.bits[op >>> 5]! &= ~(1 << (op & 31));
  }

  /**
   * The indices where a run of set or unset bits begins: the search places operations near
   * the front, so the set is a long run of ones and a ragged edge, and the key stays short
   * where a copy of the whole bitset would not.
   */
  private setKey(): string {
    const starts: number[] = [];
    let inRun = false;
    for (let w = 0; w < this.bits.length; w++) {
      const word: number = this.bits[w]!;
      if (word === (inRun ? 0xffffffff : 0)) continue;
      for (let b = 0; b < 32; b++) {
        const on: number = (word >>> b) & 1;
        if ((on === 1) !== inRun) {
          starts.push(w * 32 + b);
          inRun = !inRun;
        }
      }
    }
    return starts.join(',');
  }
}
