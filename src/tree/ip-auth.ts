// The ip scheme as ZooKeeper 3.8's IPAuthenticationProvider reads it: an ACL id is an IPv4
// address in four dotted decimal parts with an optional "/bits" (0..32), each number read
// as Java's Integer.parseInt reads it (a sign is allowed, leading zeros too; empty, hex,
// spaces and anything else are not). IPv6 is not understood there: an IPv6 id is refused
// and an IPv6 client matches no ip ACL. Anything ZooKeeper refuses is INVALIDACL here too,
// and never a mask of 0 that opens a node to every address.

/** IPAuthenticationProvider.isValid: what a create or setACL accepts as an ip ACL id. */
export function isValidIpId(id: string): boolean {
  return parseIpAcl(id) !== undefined;
}

/** IPAuthenticationProvider.matches: whether a client at `address` matches the ACL id. */
export function ipMatches(address: string, aclId: string): boolean {
  const acl = parseIpAcl(aclId);
  if (!acl) return false;
  const remote = v4AddrBytes(address);
  if (!remote) return false;
  mask(acl.bytes, acl.bits);
  mask(remote, acl.bits);
  return remote.every((b, i) => b === acl.bytes[i]);
}

function parseIpAcl(id: string): { bytes: number[]; bits: number } | undefined {
  // String.split("/", 2): the first "/" divides; whatever follows it is the mask, "/"s and all.
  const slash = id.indexOf('/');
  const bytes = v4AddrBytes(slash < 0 ? id : id.slice(0, slash));
  if (!bytes) return undefined;
  let bits = bytes.length * 8;
  if (slash >= 0) {
    const parsed = javaParseInt(id.slice(slash + 1));
    if (parsed === undefined || parsed < 0 || parsed > bytes.length * 8) return undefined;
    bits = parsed;
  }
  return { bytes, bits };
}

/** v4addr2Bytes: exactly four parts (empty ones count), each 0..255. */
function v4AddrBytes(addr: string): number[] | undefined {
  const parts = addr.split('.');
  if (parts.length !== 4) return undefined;
  const bytes: number[] = [];
  for (const part of parts) {
    const v = javaParseInt(part);
    if (v === undefined || v < 0 || v > 255) return undefined;
    bytes.push(v);
  }
  return bytes;
}

/** Keeps the first `bits` bits of the address and zeroes the rest. */
function mask(bytes: number[], bits: number): void {
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    bytes[i] = bytes[i]! & ((0xff << (8 - keep)) & 0xff);
  }
}

const JAVA_INT_MAX = 2 ** 31 - 1;
const ND = /^\p{Nd}$/u;

/**
 * Integer.parseInt(s, 10), or undefined where Java throws NumberFormatException (empty,
 * a lone sign, any other character, past the int range). Java reads one UTF-16 unit at a
 * time with Character.digit, which takes any Unicode Nd digit of the BMP (a digit outside
 * it is two surrogates there, and no digit).
 */
export function javaParseInt(s: string): number | undefined {
  const signed = s[0] === '+' || s[0] === '-';
  if (s.length === (signed ? 1 : 0)) return undefined;
  let value = 0;
  for (let i = signed ? 1 : 0; i < s.length; i++) {
    const unit = s[i]!;
    if (!ND.test(unit)) return undefined;
    value = value * 10 + digitValue(unit);
    if (value > JAVA_INT_MAX + 1) return undefined;
  }
  if (s[0] !== '-') return value > JAVA_INT_MAX ? undefined : value;
  return 0 - value;
}

/** No run of consecutive Nd code points is longer (the longest, U+1D7CE..U+1D7FF, holds 50). */
const LONGEST_ND_RUN = 50;

/**
 * The value of one Nd digit. Unicode lays every Nd digit out in runs of ten, zero to nine,
 * so the value is the position in its run: the count of Nd characters just before it, mod 10.
 */
function digitValue(ch: string): number {
  if (ch >= '0' && ch <= '9') return ch.charCodeAt(0) - 48;
  let cp = ch.charCodeAt(0);
  let before = 0;
  while (before < LONGEST_ND_RUN && ND.test(String.fromCharCode(cp - 1))) {
    cp--;
    before++;
  }
  return before % 10;
}
