// JSON as ZooKeeper's AdminServer prints it (Jackson's default pretty printer):
// `"key" : value`, two-space indents, `[ ]` and `{ }` when empty, arrays of scalars on
// one line, doubles always with a decimal point, 64-bit ids printed exactly (bigint).
import { JavaDouble } from '../metrics/metrics-provider';

export type Json = null | boolean | number | bigint | string | JavaDouble | Json[] | { [key: string]: Json };

export function prettyJson(value: Json, indent = ''): string {
  if (value === null) return 'null';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof JavaDouble) return value.toString();
  const inner = indent + '  ';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[ ]';
    return `[ ${value.map((v) => prettyJson(v, indent)).join(', ')} ]`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return '{ }';
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)} : ${prettyJson(v, inner)}`).join(',\n')}\n${indent}}`;
}
