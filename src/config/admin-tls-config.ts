// The AdminServer's TLS keys, as Apache's JettyAdminServer reads them: admin.portUnification
// (HTTP and HTTPS on one port) and admin.forceHttps (HTTPS only) turn it on, and then the
// stores are the quorum's (QuorumX509Util: ssl.quorum.keyStore.*, ssl.quorum.trustStore.*),
// both required, as X509Util.loadKeyStore/loadTrustStore refuse an empty location there.
// admin.needClientAuth (3.9) asks every HTTPS client for a certificate the trust store
// trusts, which the x509 admin auth scheme needs. And admin.auth.enabled, ours: whether
// the admin commands that change state or expose data need an Authorization header.
import { ConfigError } from './config-error';
import type { Property } from './properties';
import { readStore, type StoreConfig } from './tls-config';

export interface AdminTlsConfig {
  /** portUnification: the first byte of a connection says TLS (0x16) or plain HTTP; forceHttps: TLS only. */
  plainToo: boolean;
  keyStore: StoreConfig;
  trustStore: StoreConfig;
  needClientAuth: boolean;
}

const KEYS = new Set(['admin.needClientAuth', 'admin.auth.enabled']);
const QUORUM_STORE_PREFIXES = ['ssl.quorum.keyStore.', 'ssl.quorum.trustStore.'];

/** Whether zoo.cfg's key is one this module reads (beside the switches boolean-switches.ts knows). */
export function isAdminTlsKey(key: string): boolean {
  return KEYS.has(key) || QUORUM_STORE_PREFIXES.some((p) => key.startsWith(p));
}

/**
 * The admin port's TLS, when admin.portUnification or admin.forceHttps is on; `props` in
 * the order they apply (a later line wins).
 */
export function readAdminTls(props: Property[], on: { portUnification: boolean; forceHttps: boolean }, readFile: (path: string) => string): AdminTlsConfig | undefined {
  if (!on.portUnification && !on.forceHttps) return undefined;
  const by = new Map(props.map((p) => [p.key, p]));
  const which = on.forceHttps ? 'admin.forceHttps' : 'admin.portUnification';
  const store = (prefix: string) => {
    const s = readStore(by, prefix, readFile);
    if (!s) throw new ConfigError(`${props[0]?.file ?? 'zoo.cfg'}: ${which} is on but ${prefix}.location is not set: the AdminServer serves HTTPS with the quorum's key and trust stores, as Apache's`);
    return s;
  };
  return {
    // Jetty's SslConnectionFactory alone under forceHttps, its UnifiedConnectionFactory otherwise.
    plainToo: !on.forceHttps,
    keyStore: store('ssl.quorum.keyStore'),
    trustStore: store('ssl.quorum.trustStore'),
    // Boolean.getBoolean: "true" in any case.
    needClientAuth: (by.get('admin.needClientAuth')?.value ?? '').toLowerCase() === 'true',
  };
}

/** admin.auth.enabled (ours, off by default so that 3.8's behaviour stays): Boolean.parseBoolean. */
export function readAdminAuthEnabled(props: Property[]): boolean {
  const last = props.filter((p) => p.key === 'admin.auth.enabled').pop();
  return (last?.value ?? '').toLowerCase() === 'true';
}
