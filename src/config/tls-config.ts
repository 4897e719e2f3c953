// The TLS keys, as Apache ZooKeeper 3.8 reads them: X509Util reads one set of keys under a
// prefix — ssl.* for the client port (ClientX509Util), ssl.quorum.* between members
// (QuorumX509Util, used when sslQuorum or portUnification is on) — the system properties
// zookeeper.ssl(.quorum).*, which zoo.cfg's keys become there: the key and trust stores,
// clientAuth, the protocols and cipher suites, hostnameVerification, the handshake
// detection timeout. Besides them secureClientPort(Address) and the x509 auth scheme
// (authProvider.N, ssl.authProvider, X509AuthenticationProvider.superUser). Only the keys;
// the stores are read at start (tls/tls-context.ts), so that an unreadable store names
// its key and file there.
import { ConfigError } from './config-error';
import type { Property } from './properties';
import { SASL_PROVIDER_CLASS } from './sasl-config';

export type StoreType = 'PEM' | 'PKCS12' | 'JKS';
export type ClientAuth = 'none' | 'want' | 'need';

export interface StoreConfig {
  /** The zoo.cfg key prefix it came from ("ssl.keyStore"), for error messages. */
  key: string;
  location: string;
  /** Never logged nor shown; describeSecureClient masks it. */
  password: string;
  type: StoreType;
}

/** What X509Util reads under one prefix. */
export interface X509Settings {
  /** The zoo.cfg key prefix: "ssl" (the client port) or "ssl.quorum" (between members). */
  prefix: string;
  keyStore?: StoreConfig;
  trustStore?: StoreConfig;
  clientAuth: ClientAuth;
  /** ssl.protocol: what the SSLContext is made for (X509Util.DEFAULT_PROTOCOL). */
  protocol: string;
  /** ssl.enabledProtocols; Apache's default is ssl.protocol alone. */
  enabledProtocols: string[];
  /** ssl.ciphersuites in Java's (IANA) names; undefined: Apache's defaults for Java 9+. */
  cipherSuites?: string[];
  /**
   * On the client port only a server's name is checked, by clients (ClientX509Util never checks
   * a client's); on the quorum both ends check the other's address (QuorumX509Util).
   */
  hostnameVerification: boolean;
  /**
   * (prefix).handshakeDetectionTimeoutMillis: how long a port that sniffs TLS (Apache's
   * UnifiedServerSocket: the quorum ports) waits for the first 5 bytes of a connection.
   */
  handshakeDetectionTimeout_ms: number;
}

export interface SecureClientConfig extends X509Settings {
  host: string;
  port: number;
}

/** TLS between members (QuorumPeerConfig's sslQuorum and portUnification, and ssl.quorum.*). */
export interface QuorumTlsConfig {
  /** sslQuorum: dial the other members over TLS, and accept only TLS unless portUnification. */
  sslQuorum: boolean;
  /** portUnification: the quorum ports accept TLS and plain connections alike. */
  portUnification: boolean;
  x509: X509Settings;
}

/** X509AuthenticationProvider's settings, when authProvider.N names it. */
export interface X509AuthConfig {
  /** X509AuthenticationProvider.superUser: the subject that is super. */
  superUser?: string;
}

export interface TlsKeys {
  secureClient?: SecureClientConfig;
  /** The x509 scheme is registered (authProvider.N=...X509AuthenticationProvider). */
  x509?: X509AuthConfig;
  /** ssl.authProvider: the scheme a TLS connection's certificate is handed to ("x509"). */
  sslAuthProvider: string;
  /** When sslQuorum or portUnification is on. */
  quorum?: QuorumTlsConfig;
}

/** QuorumPeerConfig's switches that turn the quorum's TLS on (boolean-switches.ts reads them). */
export interface QuorumTlsSwitches {
  sslQuorum: boolean;
  portUnification: boolean;
  /** zoo.cfg's path, for the error of an sslQuorum without a key store. */
  file: string;
}

export const X509_PROVIDER_CLASS = 'org.apache.zookeeper.server.auth.X509AuthenticationProvider';
/** X509Util.DEFAULT_HANDSHAKE_DETECTION_TIMEOUT_MILLIS. */
export const DEFAULT_HANDSHAKE_DETECTION_TIMEOUT_ms = 5000;
/** X509Util.DEFAULT_PROTOCOL. */
export const DEFAULT_TLS_PROTOCOL = 'TLSv1.2';
/** X509Util.DEFAULT_CIPHERS_JAVA9 (Java 17 runs Debian's 3.8): the GCM suites, then the CBC ones. */
export const DEFAULT_CIPHER_SUITES = [
  'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256',
  'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA',
  'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA',
  'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384',
  'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384',
  'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA',
  'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA',
];

