// The sasl scheme as ZooKeeper 3.8's SASLAuthenticationProvider has it: the id is the
// authorization id a SASL login proved (sasl-negotiation.ts adds it); an ACL id is valid
// when it parses as a Kerberos name, and matches that id exactly, or any id when the
// connection's id is "super".
import type { AuthenticationProvider } from './auth';

/** KerberosName's pattern "service[/host]@REALM"; a name without "@" is a short name. */
const KERBEROS_NAME = /^([^/@]*)(\/([^/@]*))?@([^/@]*)$/;

export class SaslAuthenticationProvider implements AuthenticationProvider {
  readonly isAuthenticated = true;

  /** new KerberosName(id) accepts it: it throws only for a name with "@" that is not service[/host]@REALM. */
  isValid(id: string): boolean {
    return !id.includes('@') || KERBEROS_NAME.test(id);
  }

  matches(aid: string, aclId: string): boolean {
    return aid === 'super' || aid === aclId;
  }
}
