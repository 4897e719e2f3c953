// npm run faults -- --flavour ours|apache --rounds N --seed S [--faults kinds] [--keep]
// npm run faults -- --check <run directory>   (the checkers again over a kept run's histories.json)
// A fault run on real processes in network namespaces (test/faults/run.ts): prints each
// round, the recovery times per fault kind and the checkers' verdicts; exits 1 on an anomaly
// or a member that did not recover, after printing the seed and schedule that reproduce it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { checkAll } from '../test/faults/check';
import type { Histories } from '../test/faults/history';
import { runFaults } from '../test/faults/run';
import { FAULT_KINDS, parseFaultKinds } from '../test/faults/schedule';
import { summarize } from '../test/faults/summary';

const { values } = parseArgs({
  options: {
    flavour: { type: 'string', default: 'ours' },
    rounds: { type: 'string', default: '10' },
    seed: { type: 'string' },
    faults: { type: 'string', default: FAULT_KINDS.join(',') },
    keep: { type: 'boolean', default: false },
    check: { type: 'string' },
  },
});
if (values.flavour !== 'ours' && values.flavour !== 'apache') throw new Error(`--flavour ours|apache, not ${values.flavour}`);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
if (values.check !== undefined) {
  const h = JSON.parse(readFileSync(join(values.check, 'histories.json'), 'utf8')) as Histories;
  let ok = true;
  for (const c of checkAll(h)) {
    console.log(`${c.checker.padEnd(30)} ${c.promised ? 'promised' : 'reported'}  ${c.valid === true ? 'valid' : c.valid === false ? `ANOMALY ${c.anomaly} ${JSON.stringify(c.witnesses).slice(0, 1500)}` : `undecided (${c.gaveUp})`}  over ${c.operations} operations`);
    if (c.promised && c.valid === false) ok = false;
  }
  process.exit(ok ? 0 : 1);
}
const flavour = values.flavour;
void (async () => {
  const result = await runFaults({ flavour, rounds: Number(values.rounds), seed, faults: parseFaultKinds(values.faults!), keep: values.keep });
  const summary = summarize(result);
  console.log(summary.text);
  process.exit(summary.ok ? 0 : 1);
})();
