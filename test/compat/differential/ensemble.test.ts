// The differential corpus again, against ensembles: three Apache ZooKeeper 3.8 members and
// three of ours, the scenario's clients on a FOLLOWER of each, so that every write goes
// through the follower's forwarding to the leader and back, and every read, watch and
// session event comes from a member that learns of changes by COMMIT. Transcripts are
// compared as in differential.test.ts; what an ensemble answers differently from a
// standalone is the same on both sides and compared too. Every scenario runs: none is left
// out (KNOWN_DIFFERENCES.md says what an ensemble answers differently, on both sides).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EnsemblePool, runScenario, transcripts, type Scenario } from './harness';
import { ALL_SCENARIOS } from './scenarios/index';

/** Three addresses per ensemble, one ensemble per distinct cfg of the corpus (four today). */
const hostsFrom = (first: number) => [0, 10, 20, 30].map((g) => [0, 1, 2].map((i) => `127.0.12.${first + g + i}`));
const apache = new EnsemblePool('apache', hostsFrom(1));
const ours = new EnsemblePool('ours', hostsFrom(4));
after(async () => {
  await Promise.all([apache.stopAll(), ours.stopAll()]);
});

/** The corpus's scenarios grouped by cfg, so that each group's ensembles run, then stop. */
const groups = new Map<string, { cfg: Scenario['cfg']; scenarios: [Scenario, number][] }>();
ALL_SCENARIOS.forEach((s, i) => {
  const key = JSON.stringify(s.cfg ?? {});
  if (!groups.has(key)) groups.set(key, { cfg: s.cfg, scenarios: [] });
  groups.get(key)!.scenarios.push([s, i]);
});

for (const [key, { cfg, scenarios }] of groups) {
  describe(`differential on 3-member ensembles, client on a follower, cfg ${key}`, () => {
    after(async () => {
      await Promise.all([apache.release(cfg), ours.release(cfg)]);
    });
    for (const [scenario, i] of scenarios) {
      test(scenario.name, async () => {
        const [a, o] = await Promise.all([
          apache.get(cfg).then((s) => runScenario(s, scenario, i)),
          ours.get(cfg).then((s) => runScenario(s, scenario, i)),
        ]);
        assert.ok(a.length > 0, 'the scenario recorded nothing');
        assert.deepEqual(o, a, transcripts(a, o));
      });
    }
  });
}
