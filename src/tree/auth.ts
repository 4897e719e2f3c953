// Authentication providers: what `addauth scheme auth` proves about a connection.
// digest (user:password → user:base64(sha1)), ip (the peer's address), and the
// superDigest that makes a digest user the super user. Same digests as ZooKeeper's
// DigestAuthenticationProvider, so ACLs made with Apache's tools match here.
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
