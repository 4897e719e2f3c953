// Lowe's memoization for the linearizability search: the configurations (set of operations
// linearized so far, model state) already explored. Two forms: a hashed one, fast and small,
// whose rare collisions can only prune a branch that was not explored (so a history it
// finds linearizable is; a rejection is confirmed with the exact one), and an exact one.

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
 * The hashed table's first capacity (slots of two 32-bit words); it doubles at half full.
 * 2^16 slots is 512 KiB: room for the states a typical 10,000-operation history explores
 * without a resize, and small beside the bound on states.
 */
const HASHED_SLOTS_INITIAL = 1 << 16;

/**
 * Zobrist hashing: each operation has two random 32-bit words and a set's hash is the xor of
 * its members' words, so adding or removing one is O(1). The state's string is hashed with
 * two FNV-1a variants and mixed in. The table is open addressing over (h1, h2) pairs.
 */
export class HashedCache implements ConfigurationCache {
  private readonly z1: Int32Array;
  private readonly z2: Int32Array;
  private h1 = 0;
  private h2 = 0;
  private slots = new Int32Array(HASHED_SLOTS_INITIAL * 2);
  private used = 0;

  constructor(operations: number, seed = 0x9e3779b9) {
    this.z1 = new Int32Array(operations);
    this.z2 = new Int32Array(operations);
    let s = seed >>> 0;
    const next = (): number => {
      // xorshift32: any fixed sequence of well-spread words serves.
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      return s | 0;
    };
    for (let i = 0; i < operations; i++) {
      this.z1[i] = next();
      this.z2[i] = next();
    }
  }

  tryAdd(op: number, stateKey: string): boolean {
    let a = 0x811c9dc5 | 0;
    let b = 0x01000193 ^ 0x5bd1e995;
    for (let i = 0; i < stateKey.length; i++) {
      const c = stateKey.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
    }
    // (0, 0) marks an empty slot: a key that would be it is moved off it.
    const k1 = this.h1 ^ this.z1[op]! ^ a;
    const k2 = (this.h2 ^ this.z2[op]! ^ b) | (k1 === 0 ? 1 : 0);
    return this.insert(k1, k2);
  }

  place(op: number): void {
    this.h1 ^= this.z1[op]!;
    this.h2 ^= this.z2[op]!;
  }

  unplace(op: number): void {
    this.place(op);
  }

  private insert(k1: number, k2: number): boolean {
    const mask = this.slots.length / 2 - 1;
    let i = (k1 ^ Math.imul(k2, 0x27d4eb2d)) & mask;
    for (;;) {
      const s1 = this.slots[2 * i]!;
      const s2 = this.slots[2 * i + 1]!;
      if (s1 === 0 && s2 === 0) break;
      if (s1 === k1 && s2 === k2) return false;
      i = (i + 1) & mask;
    }
    this.slots[2 * i] = k1;
    this.slots[2 * i + 1] = k2;
    if (++this.used * 2 > this.slots.length / 2) this.grow();
    return true;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    this.used = 0;
    for (let i = 0; i < old.length; i += 2) {
      if (old[i] !== 0 || old[i + 1] !== 0) this.insert(old[i]!, old[i + 1]!);
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
