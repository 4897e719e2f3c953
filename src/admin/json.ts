// JSON as ZooKeeper's AdminServer prints it (Jackson's default pretty printer):
// `"key" : value`, two-space indents, `[ ]` and `{ }` when empty, arrays of scalars on
// one line, doubles always with a decimal point, 64-bit ids printed exactly (bigint).
// A Map prints as an object (large answers — watches by path — are built as Maps, cheaper
// than objects with 100k keys), and a large answer is printed in slices that yield to the
// event loop, so that printing it never stalls the server's clients.
import { JavaDouble } from '../metrics/metrics-provider';

export type Json =
  | null
  | boolean
  | number
  | bigint
  | string
  | JavaDouble
  | Json[]
  | ReadonlyMap<string, Json>
  | { [key: string]: Json };

/**
 * Pieces printed per event-loop turn: about 5 ms of work, so that an answer of 150k
 * watches reaches its client in slices while pings and requests go on between them.
 */
export const JSON_PRINT_SLICE = 20_000;

export function prettyJson(value: Json): string {
  let out = '';
  for (const piece of pieces(value, '')) out += piece;
  return out;
}

/** prettyJson, yielding to the event loop every JSON_PRINT_SLICE pieces. */
export async function prettyJsonInSlices(value: Json): Promise<string> {
  let out = '';
  let n = 0;
  for (const piece of pieces(value, '')) {
    out += piece;
    if (++n % JSON_PRINT_SLICE === 0) await new Promise((r) => setImmediate(r));
  }
  return out;
}

function* pieces(value: Json, indent: string): Generator<string> {
  if (value === null) return yield 'null';
  if (typeof value === 'bigint') return yield value.toString();
  if (typeof value === 'number') return yield Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'boolean') return yield String(value);
  if (typeof value === 'string') return yield JSON.stringify(value);
  if (value instanceof JavaDouble) return yield value.toString();
  if (Array.isArray(value)) {
    if (value.length === 0) return yield '[ ]';
    yield '[ ';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) yield ', ';
      yield* pieces(value[i]!, indent);
    }
    return yield ' ]';
  }
  const entries: Iterable<[string, Json]> = value instanceof Map ? value.entries() : Object.entries(value);
  const inner = indent + '  ';
  let first = true;
  for (const [k, v] of entries) {
    yield `${first ? '{\n' : ',\n'}${inner}${JSON.stringify(k)} : `;
    yield* pieces(v, inner);
    first = false;
  }
  yield first ? '{ }' : `\n${indent}}`;
}
