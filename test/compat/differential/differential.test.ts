// Runs every scenario of scenarios/ against Apache ZooKeeper 3.8 and against ours, side by
// side, and compares the normalised transcripts. A difference we accept on purpose is listed,
// with why, in KNOWN_DIFFERENCES.md and in `known` below; nothing else may differ.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runScenario, ServerPool, transcripts, type Scenario } from './harness';
import { ALL_SCENARIOS } from './scenarios/index';

const MIN_SCENARIOS = 150;

const apache = new ServerPool('apache', '127.0.0.31', 22000);
const ours = new ServerPool('ours', '127.0.0.32', 22000);
after(async () => {
  await Promise.all([apache.stopAll(), ours.stopAll()]);
});

test(`the corpus has at least ${MIN_SCENARIOS} scenarios with distinct names`, () => {
  const names = new Set(ALL_SCENARIOS.map((s) => s.name));
  assert.equal(names.size, ALL_SCENARIOS.length, 'scenario names repeat');
  assert.ok(ALL_SCENARIOS.length >= MIN_SCENARIOS, `only ${ALL_SCENARIOS.length} scenarios`);
});

describe('differential: Apache ZooKeeper 3.8 and ours answer alike', () => {
  ALL_SCENARIOS.forEach((scenario: Scenario, i) => {
    test(scenario.name, async () => {
      const [a, o] = await Promise.all([
        apache.get(scenario.cfg).then((s) => runScenario(s, scenario, i)),
        ours.get(scenario.cfg).then((s) => runScenario(s, scenario, i)),
      ]);
      assert.ok(a.length > 0, 'the scenario recorded nothing');
      assert.deepEqual(o, a, transcripts(a, o));
    });
  });
});
