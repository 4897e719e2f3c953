// bench/load.ts, as issue 15 asks for it, in a short run: Apache's own Java client drives
// Apache ZooKeeper 3.8 and ours (plain and on secureClientPort), and every op's row has
// ops/s, p50 ≤ p99 ≤ p999 and the server's CPU per op for both. Addresses 127.0.53.5/6
// (the benchmark's defaults are 127.0.53.1/2, so a benchmark run beside this test is left alone).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../..');
/** A short run: 4 server starts, LoadGen's JVM each, 3 phases of ~1 s; minutes only if something hangs. */
const BENCH_TIMEOUT_ms = 300_000;

interface Row {
  op: string;
  ops_s: [number, number];
  p50_ms: [number, number];
  p99_ms: [number, number];
  p999_ms: [number, number];
  cpu_us: [number, number];
  client_cpu_us: [number, number];
}

/** The op rows of each table, in order: `| op | A ops/s | o ops/s | ratio | p50 A / o | p99 A / o | ratio | p999 A / o | ratio | CPU A / o | ratio | client CPU A / o |`. */
function tables(out: string): { title: string; rows: Row[] }[] {
  const found: { title: string; rows: Row[] }[] = [];
  for (const line of out.split('\n')) {
    if (line.startsWith('### ')) found.push({ title: line.slice(4), rows: [] });
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 13 || !/^[a-zA-Z]+$/.test(cells[1]!) || cells[1] === 'op') continue;
    const both = (c: string) => c.split('/').map(Number) as [number, number];
    found.at(-1)!.rows.push({ op: cells[1]!, ops_s: [Number(cells[2]), Number(cells[3])], p50_ms: both(cells[5]!), p99_ms: both(cells[6]!), p999_ms: both(cells[8]!), cpu_us: both(cells[10]!), client_cpu_us: both(cells[12]!) });
  }
  return found;
}

test("bench/load.ts: Apache's Java client loads both servers, plain and TLS; every op has ops/s, p50 ≤ p99 ≤ p999 and CPU per op for each", { timeout: BENCH_TIMEOUT_ms }, () => {
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'bench/load.ts', '--seconds', '1', '--warmup', '0.5', '--reps', '1', '--shape', '2x2', '--ops', 'create,setData,delete', '--no-snapshots', '--tls', '--hosts', '127.0.53.5,127.0.53.6'],
    { cwd: REPO, encoding: 'utf8', timeout: BENCH_TIMEOUT_ms },
  );
  assert.equal(run.status, 0, `bench/load.ts failed:\n${run.stdout}\n${run.stderr}`);
  const found = tables(run.stdout);
  assert.deepEqual(
    found.map((t) => t.title),
    ['2 sessions × 2 in flight', 'TLS (secureClientPort, PKCS12 key stores, Netty on both ends), 2 × 2'],
    run.stdout,
  );
  for (const t of found) {
    assert.deepEqual(t.rows.map((r) => r.op), ['create', 'setData', 'delete'], t.title);
    for (const r of t.rows) {
      for (const i of [0, 1]) {
        const where = `${t.title}, ${r.op}, ${i === 0 ? 'Apache' : 'ours'}:\n${run.stdout}`;
        assert.ok(r.ops_s[i]! > 0, where);
        assert.ok(r.p50_ms[i]! > 0 && r.p50_ms[i]! <= r.p99_ms[i]! && r.p99_ms[i]! <= r.p999_ms[i]!, where);
        // A write costs its server CPU (a JVM or node parsing, logging, fsyncing it): zero would mean the wrong pid.
        assert.ok(r.cpu_us[i]! > 0, where);
        // So does the client's side (the LoadGen JVM): zero would mean its pid was not the one read.
        assert.ok(r.client_cpu_us[i]! > 0, where);
      }
    }
  }
  // The load came from Apache's client (LoadGen), not ours.
  assert.match(run.stdout, /^.*Load: Apache ZooKeeper 3\.8's Java client \(bench\/java\/LoadGen\.java/m);
});
