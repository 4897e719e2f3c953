// The short fault runs of npm test: our ensemble in namespaces while the workloads record.
// Every member serves again and a write succeeds after each heal, every history holds
// acknowledged operations, and the checkers find no anomaly in what ZooKeeper promises.
// The long runs and Apache's are `npm run faults` (docs/faults.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFaults, type RunResult } from './run';
import { summarize } from './summary';
import type { FaultKind } from './schedule';

/** A fixed seed: the schedule (order, targets, holds) is the same on every run, so a failure reproduces with the printed command. */
const SEED = 11;

async function run(kinds: FaultKind[], rounds = kinds.length): Promise<RunResult> {
  const r = await runFaults({ flavour: 'ours', rounds, seed: SEED, faults: kinds, log: (l) => console.log(l) });
  const s = summarize(r);
  console.log(s.text);
  assert.deepEqual(r.problems, [], s.text);
  assert.equal(r.rounds.length, rounds);
  assert.deepEqual(new Set(r.rounds.map((x) => x.kind)), new Set(kinds));
  for (const x of r.rounds) assert.ok(x.recovery_ms !== undefined, `round ${x.round} (${x.kind}) never recovered`);
  const h = r.histories;
  for (const name of ['register', 'set', 'ephemeral', 'syncedRead'] as const) {
    assert.ok((h[name] as { outcome: string }[]).some((o) => o.outcome === 'ok'), `no acknowledged operation in the ${name} history`);
  }
  assert.ok(h.register.some((o) => o.f === 'cas' && o.outcome === 'ok'), 'no cas took effect');
  assert.ok(h.ephemeral.some((o) => o.f === 'exists' && o.outcome === 'ok' && o.output?.exists), 'no observer ever saw an ephemeral');
  return r;
}

test('our ensemble recovers from an isolated leader, a bridge partition, kill -9, a full disk and a torn log, with no anomaly', async () => {
  const kinds: FaultKind[] = ['isolate-leader', 'bridge', 'kill', 'disk-full', 'torn-tail'];
  const r = await run(kinds);
  // Each fault did what it says: a log was cut mid-record, the disk was filled.
  const detail = (kind: FaultKind) => r.rounds.find((x) => x.kind === kind)!.detail;
  assert.match(detail('torn-tail'), /log\.[0-9a-f]+ cut \d+→\d+ bytes \([1-9]\d* records\)/);
  assert.match(detail('disk-full'), /full \([1-9]\d* MiB filler\)/);
});

test(
  'our ensemble under SIGSTOP of its leader past syncLimit then SIGCONT, with no anomaly',
  {
    // Found by these runs: a leader that resumed after a pause answered a sync + read from
    // its old epoch's tree, and told a reconnecting client its session expired while the new
    // leader still held it (the ephemeral outlived the expiry the client saw). Apache 3.8
    // does so under this schedule (npm run faults -- --flavour apache --rounds 2 --seed 11
    // --faults pause-leader); ours now checks its lease first (Lead.leaseHeld).
    timeout: 180_000,
  },
  async () => {
    await run(['pause-leader'], 2);
  },
);
