// The ACL-id scenarios (differential/scenarios/acl-ids.ts) on a server pair of their own:
// Apache ZooKeeper 3.8 and ours must give the same error code for every id of the table,
// by create and by setACL, and grant and deny alike under ip ACLs. The scenarios are also
// part of the whole corpus that differential.test.ts runs.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runScenario, ServerPool } from './differential/harness';
import { ACL_IDS } from './differential/scenarios/acl-ids';

const apache = new ServerPool('apache', '127.0.3.1', 2181);
const ours = new ServerPool('ours', '127.0.3.2', 2181);
after(async () => {
  await Promise.all([apache.stopAll(), ours.stopAll()]);
});

describe('ACL ids: Apache ZooKeeper 3.8 and ours accept, refuse and match alike', () => {
  ACL_IDS.forEach((scenario, i) => {
    test(scenario.name, async () => {
      const [a, o] = await Promise.all([
        apache.get(scenario.cfg).then((s) => runScenario(s, scenario, i)),
        ours.get(scenario.cfg).then((s) => runScenario(s, scenario, i)),
      ]);
      assert.ok(a.length > 0, 'the scenario recorded nothing');
      const show = (lines: unknown[]) => lines.map((l) => JSON.stringify(l)).join('\n');
      assert.deepEqual(o, a, `apache:\n${show(a)}\nours:\n${show(o)}`);
    });
  });
});
