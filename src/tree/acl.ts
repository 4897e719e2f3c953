// ACL checks as ZooKeeperServer.checkACL makes them, and the fix-up of a new node's ACL
// (PrepRequestProcessor.fixupACL): `auth` expands to the caller's ids, bad ids are refused.
import { Perms } from '../jute/constants';
import { Code, KeeperError } from '../jute/keeper-error';
import type { ACL, Id } from '../jute/records';
import { serverProvider } from './auth';

export interface AclOptions {
  skipACL?: boolean;
}

/** Throws NOAUTH unless one of `authInfo` may do `perm` under `acl`. */
export function checkACL(acl: ACL[], perm: number, authInfo: Id[], opts: AclOptions = {}): void {
  if (opts.skipACL) return;
  if (authInfo.some((id) => id.scheme === 'super')) return;
  if (acl.length === 0) return;
  for (const a of acl) {
    if ((a.perms & perm) === 0) continue;
    const { scheme, id } = a.id;
    if (scheme === 'world' && id === 'anyone') return;
    const provider = serverProvider(scheme);
    if (!provider) continue;
    for (const auth of authInfo) {
      if (auth.scheme === scheme && provider.matches(auth.id, id)) return;
    }
  }
  throw new KeeperError(Code.NOAUTH);
}

/**
 * The ACL a node will really get: duplicates in the request dropped, then each entry
 * checked, `auth` expanded to the caller's authenticated ids (what this leaves duplicated
 * stays so, as in ZooKeeper).
 */
export function fixupACL(path: string, authInfo: Id[], acl: ACL[]): ACL[] {
  // world:anyone alone (OPEN_ACL_UNSAFE, what most creates carry) is kept as it came:
  // nothing to drop, expand or check, so nothing allocated for it.
  if (acl.length === 1 && acl[0]!.id.scheme === 'world' && acl[0]!.id.id === 'anyone') return acl;
  const unique: ACL[] = [];
  for (const a of acl) if (!unique.some((u) => sameAcl(u, a))) unique.push(a);
  if (unique.length === 0) throw new KeeperError(Code.INVALIDACL, path);
  const out: ACL[] = [];
  for (const a of unique) {
    const { scheme, id } = a.id;
    if (scheme === 'world' && id === 'anyone') {
      out.push(a);
    } else if (scheme === 'auth') {
      // Every id of the caller's whose provider proves an identity: digest ids, not ip, and
      // not super (no provider answers for it).
      let any = false;
      for (const cid of authInfo) {
        if (serverProvider(cid.scheme)?.isAuthenticated) {
          out.push({ perms: a.perms, id: { scheme: cid.scheme, id: cid.id } });
          any = true;
        }
      }
      if (!any) throw new KeeperError(Code.INVALIDACL, path);
    } else {
      if (!serverProvider(scheme)?.isValid(id)) throw new KeeperError(Code.INVALIDACL, path);
      out.push(a);
    }
  }
  return out;
}

function sameAcl(x: ACL, y: ACL): boolean {
  return x.perms === y.perms && x.id.scheme === y.id.scheme && x.id.id === y.id.id;
}

export const ALL_PERMS = Perms.ALL;
