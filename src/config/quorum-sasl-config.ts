// Quorum SASL's keys, as Apache 3.8's QuorumPeerConfig and QuorumPeer read them:
// quorum.auth.enableSasl turns it on (both sides then exist, and both JAAS sections must),
// quorum.auth.learnerRequireSasl makes a dialling member log in (without it, it does not try),
// quorum.auth.serverRequireSasl makes an accepting member refuse a peer that did not prove a
// password. The sections are quorum.auth.server.saslLoginContext (QuorumServer: user_NAME
// options) and quorum.auth.learner.saslLoginContext (QuorumLearner: username and password) of
// the JAAS file java.security.auth.login.config names. DIGEST-MD5 only: Kerberos is refused.
import { ConfigError } from './config-error';
import { DIGEST_LOGIN_MODULE, KRB5_LOGIN_MODULE, parseJaasConfig, type LoginModuleEntry } from './jaas-config';
import { JAAS_CONFIG_KEY } from './sasl-config';
import type { Property } from './properties';

/** QuorumAuth.QUORUM_SERVER_SASL_LOGIN_CONTEXT_DFAULT_VALUE and the learner's. */
const DEFAULT_SERVER_SECTION = 'QuorumServer';
const DEFAULT_LEARNER_SECTION = 'QuorumLearner';
const USER_PREFIX = 'user_';

export interface QuorumSaslConfig {
  learnerRequired: boolean;
  serverRequired: boolean;
  /** The QuorumLearner section's login; secrets: never logged. */
  learner: { username: string; password: string };
  /** The QuorumServer section's users: user → password. */
  credentials: Map<string, string>;
}

/**
 * `zooCfg` holds zoo.cfg's keys; `saslProps` the -D options, where the JAAS file is named.
 * Undefined: quorum SASL is off (enableSasl false, or a standalone server, which has no quorum).
 */
export function readQuorumSasl(zooCfg: Map<string, string>, saslProps: Property[], file: string, ensemble: boolean, readFile: (path: string) => string): QuorumSaslConfig | undefined {
  const on = (k: string) => (zooCfg.get(k) ?? 'false').toLowerCase() === 'true';
  for (const k of ['quorum.auth.serverRequireSasl', 'quorum.auth.learnerRequireSasl']) {
    if (!on('quorum.auth.enableSasl') && on(k)) throw new ConfigError(`${file}: quorum.auth.enableSasl is disabled, so cannot enable ${k}`);
  }
  if (!ensemble || !on('quorum.auth.enableSasl')) return undefined;
  const jaas = saslProps.find((p) => p.key === JAAS_CONFIG_KEY && p.value !== '');
  if (!jaas) {
    throw new ConfigError(`${file}: quorum.auth.enableSasl=true needs a JAAS file with the QuorumServer and QuorumLearner sections: pass -D${JAAS_CONFIG_KEY}=FILE in SERVER_JVMFLAGS`);
  }
  let text: string;
  try {
    text = readFile(jaas.value);
  } catch (e) {
    throw new ConfigError(`${jaas.file}:${jaas.line}: ${JAAS_CONFIG_KEY}: cannot read ${jaas.value}: ${(e as Error).message}`);
  }
  const sections = parseJaasConfig(text, jaas.value);
  const section = (key: string, fallback: string): { name: string; entries: LoginModuleEntry[] } => {
    const name = zooCfg.get(key) ?? fallback;
    const entries = sections.get(name);
    // SaslQuorumAuthServer/Learner's constructors: no section, no start.
    if (!entries || entries.length === 0) throw new ConfigError(`${jaas.value}: SASL-authentication failed because the specified JAAS configuration section '${name}' could not be found (${key})`);
    for (const e of entries) {
      if (e.loginModule === KRB5_LOGIN_MODULE) {
        throw new ConfigError(`${jaas.value}:${e.line}: section ${name} asks for ${KRB5_LOGIN_MODULE} (SASL mechanism GSSAPI, Kerberos), which zookeeper-ts does not speak between members; use ${DIGEST_LOGIN_MODULE} (DIGEST-MD5)`);
      }
      if (e.loginModule !== DIGEST_LOGIN_MODULE) {
        throw new ConfigError(`${jaas.value}:${e.line}: section ${name} asks for the login module ${e.loginModule}; zookeeper-ts speaks ${DIGEST_LOGIN_MODULE} (DIGEST-MD5) only`);
      }
    }
    return { name, entries };
  };
  const server = section('quorum.auth.server.saslLoginContext', DEFAULT_SERVER_SECTION);
  const learner = section('quorum.auth.learner.saslLoginContext', DEFAULT_LEARNER_SECTION);
  const credentials = new Map<string, string>();
  for (const e of server.entries) for (const [k, v] of e.options) if (k.startsWith(USER_PREFIX)) credentials.set(k.slice(USER_PREFIX.length), v);
  const username = learner.entries.map((e) => e.options.get('username')).find((v) => v !== undefined);
  const password = learner.entries.map((e) => e.options.get('password')).find((v) => v !== undefined);
  if (username === undefined || password === undefined) {
    throw new ConfigError(`${jaas.value}:${learner.entries[0]!.line}: section ${learner.name} needs username="..." and password="..." (the login this member gives its peers)`);
  }
  return {
    learnerRequired: on('quorum.auth.learnerRequireSasl'),
    serverRequired: on('quorum.auth.serverRequireSasl'),
    learner: { username, password },
    credentials,
  };
}
