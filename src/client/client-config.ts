// What zkCli's `-client-configuration FILE` and CLIENT_JVMFLAGS say about reaching a secured
// server, read as ZooKeeper 3.8's ZKClientConfig reads them: the -D options first, the file's
// lines over them. TLS: zookeeper.client.secure with the zookeeper.ssl.keyStore.* and
// trustStore.* stores (ClientX509Util); SASL: zookeeper.sasl.client (on by default) with the
// JAAS file of java.security.auth.login.config and its section zookeeper.sasl.clientconfig
// ("Client"), whose DigestLoginModule username/password log in with DIGEST-MD5.
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { ConfigError } from '../config/config-error';
import { DIGEST_LOGIN_MODULE, KRB5_LOGIN_MODULE, parseJaasConfig } from '../config/jaas-config';
import { parseProperties, type Property } from '../config/properties';
import { JAAS_CONFIG_KEY } from '../config/sasl-config';
import { readStore } from '../config/tls-config';
import { keyMaterial, trustedCertificates } from '../tls/tls-context';

export interface DigestLogin {
  username: string;
  /** Never printed. */
  password: string;
}

export interface ClientSecurity {
  /** zookeeper.client.secure: connect over TLS with these options. */
  tls?: ConnectionOptions;
  /** A JAAS Client section with DigestLoginModule: log in with DIGEST-MD5 after the handshake. */
  sasl?: DigestLogin;
  /** Keys read and not honoured, each with why. */
  warnings: string[];
}

/** ZKClientConfig.LOGIN_CONTEXT_NAME_KEY's default. */
const DEFAULT_CLIENT_SECTION = 'Client';

/** The client's security from CLIENT_JVMFLAGS (in `env`) and the properties file, if any. */
export function loadClientSecurity(file: string | undefined, env: NodeJS.ProcessEnv = process.env): ClientSecurity {
  const props: Property[] = clientJvmFlags(env);
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ConfigError(`${file}: cannot read the client configuration: ${(e as Error).message}`);
    }
    props.push(...parseProperties(text, file));
  }
  return readClientSecurity(props, (path) => readFileSync(path, 'utf8'));
}

export function readClientSecurity(props: Property[], readFile: (path: string) => string): ClientSecurity {
  // A later line wins: the file's over the -D options, as ZKConfig.addConfiguration over system properties.
  const by = new Map(props.map((p) => [p.key, p]));
  const value = (k: string) => by.get(k)?.value;
  const out: ClientSecurity = { warnings: [] };
  const socket = by.get('zookeeper.clientCnxnSocket');
  if (socket) {
    out.warnings.push(`${socket.file}:${socket.line}: zookeeper.clientCnxnSocket=${socket.value} ignored: zookeeper-ts's client has one socket of its own, over TLS when zookeeper.client.secure=true`);
  }

  if ((value('zookeeper.client.secure') ?? '').toLowerCase() === 'true') {
    const where = by.get('zookeeper.client.secure')!.file;
    const tls: ConnectionOptions = {
      // X509Util: hostname verification is on unless zookeeper.ssl.hostnameVerification=false.
      ...((value('zookeeper.ssl.hostnameVerification') ?? 'true').toLowerCase() === 'true' ? {} : { checkServerIdentity: () => undefined }),
    };
    const keyStore = readStore(by, 'zookeeper.ssl.keyStore', readFile);
    if (keyStore) Object.assign(tls, keyMaterial(keyStore, where));
    const trustStore = readStore(by, 'zookeeper.ssl.trustStore', readFile);
    if (trustStore) tls.ca = trustedCertificates(trustStore, where);
    const protocol = value('zookeeper.ssl.protocol');
    if (protocol === 'TLSv1.2' || protocol === 'TLSv1.3') tls.minVersion = protocol;
    out.tls = tls;
  }

  const saslOn = (value('zookeeper.sasl.client') ?? 'true').toLowerCase() === 'true';
  const jaas = by.get(JAAS_CONFIG_KEY);
  if (saslOn && jaas && jaas.value !== '') {
    let text: string;
    try {
      text = readFile(jaas.value);
    } catch (e) {
      throw new ConfigError(`${jaas.file}:${jaas.line}: ${JAAS_CONFIG_KEY}: cannot read ${jaas.value}: ${(e as Error).message}`);
    }
    const section = value('zookeeper.sasl.clientconfig') ?? DEFAULT_CLIENT_SECTION;
    // ZooKeeperSaslClient: no such section means no SASL (the client connects without it).
    for (const e of parseJaasConfig(text, jaas.value).get(section) ?? []) {
      if (e.loginModule === KRB5_LOGIN_MODULE) {
        throw new ConfigError(`${jaas.value}:${e.line}: section ${section} asks for ${KRB5_LOGIN_MODULE} (SASL mechanism GSSAPI, Kerberos), which zookeeper-ts's client does not speak; use ${DIGEST_LOGIN_MODULE} (DIGEST-MD5)`);
      }
      if (e.loginModule !== DIGEST_LOGIN_MODULE) {
        throw new ConfigError(`${jaas.value}:${e.line}: section ${section} asks for the login module ${e.loginModule}; zookeeper-ts's client logs in with ${DIGEST_LOGIN_MODULE} (DIGEST-MD5) only`);
      }
      const username = e.options.get('username');
      const password = e.options.get('password');
      if (username === undefined || password === undefined) throw new ConfigError(`${jaas.value}:${e.line}: section ${section} needs username and password for DIGEST-MD5`);
      out.sasl = { username, password };
    }
  }
  return out;
}

/** The -D options of CLIENT_JVMFLAGS (zkCli.sh puts them on java's command line), as properties. */
function clientJvmFlags(env: NodeJS.ProcessEnv): Property[] {
  const words = (env.CLIENT_JVMFLAGS ?? '').split(/\s+/).filter((w) => w.startsWith('-D'));
  return words.map((w, i) => {
    const eq = w.indexOf('=');
    return { key: eq < 0 ? w.slice(2) : w.slice(2, eq), value: eq < 0 ? '' : w.slice(eq + 1), line: i + 1, file: 'CLIENT_JVMFLAGS' };
  });
}
