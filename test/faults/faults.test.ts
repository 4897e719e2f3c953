// The short fault run of npm test: our ensemble in namespaces under one round of each of six
// fault kinds (the leader isolated, a bridge partition, kill -9, SIGSTOP past syncLimit, a
// full disk, a torn log tail) while the workloads record. Every member serves again and a
// write succeeds after each heal, every history holds acknowledged operations, and the
// checkers find no anomaly. The long runs and Apache's are `npm run faults` (docs/faults.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFaults } from './run';
import { summarize } from './summary';
import type { FaultKind } from './schedule';

const KINDS: FaultKind[] = ['isolate-leader', 'bridge', 'kill', 'pause', 'disk-full', 'torn-tail'];
/** A fixed seed: the schedule (order, targets, holds) is the same on every run, so a failure reproduces with the printed command. */
const SEED = 11;

test('our ensemble recovers from each fault kind and its histories hold no anomaly', async () => {
  const r = await runFaults({ flavour: 'ours', rounds: KINDS.length, seed: SEED, faults: KINDS, log: (l) => console.log(l) });
  const s = summarize(r);
  console.log(s.text);
  assert.deepEqual(r.problems, [], s.text);
  assert.equal(r.rounds.length, KINDS.length);
  assert.deepEqual(new Set(r.rounds.map((x) => x.kind)), new Set(KINDS));
  for (const x of r.rounds) assert.ok(x.recovery_ms !== undefined, `round ${x.round} (${x.kind}) never recovered`);
  // Each fault did what it says: a log was cut mid-record, the disk was filled.
  const detail = (kind: FaultKind) => r.rounds.find((x) => x.kind === kind)!.detail;
  assert.match(detail('torn-tail'), /log\.[0-9a-f]+ cut \d+→\d+ bytes \([1-9]\d* records\)/);
  assert.match(detail('disk-full'), /full \([1-9]\d* MiB filler\)/);
  const h = r.histories;
  for (const name of ['register', 'set', 'ephemeral', 'syncedRead'] as const) {
    assert.ok((h[name] as { outcome: string }[]).some((o) => o.outcome === 'ok'), `no acknowledged operation in the ${name} history`);
  }
  assert.ok(h.register.some((o) => o.f === 'cas' && o.outcome === 'ok'), 'no cas took effect');
  assert.ok(h.ephemeral.some((o) => o.f === 'exists' && o.outcome === 'ok' && o.output?.exists), 'no observer ever saw an ephemeral');
});
