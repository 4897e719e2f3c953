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
    for (; i < end; i++) {
      a += buf[i]!;
      b += a;
    }
    a %= MOD;
    b %= MOD;
  }
  return ((b << 16) | a) >>> 0;
}
