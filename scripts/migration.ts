// The rolling migration run for as long as asked: `npm run migration -- --rounds 5` runs
// Apache's rolling restart, then 5 rounds of Apache → zookeeper-ts → Apache, one member at a
// time under continuous load, and prints each step's no-write window and every check's
// anomalies. --ours N / --kazoo N set the writers of each client (default 4 and 4), --pause-ms
// their pause per round (default 10). Exits 1 on any anomaly.
// Uses 127.0.41.1–3 (the test uses 127.0.40.x), so it can run beside npm test.
import { runMigration } from '../test/system/migration/run';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

async function main(): Promise<void> {
  const rounds = arg('rounds', 3);
  const load = { ours: arg('ours', 4), kazoo: arg('kazoo', 4), pause_ms: arg('pause-ms', 10), sessionTimeout_ms: arg('session-timeout-ms', 10_000) };
  const t0 = Date.now();
  console.log(`rolling restart + ${rounds} rounds of apache→ours→apache; load ${JSON.stringify(load)}`);
  const { anomalies, figures } = await runMigration({ hosts: ['127.0.41.1', '127.0.41.2', '127.0.41.3'], rounds, load, log: (l) => console.log(l) });
  for (const f of figures) console.log(f);
  let found = 0;
  for (const [check, list] of Object.entries(anomalies)) {
    console.log(`${check}: ${list.length === 0 ? 'ok' : `${list.length} anomalies`}`);
    for (const a of list.slice(0, 10)) console.log(`  ${a}`);
    found += list.length;
  }
  console.log(`${((Date.now() - t0) / 1000).toFixed(0)} s`);
  process.exit(found > 0 ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
