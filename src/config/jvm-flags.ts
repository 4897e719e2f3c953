// The -D options of SERVER_JVMFLAGS and JVMFLAGS, which operators carry over from Apache
// ZooKeeper's setups (zookeeper-env.sh, java.env, /etc/default/zookeeper). Apache reads
// them as system properties; a key zoo.cfg does not know it sets as the system property
// `zookeeper.<key>` too, overwriting the -D option. So a -Dzookeeper.<key> option here is
// the zoo.cfg line <key>, unless zoo.cfg has that line. Anything else is named in a warning:
// an option this server does not read must not look as if it were honoured.
import type { Property } from './properties';

/** The environment variables Apache's zkServer.sh puts on the java command line, in its order. */
const VARIABLES = ['SERVER_JVMFLAGS', 'JVMFLAGS'] as const;

/**
 * zoo.cfg keys Apache reads only as `zookeeper.<key>` system properties, and that this
 * server honours (each checked in Apache 3.8's sources: FourLetterCommands, JettyAdminServer,
 * AdminServerFactory, ZooKeeperServer, FilePadding, DigestAuthenticationProvider,
 * EphemeralType, FileTxnLog, Leader).
 */
const PASSED_ON_KEYS = new Set([
  '4lw.commands.whitelist',
  'admin.serverAddress',
  'admin.serverPort',
  'admin.commandURL',
  'admin.enableServer',
  'DigestAuthenticationProvider.superDigest',
  'snapCount',
  'preAllocSize',
  'globalOutstandingLimit',
  'skipACL',
  'extendedTypesEnabled',
  'forceSync',
  'leaderServes',
  // SASL (sasl-config.ts): AuthenticationHelper, ZooKeeperSaslServer, SaslServerCallbackHandler, ZooKeeperServer.
  'sessionRequireClientSASLAuth',
  'enforce.auth.enabled',
  'enforce.auth.schemes',
  'sasl.serverconfig',
  'superUser',
  'kerberos.removeHostFromPrincipal',
  'kerberos.removeRealmFromPrincipal',
  'SASLAuthenticationProvider.superPassword',
  'allowSaslFailedClients',
]);

/** Prefixes of passed-on keys Apache reads by prefix: ProviderRegistry's authProvider.N, ZooKeeperServer's superUser.N. */
const PASSED_ON_PREFIXES = ['authProvider.', 'superUser.'];

/** System properties Apache reads without the zookeeper. prefix: the -D option wins over zoo.cfg (Apache ignores the zoo.cfg line). */
const UNPREFIXED_KEYS = new Set(['jute.maxbuffer', 'java.security.auth.login.config']);

export interface JvmFlags {
  /** zoo.cfg lines that zoo.cfg's own lines override. */
  defaults: Property[];
  /** zoo.cfg lines that override zoo.cfg's own. */
  overrides: Property[];
  warnings: string[];
}

/** What SERVER_JVMFLAGS and JVMFLAGS in `env` say; a later option wins, as on java's command line. */
export function readJvmFlags(env: NodeJS.ProcessEnv): JvmFlags {
  const defaults = new Map<string, Property>();
  const overrides = new Map<string, Property>();
  const ignoredProperties: string[] = [];
  const ignoredOptions: string[] = [];
  for (const variable of VARIABLES) {
    const words = (env[variable] ?? '').split(/\s+/).filter((w) => w !== '');
    words.forEach((word, i) => {
      if (!word.startsWith('-D')) {
        ignoredOptions.push(word);
        return;
      }
      const eq = word.indexOf('=');
      const name = eq === -1 ? word.slice(2) : word.slice(2, eq);
      const value = eq === -1 ? '' : word.slice(eq + 1);
      const p = (key: string): Property => ({ key, value, line: i + 1, file: variable });
      const key = name.slice('zookeeper.'.length);
      if (name.startsWith('zookeeper.') && (PASSED_ON_KEYS.has(key) || PASSED_ON_PREFIXES.some((prefix) => key.startsWith(prefix)))) {
        defaults.set(name, p(name.slice('zookeeper.'.length)));
      } else if (UNPREFIXED_KEYS.has(name)) {
        overrides.set(name, p(name));
      } else {
        ignoredProperties.push(word);
      }
    });
  }
  const warnings: string[] = [];
  if (ignoredProperties.length > 0) warnings.push(`${VARIABLES.join('/')}: ${ignoredProperties.join(' ')} ignored: zookeeper-ts does not read ${ignoredProperties.length === 1 ? 'this system property' : 'these system properties'}`);
  if (ignoredOptions.length > 0) warnings.push(`${VARIABLES.join('/')}: ${ignoredOptions.join(' ')} ignored: JVM options mean nothing to zookeeper-ts`);
  return { defaults: [...defaults.values()], overrides: [...overrides.values()], warnings };
}

export const NO_JVM_FLAGS: JvmFlags = { defaults: [], overrides: [], warnings: [] };
