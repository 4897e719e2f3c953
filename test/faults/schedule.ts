// A fault run's schedule, drawn from a seed before the run starts, so that the seed alone
// reproduces it: for each round a fault kind, its target (a role resolved when the round
// starts, or a myid) and how long the fault holds before it is healed.

/** mulberry32: a small seeded generator; the same seed gives the same schedule everywhere. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
}

export const FAULT_KINDS = [
  'isolate-leader',
  'isolate-follower',
  'split-2-1',
  'split-1-1-1',
  'bridge',
  'kill',
  'pause',
  'pause-leader',
  'disk-full',
  'torn-tail',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface Round {
  round: number;
  kind: FaultKind;
  /** The member the fault is about: 'leader'/'follower' as srvr says when the round starts, or a myid. */
  target: 'leader' | 'follower' | number;
  /** How long the fault lasts before the heal. */
  hold_ms: number;
}

/**
 * How long a fault holds: past an election (a few ticks) and past syncLimit (5 ticks of
 * 500 ms = 2.5 s, after which a leader gives up a silent follower and a follower its leader),
 * short enough that a run of 100 rounds takes minutes, not hours.
 */
export const HOLD_ms = { min: 3000, max: 6000 } as const;

export function parseFaultKinds(list: string): FaultKind[] {
  const kinds = list.split(',').map((k) => k.trim()).filter(Boolean);
  for (const k of kinds) if (!(FAULT_KINDS as readonly string[]).includes(k)) throw new Error(`unknown fault kind ${k}; the kinds: ${FAULT_KINDS.join(', ')}`);
  return kinds as FaultKind[];
}

/**
 * The rounds of a run: each block of kinds.length rounds takes every kind once, in an order
 * the seed shuffles (so a short run covers every kind it names); targets and holds by the seed.
 */
export function makeSchedule(seed: number, rounds: number, kinds: readonly FaultKind[], members: number): Round[] {
  const rng = new Rng(seed);
  const schedule: Round[] = [];
  let block: FaultKind[] = [];
  for (let round = 1; round <= rounds; round++) {
    if (block.length === 0) {
      block = [...kinds];
      for (let i = block.length - 1; i > 0; i--) {
        const j = rng.int(0, i);
        [block[i], block[j]] = [block[j]!, block[i]!];
      }
    }
    const kind = block.shift()!;
    const target = kind === 'isolate-leader' || kind === 'pause-leader' ? 'leader' : kind === 'isolate-follower' ? 'follower' : rng.int(1, members);
    schedule.push({ round, kind, target, hold_ms: rng.int(HOLD_ms.min, HOLD_ms.max) });
  }
  return schedule;
}
