// The ensemble simulation in npm test: 1,000 seeds (3 members, 5, and 3 with an observer),
// a replay that is exact, and the checker shown to fail on deliberately broken cores
// (wrapped from here: the production cores have no switch for it).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Leader, type LeaderOptions, type LeaderStart } from '../../src/quorum/leader';
import { Learner, type LearnerEffect } from '../../src/quorum/learner';
import { runSeed, type RunResult } from './run';

/** Seeds run in npm test: 1,000 take ~10 s on one core. Longer sweeps: npm run sim -- --seeds 100000. */
const SEEDS = 1000;

test(`${SEEDS} seeded runs: every invariant holds, and the healed ensemble settles with every acknowledged write on every member`, () => {
  const t0 = Date.now();
  const failures: RunResult[] = [];
  let acked = 0;
  let steps = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const r = runSeed(seed);
    acked += r.acked;
    steps += r.steps;
    if (!r.ok) failures.push(r);
  }
  console.log(`${SEEDS} seeds: ${steps} steps, ${acked} acknowledged writes, ${failures.length} failed, ${Date.now() - t0} ms`);
  assert.equal(failures.length, 0, failures.map((f) => f.failure).join('\n\n'));
  assert.ok(acked > SEEDS, 'the runs acknowledge writes');
});

test('a seed replays exactly', () => {
  const a = runSeed(7);
  const b = runSeed(7);
  assert.deepEqual(a, b);
});

/** Runs seeds with broken cores until one fails; returns the failure. */
function firstFailure(over: Parameters<typeof runSeed>[1], seeds = 300): string {
  for (let seed = 1; seed <= seeds; seed++) {
    const r = runSeed(seed, over);
    if (!r.ok) return r.failure!;
  }
  return assert.fail(`no failure in ${seeds} seeds`);
}

test('the checker fails on a leader that commits on a minority of ACKs (its own), and prints the replay command', () => {
  // A Leader whose quorum test, once it serves, is satisfied by its own ACK alone.
  const makeLeader = (o: LeaderOptions, s: LeaderStart): Leader => {
    let core: Leader | undefined = undefined;
    core = new Leader({ ...o, containsQuorum: (ids) => (core?.isServing ? ids.has(o.myid) : o.containsQuorum(ids)) }, s);
    return core;
  };
  const failure = firstFailure({ makeLeader });
  assert.match(failure, /lost|was committed|established|no leader committed/);
  assert.match(failure, /replay: npm run sim -- --seed \d+/);
});

test('the checker fails on a learner that ACKs before its log is durable', () => {
  class EagerAckLearner extends Learner {
    override ready(): LearnerEffect[] {
      const out: LearnerEffect[] = [];
      for (let batch = super.ready(); batch.length > 0; batch = super.ready()) {
        for (const e of batch) {
          out.push(e);
          if (e.kind === 'log') this.step({ kind: 'persisted', upTo: e.txns.at(-1)!.hdr.zxid });
        }
      }
      return out;
    }
  }
  const failure = firstFailure({ makeLearner: (o, s) => new EagerAckLearner(o, s) });
  assert.match(failure, /before (it was|the txns of its sync were) durable/);
});
