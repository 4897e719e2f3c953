// ACL checks as ZooKeeperServer.checkACL makes them, and the fix-up of a new node's ACL
// (PrepRequestProcessor.fixupACL): `auth` expands to the caller's ids, bad ids are refused.
import { Perms } from '../jute/constants';
import { Code, KeeperError } from '../jute/keeper-error';
import type { ACL, Id } from '../jute/records';
import { isKnownScheme, isValidId, matches } from './auth';

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
    for (const auth of authInfo) {
      if (auth.scheme === scheme && matches(scheme, auth.id, id)) return;
    }
  }
  throw new KeeperError(Code.NOAUTH);
}

/** The ACL a node will really get: validated, `auth` ids expanded, duplicates dropped. */
export function fixupACL(path: string, authInfo: Id[], acl: ACL[]): ACL[] {
  if (acl.length === 0) throw new KeeperError(Code.INVALIDACL, path);
  const out: ACL[] = [];
  const add = (a: ACL) => {
    if (!out.some((o) => o.perms === a.perms && o.id.scheme === a.id.scheme && o.id.id === a.id.id)) out.push(a);
  };
  for (const a of acl) {
    const { scheme, id } = a.id;
    if (scheme === 'world' && id === 'anyone') {
      add(a);
    } else if (scheme === 'auth') {
      // Every authenticated id of a provider that is "authenticated" (not ip, not world).
      let any = false;
      for (const cid of authInfo) {
        if (cid.scheme === 'digest' || cid.scheme === 'super') {
          add({ perms: a.perms, id: { scheme: cid.scheme, id: cid.id } });
          any = true;
        }
      }
      if (!any) throw new KeeperError(Code.INVALIDACL, path);
    } else {
      if (!isKnownScheme(scheme) || !isValidId(scheme, id)) throw new KeeperError(Code.INVALIDACL, path);
      add(a);
    }
  }
  return out;
}

export const ALL_PERMS = Perms.ALL;
