// The x509 scheme as ZooKeeper 3.8's X509AuthenticationProvider has it: a TLS client's
// identity is its certificate's subject as Java's X500Principal.getName() writes it
// (RFC 2253: the most specific part first, "CN=alice,OU=ops,O=example"), matched exactly;
// X509AuthenticationProvider.superUser names a subject that is super.
import { X509Certificate } from 'node:crypto';
import type { Id } from '../jute/records';
import type { AuthenticationProvider } from './auth';

export class X509AuthenticationProvider implements AuthenticationProvider {
  readonly isAuthenticated = true;

  constructor(private readonly superUser?: string) {}

  /** new X500Principal(id) accepts it: attribute=value parts separated by unescaped commas. */
  isValid(id: string): boolean {
    if (id.trim() === '') return true; // the empty name is a valid X500Principal
    return splitUnescaped(id, ',;').every((rdn) => splitUnescaped(rdn, '+').every((ava) => /^\s*[A-Za-z0-9.]+\s*=/.test(ava)));
  }

  matches(aid: string, aclId: string): boolean {
    if (this.superUser !== undefined) return aid === this.superUser || aid === aclId;
    return aid === aclId;
  }

  /** handleAuthentication: the ids a connection with this certificate subject gets (super first). */
  idsFor(subject: string): Id[] {
    const ids: Id[] = subject === this.superUser ? [{ scheme: 'super', id: subject }] : [];
    ids.push({ scheme: 'x509', id: subject });
    return ids;
  }
}

/**
 * X500Principal.getName() of a DER or PEM certificate's subject. Node lists the relative
 * names one a line, least specific (C=...) first, values already escaped as RFC 2253 asks
 * (OpenSSL's ESC_2253), several values of one name joined by " + "; RFC 2253 writes them
 * the other way round, comma-separated, those joined by a bare "+".
 */
export function subjectName(raw: Buffer): string {
  return new X509Certificate(raw).subject
    .split('\n')
    .filter((l) => l !== '')
    .reverse()
    .map((rdn) => rdn.split(' + ').join('+'))
    .join(',');
}

function splitUnescaped(s: string, seps: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      cur += c + s[++i]!;
    } else if (seps.includes(c)) {
      parts.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  parts.push(cur);
  return parts;
}
