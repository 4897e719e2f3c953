// Apache's ZKHostnameVerifier and ZKTrustManager.performHostVerification, for the quorum
// (QuorumX509Util verifies both ends): the peer's certificate must name the address the
// connection comes from or goes to — an IP address among its IP subject alternative names,
// else the name a reverse lookup gives among its DNS ones; the subject's CN only when the
// certificate has no subject alternative name at all. One wildcard label matches one label.
import { lookupService } from 'node:dns/promises';
import { isIP, isIPv6 } from 'node:net';
import type { PeerCertificate } from 'node:tls';

/** Whether `cert` names `host` (an IP literal or a DNS name); a string says why not, in Apache's words. */
export function verifyHostname(host: string, cert: Pick<PeerCertificate, 'subjectaltname' | 'subject'>): true | string {
  const alts = subjectAltNames(cert.subjectaltname);
  if (alts.length > 0) {
    if (isIP(host)) {
      const want = normaliseIp(host);
      if (alts.some((a) => a.type === 'IP' && normaliseIp(a.value) === want)) return true;
    } else if (alts.some((a) => a.type === 'DNS' && matchIdentity(host.toLowerCase(), a.value.toLowerCase()))) {
      return true;
    }
    return `Certificate for <${host}> doesn't match any of the subject alternative names: [${alts.map((a) => `${a.type}:${a.value}`).join(', ')}]`;
  }
  const cnField = cert.subject?.CN;
  const cn = Array.isArray(cnField) ? cnField[cnField.length - 1] : cnField;
  if (!cn) return `Certificate subject for <${host}> doesn't contain a common name and does not have alternative names`;
  if (matchIdentity(host.toLowerCase(), cn.toLowerCase())) return true;
  return `Certificate for <${host}> doesn't match common name of the certificate subject: ${cn}`;
}

/**
 * performHostVerification: the address first; failing that, the name a reverse lookup of it
 * gives (InetAddress.getHostName: the address itself when there is none).
 */
export async function verifyPeerAddress(address: string, cert: PeerCertificate): Promise<true | string> {
  const byAddress = verifyHostname(address, cert);
  if (byAddress === true) return true;
  const name = await lookupService(address, 0).then(
    (r) => r.hostname,
    () => address,
  );
  if (name === address) return `Failed to verify both host address and host name: ${byAddress}`;
  const byName = verifyHostname(name, cert);
  return byName === true ? true : `Failed to verify both host address and host name: ${byName}`;
}

interface SubjectAltName {
  type: 'IP' | 'DNS' | 'other';
  value: string;
}

/** Node's subjectaltname text: "DNS:a.example, IP Address:127.0.0.1, email:...". */
function subjectAltNames(text: string | undefined): SubjectAltName[] {
  if (!text) return [];
  return text.split(/,\s*/).map((part) => {
    const colon = part.indexOf(':');
    const kind = part.slice(0, colon);
    const value = part.slice(colon + 1);
    return { type: kind === 'IP Address' ? 'IP' : kind === 'DNS' ? 'DNS' : 'other', value };
  });
}

function normaliseIp(ip: string): string {
  const bare = ip.replace(/^::ffff:(?=\d+\.)/i, '');
  if (!isIPv6(bare)) return bare;
  // Expand to eight groups, as Apache's normaliseAddress compares them.
  const [head, tail] = bare.includes('::') ? bare.split('::') as [string, string] : [bare, undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.map((g) => parseInt(g, 16).toString(16)).join(':');
}

/** ZKHostnameVerifier.matchIdentityStrict: one '*' in the identity stands for part of one label. */
function matchIdentity(host: string, identity: string): boolean {
  const star = identity.indexOf('*');
  if (star < 0) return host === identity;
  const prefix = identity.slice(0, star);
  const suffix = identity.slice(star + 1);
  if (!host.startsWith(prefix) || !host.endsWith(suffix) || host.length < prefix.length + suffix.length) return false;
  return !host.slice(prefix.length, host.length - suffix.length).includes('.');
}
