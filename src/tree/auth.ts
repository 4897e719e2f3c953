// Authentication providers: what `addauth scheme auth` proves about a connection.
// digest (user:password → user:base64(sha1)), ip (the peer's address), and the
// superDigest that makes a digest user the super user. Same digests as ZooKeeper's
// DigestAuthenticationProvider, so ACLs made with Apache's tools match here.
import { javaStringHash } from './child-order';
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { Id } from '../jute/records';

/** DigestAuthenticationProvider.generateDigest: "user:password" → "user:base64(sha1(user:password))". */
export function generateDigest(idPassword: string): string {
  const user = idPassword.split(':', 1)[0]!;
  return `${user}:${createHash('sha1').update(idPassword, 'utf8').digest('base64')}`;
}

/** The ids an auth packet adds, or undefined when the scheme is unknown or the data invalid (AUTHFAILED). */
export function authenticate(scheme: string, auth: Buffer, remoteAddress: string, superDigest?: string): Id[] | undefined {
  switch (scheme) {
    case 'digest': {
      const idPassword = auth.toString('utf8');
      const digest = generateDigest(idPassword);
      // The super user is whoever proves the superDigest's password (listed first, as ZooKeeper adds it).
      const ids: Id[] = superDigest !== undefined && digest === superDigest ? [{ scheme: 'super', id: '' }] : [];
      ids.push({ scheme: 'digest', id: digest });
      return ids;
    }
    case 'ip':
      return [{ scheme: 'ip', id: remoteAddress }];
    default:
      return undefined;
  }
}

/** Whether `id` (from an ACL) matches the authenticated `aid` of a connection, per scheme. */
export function matches(scheme: string, aid: string, aclId: string): boolean {
  switch (scheme) {
    case 'digest':
    case 'super':
      return aid === aclId;
    case 'ip':
      return ipMatches(aid, aclId);
    default:
      return false;
  }
}

/** Valid ids per scheme, as each provider's isValid. */
export function isValidId(scheme: string, id: string): boolean {
  switch (scheme) {
    case 'digest':
      return id.split(':').length === 2;
    case 'ip':
      return parseIpMask(id) !== undefined;
    default:
      return false;
  }
}

/** Schemes with a server provider (ZooKeeper's ProviderRegistry); world and auth are handled apart. */
export function isKnownScheme(scheme: string): boolean {
  return scheme === 'digest' || scheme === 'ip';
}

/** IPAuthenticationProvider.matches: the ACL id is an address with an optional /bits. */
function ipMatches(address: string, aclId: string): boolean {
  const mask = parseIpMask(aclId);
  const addr = ipBytes(address);
  if (!mask || !addr || addr.length !== mask.bytes.length) return false;
  let bits = mask.bits;
  for (let i = 0; i < addr.length && bits > 0; i++, bits -= 8) {
    const m = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((addr[i]! & m) !== (mask.bytes[i]! & m)) return false;
  }
  return true;
}

function parseIpMask(id: string): { bytes: number[]; bits: number } | undefined {
  const [addr, bitsText] = id.split('/', 2);
  const bytes = ipBytes(addr ?? '');
  if (!bytes) return undefined;
  const bits = bitsText === undefined ? bytes.length * 8 : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > bytes.length * 8) return undefined;
  return { bytes, bits };
}

function ipBytes(address: string): number[] | undefined {
  const kind = isIP(address);
  if (kind === 4) return address.split('.').map(Number);
  if (kind === 6) {
    const [head, tail] = address.split('::', 2) as [string, string | undefined];
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
    return groups.flatMap((g) => {
      const v = parseInt(g, 16);
      return [v >> 8, v & 0xff];
    });
  }
  return undefined;
}

/**
 * A connection's identities in the order ZooKeeper holds them: a set backed by a
 * ConcurrentHashMap (16 buckets while it holds at most 12), iterated bucket by bucket,
 * insertion order within one. whoAmI lists them, and an `auth` ACL is built from them, in
 * this order. The bucket comes from Id.hashCode (jute's 17/37 scheme over both strings).
 */
export function inJavaSetOrder(ids: Id[]): Id[] {
  const bucketOf = (id: Id) => {
    const h = (Math.imul(37, Math.imul(37, 17) + javaStringHash(id.scheme)) + javaStringHash(id.id)) | 0;
    const spread = (h ^ (h >>> 16)) & 0x7fffffff;
    return spread & 15;
  };
  return ids
    .map((id, i) => ({ id, i, b: bucketOf(id) }))
    .sort((x, y) => x.b - y.b || x.i - y.i)
    .map((x) => x.id);
}

/** What whoAmI reports as the user of an identity (AuthenticationProvider.getUserName). */
export function userName(id: Id): string | null {
  switch (id.scheme) {
    case 'digest':
      return id.id.split(':')[0]!;
    case 'super':
      return null; // no provider is registered under "super"
    default:
      return id.id;
  }
}
