// Long runs of the ensemble simulation (test/sim): `npm run sim -- --seeds 100000` sweeps
// seeds 1..N (or --from A --seeds N), `npm run sim -- --seed 49` replays one seed and prints
// its failure with the last events (SIM_TRACE=1 prints every event). Exits 1 on a failure.
import { CHAOS_ms, runSeed } from '../test/sim/run';

function arg(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : Number(process.argv[i + 1]);
}

const chaos_ms = arg('chaos-ms') ?? CHAOS_ms;
const one = arg('seed');
const from = one ?? arg('from') ?? 1;
const count = one !== undefined ? 1 : (arg('seeds') ?? 1000);
const t0 = Date.now();
let failed = 0;
let steps = 0;
let acked = 0;
for (let seed = from; seed < from + count; seed++) {
  const r = runSeed(seed, { chaos_ms });
  steps += r.steps;
  acked += r.acked;
  if (!r.ok) {
    failed++;
    console.log(`FAIL ${r.failure}\n`);
    if (failed >= 5) break;
  } else if (one !== undefined) {
    console.log(`seed ${seed}: ok, ${r.steps} steps, ${r.sim_ms} simulated ms, ${r.writes} writes, ${r.acked} acknowledged, ${r.committed} committed, ${r.elections} leaders elected`);
  }
  if (count > 1 && (seed - from + 1) % 10_000 === 0) console.log(`${seed - from + 1} seeds, ${failed} failed, ${Math.round((Date.now() - t0) / 1000)} s`);
}
console.log(`${count} seeds from ${from} (chaos ${chaos_ms} ms each): ${failed} failed; ${steps} steps, ${acked} acknowledged writes, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
process.exit(failed > 0 ? 1 : 0);
