// SASL on the client port, as Apache ZooKeeper 3.8 reads it: the JAAS file named by
// -Djava.security.auth.login.config (its `Server` section, or the one
// zookeeper.sasl.serverconfig names, holds DIGEST-MD5's user_NAME="password" options),
// authProvider.N=...SASLAuthenticationProvider (the `sasl` ACL scheme), zookeeper.superUser,
// and AuthenticationHelper's enforcement: zookeeper.sessionRequireClientSASLAuth, or
// zookeeper.enforce.auth.enabled with zookeeper.enforce.auth.schemes. Keys as zoo.cfg writes
// them (Apache passes unknown zoo.cfg keys on as zookeeper.<key>). Passwords stay in
// `credentials`: never logged, never shown.
import { ConfigError } from './config-error';
import { DIGEST_LOGIN_MODULE, KRB5_LOGIN_MODULE, parseJaasConfig } from './jaas-config';
import type { Property } from './properties';

export const SASL_PROVIDER_CLASS = 'org.apache.zookeeper.server.auth.SASLAuthenticationProvider';
/** The system property (a -D option in SERVER_JVMFLAGS/JVMFLAGS) that names the JAAS file. */
export const JAAS_CONFIG_KEY = 'java.security.auth.login.config';
/** ZooKeeperSaslServer.DEFAULT_LOGIN_CONTEXT_NAME. */
const DEFAULT_SERVER_SECTION = 'Server';
/** JAAS options of DigestLoginModule naming a user: user_NAME="password". */
const USER_PREFIX = 'user_';

export interface EnforceAuth {
  /** zookeeper.enforce.auth.enabled (or sessionRequireClientSASLAuth). */
  enabled: boolean;
  /** The schemes one of which a connection must have proven before any request. */
  schemes: string[];
  /** AuthenticationHelper.isSaslAuthRequired: a failed SASL login gets SESSIONCLOSEDREQUIRESASLAUTH. */
  saslRequired: boolean;
}

export interface SaslConfig {
  /** DIGEST-MD5 logins are served: the JAAS file has the server section. */
  login?: {
    jaasFile: string;
    section: string;
    /** user → password, from the section's user_NAME options. */
    credentials: Map<string, string>;
  };
  /** The sasl scheme is registered (authProvider.N=...SASLAuthenticationProvider). */
  provider: boolean;
  /** zookeeper.superUser and zookeeper.superUser.*: authorization ids that are super too. */
  superUsers: string[];
  /** zookeeper.SASLAuthenticationProvider.superPassword: the password of the user "super". */
  superPassword?: string;
  /** zookeeper.kerberos.removeHostFromPrincipal / removeRealmFromPrincipal ("true" exactly). */
  removeHostFromPrincipal: boolean;
  removeRealmFromPrincipal: boolean;
  /** zookeeper.allowSaslFailedClients: a failed login keeps its connection (unless SASL is required). */
  allowSaslFailedClients: boolean;
  enforceAuth: EnforceAuth;
}

/** No SASL login, no sasl scheme, no enforcement: Apache's defaults. */
export const NO_SASL: SaslConfig = {
  provider: false,
  superUsers: [],
  removeHostFromPrincipal: false,
  removeRealmFromPrincipal: false,
  allowSaslFailedClients: false,
  enforceAuth: { enabled: false, schemes: [], saslRequired: false },
};

const SASL_KEYS = new Set([
  JAAS_CONFIG_KEY,
  'sasl.serverconfig',
  'sessionRequireClientSASLAuth',
  'enforce.auth.enabled',
  'enforce.auth.schemes',
  'kerberos.removeHostFromPrincipal',
  'kerberos.removeRealmFromPrincipal',
  'SASLAuthenticationProvider.superPassword',
  'allowSaslFailedClients',
]);

/** Whether zoo.cfg's key (or a -Dzookeeper.<key>) is one this module reads; authProvider.N is read from tls-config's share. */
export function isSaslKey(key: string): boolean {
  return SASL_KEYS.has(key) || key === 'superUser' || key.startsWith('superUser.');
}

/** The schemes ProviderRegistry knows without authProvider.N lines. */
const BUILT_IN_SCHEMES = ['digest', 'ip'];

/**
 * The SASL keys; `authProviders` are the authProvider.N lines, `registeredSchemes` the
 * schemes they add besides sasl (x509), `readFile` reads the JAAS file.
 */
