// CPU time as the kernel counts it, for the benchmarks (a server process's CPU per op) and
// the tests that bound a step's CPU (the calling thread's own).
import { readFileSync } from 'node:fs';

/** Kernel clock ticks per second (getconf CLK_TCK: 100 on Linux everywhere we run). */
export const CLK_TCK = 100;

/** Clock ticks of CPU spread over `ops` operations, in µs per op. */
export function microsPerOp(ticks: number, ops: number): number {
  return ((ticks / CLK_TCK) * 1e6) / Math.max(1, ops);
}

/**
 * utime + stime in clock ticks, fields 14 and 15 of a /proc stat file: `/proc/<pid>/stat`
 * for a process (every thread's), `/proc/thread-self/stat` for the calling thread alone.
 */
export function cpuTicks(statFile: string): number {
  const stat = readFileSync(statFile, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // from field 3, the state
  return Number(fields[11]) + Number(fields[12]);
}