/** The keys X509Util reads under each prefix (ssl. and ssl.quorum.). */
const X509_KEYS = [
  'keyStore.location',
  'keyStore.password',
  'keyStore.passwordPath',
  'keyStore.type',
  'trustStore.location',
  'trustStore.password',
  'trustStore.passwordPath',
  'trustStore.type',
  'clientAuth',
  'protocol',
  'enabledProtocols',
  'ciphersuites',
  'hostnameVerification',
  'crl',
  'ocsp',
  'handshakeDetectionTimeoutMillis',
];

const SSL_KEYS = new Set([
  'secureClientPort',
  'secureClientPortAddress',
  ...X509_KEYS.map((k) => `ssl.${k}`),
  ...X509_KEYS.map((k) => `ssl.quorum.${k}`),
  'ssl.authProvider',
  'X509AuthenticationProvider.superUser',
]);

/** Whether zoo.cfg's key is one this module reads. */
export function isTlsKey(key: string): boolean {
  return SSL_KEYS.has(key) || key.startsWith('authProvider.');
}

/** The TLS keys of zoo.cfg; `quorumSwitches` are sslQuorum and portUnification as read. */
export function readTlsKeys(props: Property[], readFile: (path: string) => string, quorumSwitches: QuorumTlsSwitches = { sslQuorum: false, portUnification: false, file: 'zoo.cfg' }): TlsKeys {
  const by = new Map(props.map((p) => [p.key, p]));
  const value = (k: string) => by.get(k)?.value;
  const keys: TlsKeys = { sslAuthProvider: value('ssl.authProvider') ?? 'x509' };

  for (const p of props) {
    if (!p.key.startsWith('authProvider.')) continue;
    // ProviderRegistry loads any class named there; ours knows x509 and sasl (digest and ip
    // are built in). sasl-config.ts reads the sasl one.
    if (p.value === SASL_PROVIDER_CLASS) continue;
    if (p.value !== X509_PROVIDER_CLASS) fail(p, `${X509_PROVIDER_CLASS} or ${SASL_PROVIDER_CLASS} (the pluggable providers here; digest and ip are always on)`);
    keys.x509 = {};
  }
  if (quorumSwitches.sslQuorum || quorumSwitches.portUnification) {
    const x509 = readX509Settings(by, 'ssl.quorum', readFile);
    // Apache needs the key store only once a TLS connection is made; with sslQuorum every
    // connection is one, so a member without it could never join: refused at start.
    if (quorumSwitches.sslQuorum && !x509.keyStore) throw new ConfigError(`${quorumSwitches.file}: sslQuorum=true but ssl.quorum.keyStore.location is not set: members need a key store to speak TLS to each other`);
    keys.quorum = { sslQuorum: quorumSwitches.sslQuorum, portUnification: quorumSwitches.portUnification, x509 };
  }

  const portProp = by.get('secureClientPort');
  if (!portProp) {
    const addr = by.get('secureClientPortAddress');
    if (addr) throw new ConfigError(`${addr.file}:${addr.line}: secureClientPortAddress is set but secureClientPort is not set`);
    return keys;
  }
  if (!/^\d+$/.test(portProp.value) || Number(portProp.value) > 65535) fail(portProp, 'a port number from 1 to 65535');
  // As clientPort=0: "not set" (Apache serves no secure port then).
  if (Number(portProp.value) === 0) return keys;

  const secure: SecureClientConfig = {
    // Apache binds it to the wildcard address unless told otherwise, whatever clientPortAddress says.
    host: value('secureClientPortAddress') ?? '0.0.0.0',
    port: Number(portProp.value),
    ...readX509Settings(by, 'ssl', readFile),
  };
  if (!secure.keyStore) throw new ConfigError(`${portProp.file}:${portProp.line}: secureClientPort is set but ssl.keyStore.location is not: the server needs a key store to serve TLS`);
  keys.secureClient = secure;
  configureSSLAuth(keys, by, portProp);
  return keys;
}

/**
 * QuorumPeerConfig.configureSSLAuth: a secure port hands certificates to the provider
 * ssl.authProvider names; with no authProvider.<that scheme> line, Apache registers
 * X509AuthenticationProvider itself for the default scheme x509, and refuses another.
 */
function configureSSLAuth(keys: TlsKeys, by: Map<string, Property>, portProp: Property): void {
  if (!by.has(`authProvider.${keys.sslAuthProvider}`)) {
    if (keys.sslAuthProvider !== 'x509') throw new ConfigError(`${portProp.file}:${portProp.line}: No auth provider configured for the SSL authentication scheme '${keys.sslAuthProvider}': set authProvider.${keys.sslAuthProvider}=${X509_PROVIDER_CLASS}`);
    keys.x509 ??= {};
  }
  const superUser = by.get('X509AuthenticationProvider.superUser');
  if (keys.x509 && superUser && superUser.value !== '') keys.x509.superUser = superUser.value;
}

