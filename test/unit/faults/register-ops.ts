// Short builders for register histories in the checkers' tests, and a generator of histories
// that come from a real sequential execution (so they are linearizable by construction).

import fc from 'fast-check';
import type { Outcome, RegisterOp } from '../../faults/history';

export function read(process: number, invokedAt: number, completedAt: number, value: number, version: number): RegisterOp {
  return { process, f: 'read', input: null, output: { value, version }, outcome: 'ok', invokedAt, completedAt };
}

export function write(process: number, invokedAt: number, completedAt: number, value: number, version: number): RegisterOp {
  return { process, f: 'write', input: { value }, output: { version }, outcome: 'ok', invokedAt, completedAt };
}

/** A write whose answer never came (CONNECTIONLOSS): completedAt is when the client gave up. */
export function writeUnknown(process: number, invokedAt: number, completedAt: number, value: number): RegisterOp {
  return { process, f: 'write', input: { value }, outcome: 'unknown', error: 'CONNECTIONLOSS', invokedAt, completedAt };
}

export function cas(
  process: number,
  invokedAt: number,
  completedAt: number,
  expectedVersion: number,
  value: number,
  outcome: Outcome = 'ok',
): RegisterOp {
  const op: RegisterOp = { process, f: 'cas', input: { expectedVersion, value }, outcome, invokedAt, completedAt };
  if (outcome === 'ok') op.output = { version: expectedVersion + 1 };
  if (outcome === 'fail') op.error = 'BADVERSION';
  if (outcome === 'unknown') op.error = 'CONNECTIONLOSS';
  return op;
}

export interface GeneratedHistory {
  ops: RegisterOp[];
  /** The ops in the order they took effect in the execution (unknown ones that did not, left out). */
  order: RegisterOp[];
  /** The value the register held at each version. */
  valueAt: Map<number, number>;
}

/**
 * A history recorded from a real register: each of `clients` clients runs operations one at
 * a time with random durations and gaps; each takes effect at a random instant inside its
 * interval, and the register is updated in the order of those instants. Some writes and cas
 * get no answer ('unknown'): half of those took effect, half did not.
 */
export function executedHistory(clients: number, opsPerClient: number, rng: () => number): GeneratedHistory {
  interface Planned {
    process: number;
    invokedAt: number;
    completedAt: number;
    at: number;
    kind: number;
  }
  const planned: Planned[] = [];
  for (let p = 0; p < clients; p++) {
    let t = rng() * 10;
    for (let i = 0; i < opsPerClient; i++) {
      const duration = 0.5 + rng() * 20;
      planned.push({ process: p, invokedAt: t, completedAt: t + duration, at: t + rng() * duration, kind: rng() });
      t += duration + rng() * 5;
    }
  }
  planned.sort((a, b) => a.at - b.at);
  let value = 0;
  let version = 0;
  let nextValue = 1;
  const ops: RegisterOp[] = [];
  const order: RegisterOp[] = [];
  const valueAt = new Map<number, number>([[0, 0]]);
  for (const pl of planned) {
    const unknown = rng() < 0.05;
    const tookEffect = !unknown || rng() < 0.5;
    let op: RegisterOp;
    if (pl.kind < 0.4) {
      op = { process: pl.process, f: 'read', input: null, output: { value, version }, outcome: 'ok', invokedAt: pl.invokedAt, completedAt: pl.completedAt };
    } else if (pl.kind < 0.7) {
      const v = nextValue++;
      op = { process: pl.process, f: 'write', input: { value: v }, outcome: 'ok', invokedAt: pl.invokedAt, completedAt: pl.completedAt };
      if (tookEffect) {
        value = v;
        version++;
        valueAt.set(version, v);
        op.output = { version };
      }
    } else {
      // A client's cas mostly expects the version it last read: right about half the time.
      const expected = rng() < 0.5 ? version : Math.max(0, version - 1 - Math.floor(rng() * 2));
      const v = nextValue++;
      op = { process: pl.process, f: 'cas', input: { expectedVersion: expected, value: v }, outcome: 'ok', invokedAt: pl.invokedAt, completedAt: pl.completedAt };
      if (expected !== version) {
        op.outcome = 'fail';
        op.error = 'BADVERSION';
      } else if (tookEffect) {
        value = v;
        version++;
        valueAt.set(version, v);
        op.output = { version };
      }
    }
    if (unknown && op.f !== 'read' && op.outcome === 'ok') {
      op.outcome = 'unknown';
      op.error = 'CONNECTIONLOSS';
      delete op.output;
    }
    if (op.outcome !== 'unknown' || tookEffect) order.push(op);
    ops.push(op);
  }
  ops.sort((a, b) => a.invokedAt - b.invokedAt);
  return { ops, order, valueAt };
}

/** fast-check's seeded random numbers as a () => [0, 1) function. */
export const rngArb: fc.Arbitrary<() => number> = fc.integer().map((seed) => mulberry32(seed));

/** A small seeded PRNG (Mulberry32) so a failing property run reproduces from its seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The same operation as run in a session, with the reply's zxid. */
export function inSession<T extends { session?: string; zxid?: number }>(op: T, session: string, zxid?: number): T {
  return zxid === undefined ? { ...op, session } : { ...op, session, zxid };
}
