// Authentication providers: what `addauth scheme auth` proves about a connection.
// digest (user:password → user:base64(sha1)), ip (the peer's address), and the
// superDigest that makes a digest user the super user. Same digests as ZooKeeper's
// DigestAuthenticationProvider, so ACLs made with Apache's tools match here.
import { javaStringHash } from './java-hash-set';
import { createHash } from 'node:crypto';
import type { Id } from '../jute/records';
import { ipMatches, isValidIpId } from './ip-auth';

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

/**
 * A server's authentication provider for one scheme, as ZooKeeper's ProviderRegistry holds
 * them by default: ip and digest. world and auth are no providers (fixupACL and checkACL
 * handle them apart), and neither is super: an ACL naming it is INVALIDACL there.
 */
export interface AuthenticationProvider {
  /** An id that proves who someone is (what an `auth` ACL expands to): digest yes, ip no. */
  readonly isAuthenticated: boolean;
  /** Whether `id` is well formed for an ACL of this scheme. */
  isValid(id: string): boolean;
  /** Whether a connection's id `aid` of this scheme matches the ACL's `aclId`. */
  matches(aid: string, aclId: string): boolean;
}

const PROVIDERS = new Map<string, AuthenticationProvider>([
  [
    'digest',
    {
      isAuthenticated: true,
      // Java's split(":") drops trailing empty parts: "u:h:" is valid, "u:" is not.
      isValid: (id: string) => javaSplitDroppingTrailingEmpty(id, ':').length === 2,
      matches: (aid: string, aclId: string) => aid === aclId,
    },
  ],
  ['ip', { isAuthenticated: false, isValid: isValidIpId, matches: ipMatches }],
]);

/**
 * ProviderRegistry's providers named by zoo.cfg's authProvider.N (the x509 scheme): for the
 * process, as Apache's registry is (one server per process).
 */
export function registerServerProvider(scheme: string, provider: AuthenticationProvider): void {
  PROVIDERS.set(scheme, provider);
}

/** ProviderRegistry.getServerProvider. */
export function serverProvider(scheme: string): AuthenticationProvider | undefined {
  return PROVIDERS.get(scheme);
}

/** String.split(sep) in Java: as JavaScript's, less the empty strings at the end. */
function javaSplitDroppingTrailingEmpty(s: string, sep: string): string[] {
  const parts = s.split(sep);
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
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