/** What `conf` shows of a store: never its password (Apache shows none of these keys). */
export function storeDescription(s: StoreConfig): string {
  return `${s.location} (${s.type}, password ${s.password === '' ? 'empty' : '******'})`;
}

/** What X509Util reads under `prefix` ("ssl" or "ssl.quorum"). */
function readX509Settings(by: Map<string, Property>, prefix: string, readFile: (path: string) => string): X509Settings {
  const value = (k: string) => by.get(`${prefix}.${k}`)?.value;
  const clientAuthProp = by.get(`${prefix}.clientAuth`);
  let clientAuth: ClientAuth = 'need'; // X509Util.ClientAuth.fromPropertyValue(null)
  if (clientAuthProp && clientAuthProp.value !== '') {
    const v = clientAuthProp.value.toLowerCase();
    if (v !== 'none' && v !== 'want' && v !== 'need') fail(clientAuthProp, 'one of NONE, WANT, NEED');
    clientAuth = v;
  }
  const protocol = value('protocol') ?? DEFAULT_TLS_PROTOCOL;
  const enabled = value('enabledProtocols');
  const ciphers = value('ciphersuites');
  const x509: X509Settings = {
    prefix,
    clientAuth,
    protocol,
    enabledProtocols: enabled === undefined ? [protocol] : enabled.split(',').map((s) => s.trim()),
    // Java's Boolean.parseBoolean: anything but "true" (any case) is false; unset is true.
    hostnameVerification: (value('hostnameVerification') ?? 'true').toLowerCase() === 'true',
    handshakeDetectionTimeout_ms: detectionTimeout(by.get(`${prefix}.handshakeDetectionTimeoutMillis`)),
  };
  if (ciphers !== undefined) x509.cipherSuites = ciphers.split(',').map((s) => s.trim());
  const keyStore = readStore(by, `${prefix}.keyStore`, readFile);
  if (keyStore) x509.keyStore = keyStore;
  const trustStore = readStore(by, `${prefix}.trustStore`, readFile);
  if (trustStore) x509.trustStore = trustStore;
  return x509;
}

/**
 * SSLContextAndOptions.getHandshakeDetectionTimeoutMillis: an integer of at least 1; Apache
 * logs anything else and keeps its default, so a value it would ignore stops the start here
 * instead of meaning something else than there.
 */
function detectionTimeout(p: Property | undefined): number {
  if (!p || p.value === '') return DEFAULT_HANDSHAKE_DETECTION_TIMEOUT_ms;
  if (!/^\d+$/.test(p.value) || Number(p.value) < 1 || Number(p.value) > 2 ** 31 - 1) fail(p, 'a number of milliseconds of at least 1');
  return Number(p.value);
}

/** The store `prefix` (ssl.keyStore, ssl.quorum.trustStore, zkCli's zookeeper.ssl.trustStore, ...) names, if its location is set. */
export function readStore(by: Map<string, Property>, prefix: string, readFile: (path: string) => string): StoreConfig | undefined {
  const location = by.get(`${prefix}.location`);
  if (!location || location.value === '') return undefined;
  const typeProp = by.get(`${prefix}.type`);
  let type: StoreType;
  if (typeProp && typeProp.value !== '') {
    // KeyStoreFileType.valueOf(upper case); BCFKS needs BouncyCastle, which we do not have.
    const t = typeProp.value.toUpperCase();
    if (t !== 'PEM' && t !== 'PKCS12' && t !== 'JKS') fail(typeProp, 'one of PEM, PKCS12, JKS');
    type = t;
  } else {
    // KeyStoreFileType.fromFilename: by the extension, and nothing else.
    const ext = /\.[^.]*$/.exec(location.value)?.[0];
    const byExt: Record<string, StoreType> = { '.pem': 'PEM', '.p12': 'PKCS12', '.jks': 'JKS' };
    const guessed = ext === undefined ? undefined : byExt[ext];
    if (!guessed) fail(location, `a file ending in .pem, .p12 or .jks, or ${prefix}.type must be set`);
    type = guessed;
  }
  let password = by.get(`${prefix}.password`)?.value;
  const pathProp = by.get(`${prefix}.passwordPath`);
  if (password === undefined && pathProp && pathProp.value !== '') {
    try {
      password = readFile(pathProp.value);
    } catch (e) {
      throw new ConfigError(`${pathProp.file}:${pathProp.line}: ${pathProp.key}: cannot read ${pathProp.value}: ${(e as Error).message}`);
    }
  }
  return { key: prefix, location: location.value, password: password ?? '', type };
}

function fail(p: Property, allowed: string): never {
  throw new ConfigError(`${p.file}:${p.line}: ${p.key} must be ${allowed} (got "${p.value}")`);
}
