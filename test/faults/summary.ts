// What a fault run says in the end: operations by history and outcome, the recovery time per
// fault kind (from the heal to the first write that succeeded), the problems and the
// checkers' verdicts. The runner prints it; docs/faults.md is made of these.
import type { RunResult } from './run';

export interface Summary {
  ok: boolean;
  text: string;
  recovery: Figures;
  unavailable: Figures;
}

export function summarize(r: RunResult): Summary {
  const recovery = byKind(r, (round) => round.recovery_ms);
  const unavailable = byKind(r, (round) => round.unavailable_ms);
  const count = (list: { outcome: string }[]) => {
    const c = { ok: 0, fail: 0, unknown: 0 } as Record<string, number>;
    for (const o of list) c[o.outcome]!++;
    return `${list.length} (ok ${c.ok}, fail ${c.fail}, unknown ${c.unknown})`;
  };
  const h = r.histories;
  const lines = [
    `${r.flavour}, seed ${r.seed}: ${r.rounds.length}/${r.schedule.length} rounds, run directory ${r.runDir}`,
    `operations: register ${count(h.register)}; synced reads ${count(h.syncedRead)}; set ${count(h.set)}; ephemeral ${count(h.ephemeral)}`,
    'recovery (heal → first write), per fault kind:',
    ...figures(recovery),
    'longest time without a successful write, from the fault to the recovery, per fault kind:',
    ...figures(unavailable),
    'checkers (promised: an anomaly is a bug; not promised: what the server did):',
    ...r.checks.map((c) => `  ${c.checker.padEnd(30)} ${c.promised ? 'promised' : 'reported'}  ${c.valid === true ? 'valid' : c.valid === false ? `ANOMALY ${c.anomaly}` : `undecided (${c.gaveUp})`}  over ${c.operations} operations`),
    ...(r.problems.length ? ['PROBLEMS:', ...r.problems.map((p) => `  ${p}`)] : ['problems: none']),
  ];
  return { ok: r.problems.length === 0, text: lines.join('\n'), recovery, unavailable };
}

type Figures = Record<string, { rounds: number; min_ms: number; median_ms: number; max_ms: number }>;

function byKind(r: RunResult, figure: (round: RunResult['rounds'][number]) => number | undefined): Figures {
  const kinds = new Map<string, number[]>();
  for (const round of r.rounds) {
    const v = figure(round);
    if (v === undefined) continue;
    kinds.set(round.kind, [...(kinds.get(round.kind) ?? []), v]);
  }
  const out: Figures = {};
  for (const [kind, times] of [...kinds].sort()) {
    const sorted = [...times].sort((a, b) => a - b);
    out[kind] = { rounds: sorted.length, min_ms: Math.round(sorted[0]!), median_ms: Math.round(sorted[Math.floor(sorted.length / 2)]!), max_ms: Math.round(sorted.at(-1)!) };
  }
  return out;
}

function figures(f: Figures): string[] {
  return Object.entries(f).map(([k, v]) => `  ${k.padEnd(16)} rounds ${v.rounds}  min ${v.min_ms} ms  median ${v.median_ms} ms  max ${v.max_ms} ms`);
}
