// Adler-32, the checksum ZooKeeper's txn log entries and snapshots carry (java.util.zip.Adler32).
// Node's zlib does not expose it, and it is a dozen lines.

const MOD = 65521;
/** Largest run of bytes before the sums must be reduced to stay exact in doubles. */
const NMAX = 5552;

/** The checksum of `buf`, continuing from `start` (1 for a fresh checksum). */
export function adler32(buf: Uint8Array, start = 1): number {
  return adler32Of(buf, 0, buf.length, start);
}

/** The checksum of buf[from, to), continuing from `start`: no view made for a range. */
export function adler32Of(buf: Uint8Array, from: number, to: number, start: number): number {
  let a = start & 0xffff;
  let b = (start >>> 16) & 0xffff;
  let i = from;
  const n = to;
  while (i < n) {
    const end = Math.min(i + NMAX, n);
    // Eight bytes a step (1.6x the speed of one, on 64 MiB): over eight bytes b gains a eight
    // times and each byte once per step from it to the end. Snapshots checksum every byte.
    for (; i + 8 <= end; i += 8) {
      const b0 = buf[i]!;
      const b1 = buf[i + 1]!;
      const b2 = buf[i + 2]!;
      const b3 = buf[i + 3]!;
      const b4 = buf[i + 4]!;
      const b5 = buf[i + 5]!;
      const b6 = buf[i + 6]!;
      const b7 = buf[i + 7]!;
      b += 8 * (a + b0) + 7 * b1 + 6 * b2 + 5 * b3 + 4 * b4 + 3 * b5 + 2 * b6 + b7;
      a += b0 + b1 + b2 + b3 + b4 + b5 + b6 + b7;
    }
    for (; i < end; i++) {
      a += buf[i]!;
      b += a;
    }
    a %= MOD;
    b %= MOD;
  }
  return ((b << 16) | a) >>> 0;
}
