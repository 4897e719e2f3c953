// The TLS settings of the secure client port, the quorum, the AdminServer and our shell's
// client (X509Settings under ssl. or ssl.quorum.) from their key and trust stores, read once
// at start: a store that cannot be read (missing, wrong password, no key in it) stops the start with
// a ConfigError naming the zoo.cfg key and the file, never the password.
import { readFileSync } from 'node:fs';
import { createSecureContext, type TlsOptions } from 'node:tls';
import { ConfigError } from '../config/config-error';
import type { StoreConfig, X509Settings } from '../config/tls-config';
import { DEFAULT_CIPHER_SUITES } from '../config/tls-config';
import { JksStoreError, readJksKeyStore, readJksTrustStore, readPkcs12TrustStore } from './jks-store';

type TlsVersion = NonNullable<TlsOptions['minVersion']>;
const TLS_VERSIONS: readonly TlsVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/**
 * Java's (IANA) names of the suites Apache enables by default and those operators list most,
 * in OpenSSL's names, which Node takes. TLS 1.3 suites have one name in both.
 */
const OPENSSL_CIPHER_NAMES: Readonly<Record<string, string>> = {
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: 'ECDHE-ECDSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: 'ECDHE-RSA-AES128-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384: 'ECDHE-ECDSA-AES256-SHA384',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384: 'ECDHE-RSA-AES256-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
};

/** The options of tls.createServer for the secure client port (or the quorum ports: `serving` names which). */
export function secureServerOptions(cfg: X509Settings, cfgFile: string, serving = 'secureClientPort'): TlsOptions {
  const opts: TlsOptions = {
    ...versions(cfg, cfgFile),
    ...cipherOptions(cfg.cipherSuites ?? DEFAULT_CIPHER_SUITES, cfgFile, cfg.prefix),
    // need: the handshake fails without a trusted certificate. want: one is asked for, and
    // the listener refuses an untrusted one after the handshake (secure-listener.ts), as
    // Java's wantClientAuth fails the handshake for it; none shown is fine.
    requestCert: cfg.clientAuth !== 'none',
    rejectUnauthorized: cfg.clientAuth === 'need',
  };
  if (cfg.keyStore) Object.assign(opts, keyMaterial(cfg.keyStore, cfgFile));
  if (cfg.trustStore) opts.ca = trustedCertificates(cfg.trustStore, cfgFile);
  try {
    createSecureContext(opts);
  } catch (e) {
    throw new ConfigError(`${cfgFile}: cannot serve TLS on ${serving} with ${cfg.keyStore?.location ?? 'no key store'}: ${(e as Error).message}`);
  }
  return opts;
}

/** A key store's key and chain and a trust store's certificates, for another TLS listener (the AdminServer's). */
export function storeOptions(keyStore: StoreConfig, trustStore: StoreConfig, cfgFile: string): TlsOptions {
  return { ...keyMaterial(keyStore, cfgFile), ca: trustedCertificates(trustStore, cfgFile) };
}

/** A key store's key and certificate chain, as tls options (the client's shell reads its own with it too). */
export function keyMaterial(store: StoreConfig, cfgFile: string): TlsOptions {
  const bytes = readStore(store, cfgFile);
  switch (store.type) {
    case 'PKCS12': {
      const opts: TlsOptions = { pfx: bytes, passphrase: store.password };
      tryContext(opts, store, cfgFile);
      return opts;
    }
    case 'PEM': {
      // Apache's PEMFileLoader: the private key (encrypted with the password, or not) and the
      // certificate chain in one file.
      const text = bytes.toString('latin1');
      if (!/-----BEGIN (ENCRYPTED |RSA |EC )?PRIVATE KEY-----/.test(text)) storeError(store, cfgFile, 'no private key in it');
      if (!text.includes('-----BEGIN CERTIFICATE-----')) storeError(store, cfgFile, 'no certificate in it');
      const opts: TlsOptions = { key: text, cert: text, ...(store.password !== '' ? { passphrase: store.password } : {}) };
      tryContext(opts, store, cfgFile);
      return opts;
    }
    case 'JKS': {
      const opts: TlsOptions = { ...fromJks(() => readJksKeyStore(bytes, store.password), store, cfgFile) };
      tryContext(opts, store, cfgFile);
      return opts;
    }
  }
}

/** A trust store's certificates, as the tls `ca` option. */
export function trustedCertificates(store: StoreConfig, cfgFile: string): string | Buffer | string[] {
  const bytes = readStore(store, cfgFile);
  switch (store.type) {
    case 'PEM': {
      const text = bytes.toString('latin1');
      const certs = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
      if (!certs) storeError(store, cfgFile, 'no certificate in it');
      return certs;
    }
    case 'PKCS12':
      // Node opens a PKCS12 only as a key store (a key and its chain), not as keytool
      // -importcert's store of trusted certificates alone: jks-js reads those.
      return fromJks(() => readPkcs12TrustStore(bytes, store.password), store, cfgFile);
    case 'JKS':
      return fromJks(() => readJksTrustStore(bytes, store.password), store, cfgFile);
  }
}

function tryContext(opts: TlsOptions, store: StoreConfig, cfgFile: string): void {
  try {
    createSecureContext(opts);
  } catch (e) {
    const msg = (e as Error).message;
    const why = /mac verify failure|bad decrypt|bad password|unable to decrypt/i.test(msg) ? 'wrong password, or a damaged file' : msg;
    storeError(store, cfgFile, why);
  }
}

function readStore(store: StoreConfig, cfgFile: string): Buffer {
  try {
    return readFileSync(store.location);
  } catch (e) {
    return storeError(store, cfgFile, (e as Error).message);
  }
}

function fromJks<T>(read: () => T, store: StoreConfig, cfgFile: string): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof JksStoreError) return storeError(store, cfgFile, e.message);
    throw e;
  }
}

function storeError(store: StoreConfig, cfgFile: string, why: string): never {
  throw new ConfigError(`${cfgFile}: ${store.key}.location ${store.location} (${store.key}.type ${store.type}) cannot be used: ${why}`);
}

function versions(cfg: X509Settings, cfgFile: string): Pick<TlsOptions, 'minVersion' | 'maxVersion'> {
  const picked: TlsVersion[] = [];
  for (const p of cfg.enabledProtocols) {
    const v = TLS_VERSIONS.find((t) => t === p);
    if (!v) throw new ConfigError(`${cfgFile}: ${cfg.prefix}.enabledProtocols must list protocols among ${TLS_VERSIONS.join(', ')} (got "${p}")`);
    picked.push(v);
  }
  // Node enables a range: from the oldest to the newest listed (a gap in a list is rare).
  const idx = picked.map((v) => TLS_VERSIONS.indexOf(v));
  return { minVersion: TLS_VERSIONS[Math.min(...idx)]!, maxVersion: TLS_VERSIONS[Math.max(...idx)]! };
}

function cipherOptions(suites: string[], cfgFile: string, prefix: string): Pick<TlsOptions, 'ciphers'> {
  const names: string[] = [];
  for (const s of suites) {
    if (s.startsWith('TLS_AES_') || s.startsWith('TLS_CHACHA20_')) continue; // TLS 1.3's, always on in Node
    const n = OPENSSL_CIPHER_NAMES[s];
    if (!n) throw new ConfigError(`${cfgFile}: ${prefix}.ciphersuites names ${s}, which is not among the suites known here: ${Object.keys(OPENSSL_CIPHER_NAMES).join(', ')}`);
    names.push(n);
  }
  return names.length > 0 ? { ciphers: names.join(':') } : {};
}
