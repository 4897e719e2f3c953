// Authentication of admin commands, as Apache ZooKeeper 3.9 has it (Commands.runCommand,
// AuthRequest) and 3.8 does not: a guarded command needs an Authorization header naming a
// scheme and, for digest, its "user:password" ("digest alice:pw", "x509", "ip"); the ids
// that proves must have the command's permission on its path's ACL. Missing header: 401
// "Auth info is missing for the command"; unknown scheme, bad header, no ids: 401 "Not
// authenticated"; an ACL that denies: 403 "Not authorized" — 3.9's statuses and words.
//
// 3.9 guards its two commands that 3.8 lacks (snapshot, restore: Perms.ALL on "/"). Ours
// guards, when admin.auth.enabled is on (off by default, so 3.8's behaviour stays), the
// commands that change state or expose client data, with the same request as 3.9's.
import { Perms } from '../jute/constants';
import { Code, KeeperError } from '../jute/keeper-error';
import type { ACL, Id } from '../jute/records';
import { checkACL } from '../tree/acl';
import { authenticate, serverProvider } from '../tree/auth';
import { subjectName, X509AuthenticationProvider } from '../tree/x509-auth';

export interface AuthRequest {
  perm: number;
  path: string;
}

/** 3.9's AuthRequest for snapshot and restore: every permission on the root. */
const ROOT_ALL: AuthRequest = { perm: Perms.ALL, path: '/' };

/**
 * The guarded commands, by primary name. Change state: the resets and the trace mask.
 * Expose client data: sessions and their ephemerals (dump), watched paths, client
 * addresses (connections, stats), zoo.cfg as written (initial_configuration). Health and
 * metrics (ruok, srvr, mntr, ...) stay open: probes and scrapers carry no credentials.
 */
const GUARDED: ReadonlyMap<string, AuthRequest> = new Map(
  ['connection_stat_reset', 'stat_reset', 'set_trace_mask', 'observer_connection_stat_reset', 'dump', 'watches', 'watches_by_path', 'connections', 'stats', 'initial_configuration'].map((n) => [n, ROOT_ALL]),
);

export function authRequestFor(primary: string): AuthRequest | undefined {
  return GUARDED.get(primary);
}

/** What a request brings to prove who sent it. */
export interface AdminCaller {
  authorization: string | undefined;
  remoteAddress: string;
  clientCertificate: Buffer | undefined;
}

export interface AuthDenied {
  status: 401 | 403 | 500;
  error: string;
}

/** Commands.AUTH_INFO_SEPARATOR: the scheme and its data in the header. */
const AUTH_INFO_SEPARATOR = ' ';

/** undefined when the caller may run the command; otherwise 3.9's status and error. */
export function authorizeCommand(
  req: AuthRequest,
  caller: AdminCaller,
  server: { acl(path: string): ACL[] | undefined; skipACL: boolean; superDigest: string | undefined },
): AuthDenied | undefined {
  if (caller.authorization === undefined) return { status: 401, error: 'Auth info is missing for the command' };
  const ids = authenticateCaller(caller, server.superDigest);
  if (!ids || ids.length === 0) return { status: 401, error: 'Not authenticated' };
  const acl = server.acl(req.path);
  // NoNodeException is no AuthFailed nor NoAuth there: its catch-all answers 500.
  if (!acl) return { status: 500, error: 'Error occurred during auth' };
  try {
    checkACL(acl, req.perm, ids, { skipACL: server.skipACL });
  } catch (e) {
    if (e instanceof KeeperError && e.code === Code.NOAUTH) return { status: 403, error: 'Not authorized' };
    throw e;
  }
  return undefined;
}

/** Commands.handleAuthentication: the header split in one or two parts, the scheme's provider. */
function authenticateCaller(caller: AdminCaller, superDigest: string | undefined): Id[] | undefined {
  const parts = caller.authorization!.split(AUTH_INFO_SEPARATOR);
  // Java's split drops trailing empty strings ("x509 " is one part).
  while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length !== 1 && parts.length !== 2) return undefined;
  const [scheme, data] = parts as [string, string | undefined];
  switch (scheme) {
    case 'digest':
      // No data: a NullPointerException in 3.9's provider, caught as AuthFailed.
      return data === undefined ? undefined : authenticate('digest', Buffer.from(data, 'utf8'), caller.remoteAddress, superDigest);
    case 'ip':
      // IPAuthenticationProvider.getClientIPAddress: the peer (X-Forwarded-For only when asked for).
      return authenticate('ip', Buffer.alloc(0), caller.remoteAddress, superDigest);
    case 'x509': {
      // Registered by authProvider.N, and given a certificate the trust store trusted (admin.needClientAuth).
      const provider = serverProvider('x509');
      if (!(provider instanceof X509AuthenticationProvider) || !caller.clientCertificate) return undefined;
      return provider.idsFor(subjectName(caller.clientCertificate));
    }
    default:
      return undefined;
  }
}
