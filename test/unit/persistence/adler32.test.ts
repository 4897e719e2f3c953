// Adler-32 (what ZooKeeper's log entries and snapshots carry) against Python's zlib.adler32,
// an implementation of its own: lengths around the eight-byte steps and the 5552-byte
// reductions, ranges inside a buffer, and checksums continued from one part to the next;
// from NATIVE_ADLER32_FROM_BYTES on, zlib's own checksum (over several stored blocks) combined
// with the one before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { adler32, adler32Of, NATIVE_ADLER32_FROM_BYTES } from '../../../src/persistence/adler32';

test('Adler-32 matches zlib over every length near its steps and reductions, whole and continued', () => {
  const N = NATIVE_ADLER32_FROM_BYTES;
  const bytes = Buffer.alloc(4 * 65536 + 20);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24 || 0xff;
  const lengths = [0, 1, 7, 8, 9, 15, 16, 17, 100, 5551, 5552, 5553, 5559, 5560, 11104, 11105, 3 * 5552 + 20, N - 1, N, N + 1, 65535, 65536 + 7, 2 * N + 3, 4 * 65536 + 15];
  const cases = lengths.map((n, k) => ({ from: k % 5, to: Math.min(bytes.length, (k % 5) + n), split: Math.floor(n / 3) }));
  const script = [
    'import sys, zlib',
    'data = sys.stdin.buffer.read()',
    ...cases.map(({ from, to }) => `print(zlib.adler32(data[${from}:${to}]))`),
    // All 0xff: the largest sums a reduction (and a combination) must keep exact.
    'print(zlib.adler32(b"\\xff" * 100000))',
    `print(zlib.adler32(b"\\xff" * ${N - 1}))`,
  ].join('\n');
  const expected = execFileSync('python3', ['-c', script], { input: bytes }).toString().trim().split('\n').map(Number);
  cases.forEach(({ from, to, split }, k) => {
    assert.equal(adler32Of(bytes, from, to, 1), expected[k], `bytes ${from}..${to}`);
    // Continued: the checksum of the first part carried into the rest, as a snapshot's slices are.
    assert.equal(adler32Of(bytes, from + split, to, adler32Of(bytes, from, from + split, 1)), expected[k], `bytes ${from}..${to} in two parts`);
  });
  assert.equal(adler32(Buffer.alloc(100000, 0xff)), expected[cases.length]);
  assert.equal(adler32(Buffer.alloc(N - 1, 0xff)), expected[cases.length + 1]);
});
