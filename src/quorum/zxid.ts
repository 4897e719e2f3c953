// zxid = epoch << 32 | counter, as Apache's ZxidUtils — held in a JS number (exact below
// 2^53, so epochs up to 2^21), and never built with JavaScript's 32-bit shift operators.

const COUNTER_SPAN = 0x1_0000_0000;
/** Past this epoch a zxid no longer fits a JS number exactly. */
export const MAX_EPOCH = 2 ** 21 - 1;
/** The last counter of an epoch: a leader that reaches it must start a new epoch (ZOOKEEPER-1277). */
export const MAX_COUNTER = 0xffff_ffff;

export function makeZxid(epoch: number, counter: number): number {
  if (!Number.isInteger(epoch) || epoch < 0 || epoch > MAX_EPOCH) throw new RangeError(`epoch ${epoch} out of range 0..${MAX_EPOCH}`);
  if (!Number.isInteger(counter) || counter < 0 || counter > MAX_COUNTER) throw new RangeError(`counter ${counter} out of range`);
  return epoch * COUNTER_SPAN + counter;
}

export function epochOf(zxid: number): number {
  return Math.floor(zxid / COUNTER_SPAN);
}

export function counterOf(zxid: number): number {
  return zxid - epochOf(zxid) * COUNTER_SPAN;
}

/** 0x-prefixed hex, as Apache logs zxids. */
export function zxidToString(zxid: number): string {
  return `0x${zxid.toString(16)}`;
}