export function readSaslKeys(props: Property[], authProviders: Property[], registeredSchemes: string[], readFile: (path: string) => string): SaslConfig {
  const by = new Map(props.map((p) => [p.key, p]));
  const value = (k: string) => by.get(k)?.value;
  const cfg: SaslConfig = {
    provider: authProviders.some((p) => p.value === SASL_PROVIDER_CLASS),
    superUsers: props.filter((p) => p.key === 'superUser' || p.key.startsWith('superUser.')).map((p) => p.value).filter((v) => v !== ''),
    removeHostFromPrincipal: value('kerberos.removeHostFromPrincipal') === 'true',
    removeRealmFromPrincipal: value('kerberos.removeRealmFromPrincipal') === 'true',
    allowSaslFailedClients: (value('allowSaslFailedClients') ?? '').toLowerCase() === 'true',
    enforceAuth: { enabled: false, schemes: [], saslRequired: false },
  };
  const superPassword = value('SASLAuthenticationProvider.superPassword');
  if (superPassword !== undefined) cfg.superPassword = superPassword;

  const jaas = by.get(JAAS_CONFIG_KEY);
  if (jaas && jaas.value !== '') {
    let text: string;
    try {
      text = readFile(jaas.value);
    } catch (e) {
      throw new ConfigError(`${jaas.file}:${jaas.line}: ${JAAS_CONFIG_KEY}: cannot read ${jaas.value}: ${(e as Error).message}`);
    }
    const section = value('sasl.serverconfig') ?? DEFAULT_SERVER_SECTION;
    const entries = parseJaasConfig(text, jaas.value).get(section);
    // ServerCnxnFactory.configureSaslLogin: a file without the section means no SASL login.
    if (entries) {
      const credentials = new Map<string, string>();
      for (const e of entries) {
        if (e.loginModule === KRB5_LOGIN_MODULE) {
          throw new ConfigError(`${jaas.value}:${e.line}: section ${section} asks for ${KRB5_LOGIN_MODULE} (SASL mechanism GSSAPI, Kerberos), which zookeeper-ts does not serve; use ${DIGEST_LOGIN_MODULE} (DIGEST-MD5)`);
        }
        if (e.loginModule !== DIGEST_LOGIN_MODULE) {
          throw new ConfigError(`${jaas.value}:${e.line}: section ${section} asks for the login module ${e.loginModule}; zookeeper-ts serves ${DIGEST_LOGIN_MODULE} (DIGEST-MD5) only`);
        }
        for (const [k, v] of e.options) if (k.startsWith(USER_PREFIX)) credentials.set(k.slice(USER_PREFIX.length), v);
      }
      cfg.login = { jaasFile: jaas.value, section, credentials };
    }
  }

  // AuthenticationHelper.initConfigurations: sessionRequireClientSASLAuth wins over the other two.
  if ((value('sessionRequireClientSASLAuth') ?? '').toLowerCase() === 'true') {
    cfg.enforceAuth = { enabled: true, schemes: ['sasl'], saslRequired: false };
  } else {
    const enabled = by.get('enforce.auth.enabled');
    cfg.enforceAuth.enabled = (enabled?.value ?? '').toLowerCase() === 'true';
    const schemes = value('enforce.auth.schemes');
    if (schemes !== undefined) cfg.enforceAuth.schemes = schemes.split(',').map((s) => s.trim());
  }
  if (cfg.enforceAuth.enabled) {
    const where = by.get('sessionRequireClientSASLAuth') ?? by.get('enforce.auth.enabled')!;
    if (cfg.enforceAuth.schemes.length === 0) {
      throw new ConfigError(`${where.file}:${where.line}: zookeeper.enforce.auth.enabled is true zookeeper.enforce.auth.schemes must be configured.`);
    }
    const known = [...BUILT_IN_SCHEMES, ...registeredSchemes, ...(cfg.provider ? ['sasl'] : [])];
    for (const s of cfg.enforceAuth.schemes) {
      if (!known.includes(s)) throw new ConfigError(`${where.file}:${where.line}: Authentication scheme ${s} is not available.`);
    }
  }
  cfg.enforceAuth.saslRequired = cfg.enforceAuth.enabled && cfg.enforceAuth.schemes.includes('sasl');
  return cfg;
}

/** The authorization id of an authenticated DIGEST-MD5 user (SaslServerCallbackHandler.handleAuthorizeCallback, KerberosName's parts). */
export function saslAuthorizedId(user: string, cfg: SaslConfig): string {
  // KerberosName: "service/host@REALM"; a name without "@" is the short name itself.
  const m = /^([^/@]*)(\/([^/@]*))?@([^/@]*)$/.exec(user);
  if (!m) return user;
  let id = m[1]!;
  if (m[3] !== undefined && !cfg.removeHostFromPrincipal) id += `/${m[3]}`;
  if (!cfg.removeRealmFromPrincipal) id += `@${m[4]!}`;
  return id;
}
