// One seeded run, and a sweep over seeds: the shape of the ensemble comes from the seed (3
// members, 5, or 3 with an observer), so every shape gets its share of any range of seeds.
import { SimFailure } from './checker';
import { World, type SimOptions } from './world';

export interface RunResult {
  seed: number;
  ok: boolean;
  failure?: string;
  steps: number;
  sim_ms: number;
  writes: number;
  acked: number;
  committed: number;
  elections: number;
}

/** The fault phase of one run, in simulated ms (30 ticks of 100 ms: a few elections, crashes and partitions). */
export const CHAOS_ms = 3000;
/** The bound on settling once healed: elections back off to 1.6 s, a learner retries for 5 s. */
export const SETTLE_ms = 30_000;

export function shapeOf(seed: number): { participants: number; observers: number } {
  switch (seed % 3) {
    case 0:
      return { participants: 3, observers: 0 };
    case 1:
      return { participants: 5, observers: 0 };
    default:
      return { participants: 3, observers: 1 };
  }
}

export function replayCommand(seed: number, chaos_ms = CHAOS_ms): string {
  return `npm run sim -- --seed ${seed}${chaos_ms !== CHAOS_ms ? ` --chaos-ms ${chaos_ms}` : ''}`;
}

export function runSeed(seed: number, over: Partial<SimOptions> = {}): RunResult {
  const w = new World({ seed, ...shapeOf(seed), chaos_ms: CHAOS_ms, settle_ms: SETTLE_ms, faults: true, ...over });
  const result = (): RunResult => ({ seed, ok: true, steps: w.steps, sim_ms: w.now, writes: w.stats.writes, acked: w.checker.acked.size, committed: w.checker.committed.length, elections: w.stats.elections });
  try {
    w.runRandom();
    return result();
  } catch (e) {
    const what = e instanceof SimFailure ? e.message : `seed ${seed} step ${w.steps} (${w.now} ms): a core threw: ${(e as Error).stack}`;
    return { ...result(), ok: false, failure: `${what}\n  replay: ${replayCommand(seed, over.chaos_ms)}\n  last events:\n${w.recentTrace().replace(/^/gm, '    ')}` };
  }
}
