// java.util.Random's generator, exactly: ZooKeeper derives a session's password from
// Random(sessionId ^ superSecret).nextBytes(16), and a client that reconnects to us with
// a password Apache ZooKeeper issued (or the reverse) must match bit for bit.

const MULTIPLIER = 0x5deece66dn;
const ADDEND = 0xbn;
const MASK = (1n << 48n) - 1n;

export function javaRandomBytes(seed: bigint, count: number): Buffer {
  let state = (BigInt.asUintN(64, seed) ^ MULTIPLIER) & MASK;
  const next32 = (): number => {
    state = (state * MULTIPLIER + ADDEND) & MASK;
    return Number(BigInt.asIntN(32, state >> 16n));
  };
  const out = Buffer.alloc(count);
  // nextBytes: each int gives up to four bytes, low byte first.
  for (let i = 0; i < count; ) {
    let rnd = next32();
    for (let n = Math.min(count - i, 4); n-- > 0; rnd >>= 8) out[i++] = rnd & 0xff;
  }
  return out;
}
