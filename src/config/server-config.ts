// zoo.cfg (and myid) → a typed, validated ServerConfig with Apache ZooKeeper 3.8's
// defaults. Every error names the file, the line, the key and what is allowed; it is
// raised before anything touches dataDir.
import { MIN_SNAP_RETAIN_COUNT } from '../persistence/purge';
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { isAdminTlsKey, readAdminAuthEnabled, readAdminTls, type AdminTlsConfig } from './admin-tls-config';
import { BOOLEAN_SWITCHES, BooleanValueError, readBoolean, surprisingValue, type BooleanSwitch } from './boolean-switches';
import { ConfigError } from './config-error';
import { NO_JVM_FLAGS, readJvmFlags, type JvmFlags } from './jvm-flags';
import { parseProperties, type Property } from './properties';
import { isEnsembleKey, readEnsemble, type EnsembleConfig } from './quorum-config';
import type { QuorumServer } from './quorum-verifier';
import { isTlsKey, readTlsKeys, type TlsKeys } from './tls-config';
import { readQuorumSasl, type QuorumSaslConfig } from './quorum-sasl-config';
import { isSaslKey, JAAS_CONFIG_KEY, NO_SASL, readSaslKeys, type SaslConfig } from './sasl-config';

export { ConfigError };
export type { QuorumServer };

export interface ServerConfig {
  file: string;
  tickTime: number;
  initLimit: number;
  syncLimit: number;
  dataDir: string;
  dataLogDir: string;
  clientPort: number;
  clientPortAddress: string;
  /** Whether zoo.cfg named clientPortAddress (zkServer.sh status says "localhost" otherwise). */
  clientPortAddressSet: boolean;
  maxClientCnxns: number;
  minSessionTimeout: number;
  maxSessionTimeout: number;
  globalOutstandingLimit: number;
  juteMaxBuffer: number;
  snapCount: number;
  preAllocSize: number;
  autopurgeSnapRetainCount: number;
  autopurgePurgeInterval: number;
  fourLetterWordsWhitelist: string[];
  adminEnableServer: boolean;
  adminServerAddress: string;
  adminServerPort: number;
  adminCommandURL: string;
  /** admin.portUnification / admin.forceHttps (JettyAdminServer): HTTPS beside HTTP, or alone. */
  adminPortUnification: boolean;
  adminForceHttps: boolean;
  /** The AdminServer's TLS (admin-tls-config.ts), when either is on. */
  adminTls?: AdminTlsConfig;
  /** admin.auth.enabled (ours): the admin commands 3.9 guards, and those that change state or expose data, need auth. */
  adminAuthEnabled: boolean;
  metricsProviderClassName: string;
  metricsProviderHttpHost: string;
  metricsProviderHttpPort: number;
  metricsProviderExportJvmInfo: boolean;
  extendedTypesEnabled: boolean;
  standaloneEnabled: boolean;
  reconfigEnabled: boolean;
  skipACL: boolean;
  /** zookeeper.enforceQuota: hard quotas refuse writes (QUOTAEXCEEDED); soft ones only log. */
  enforceQuota: boolean;
  superDigest?: string;
  servers: QuorumServer[];
  serverId: number;
  /** The ensemble (quorum-config.ts); undefined when standalone. */
  ensemble?: EnsembleConfig;
  /** Standalone: no server.N lines (or only one, with standaloneEnabled). */
  standaloneMode: boolean;
  /** sslQuorum: the members speak TLS to each other (tls.quorum holds ssl.quorum.*). */
  sslQuorum: boolean;
  /** portUnification: the quorum ports take TLS and plain connections alike. */
  portUnification: boolean;
  /** secureClientPort, ssl.*, ssl.quorum.* and the x509 scheme (tls-config.ts). */
  tls: TlsKeys;
  /** SASL logins on the client port, the sasl scheme and enforced authentication (sasl-config.ts). */
  sasl: SaslConfig;
  /** quorum.auth.enableSasl in an ensemble: SASL between members (quorum-sasl-config.ts). */
  quorumSasl?: QuorumSaslConfig;
  /** Every key as written, for modules that read keys of their own. */
  properties: Map<string, string>;
  warnings: string[];
}

/** clientPort when only secureClientPort serves clients (what Apache's conf prints then). */
export const NO_CLIENT_PORT = -1;

type Parser = (p: Property, cfg: ServerConfig) => void;

const KNOWN: Record<string, Parser> = {
  // The JAAS sections of quorum SASL, read with the ensemble (quorum-sasl-config.ts).
  'quorum.auth.server.saslLoginContext': () => undefined,
  'quorum.auth.learner.saslLoginContext': () => undefined,
  // The Kerberos principal of GSSAPI, which the JAAS sections refuse: DIGEST-MD5 has no use for it.
  'quorum.auth.kerberos.servicePrincipal': (p, c) => void c.warnings.push(`${p.file}:${p.line}: quorum.auth.kerberos.servicePrincipal is for Kerberos (GSSAPI) only, which zookeeper-ts does not speak between members; ignored`),
  tickTime: (p, c) => (c.tickTime = positiveInt(p)),
  initLimit: (p, c) => (c.initLimit = positiveInt(p)),
  syncLimit: (p, c) => (c.syncLimit = positiveInt(p)),
  dataDir: (p, c) => (c.dataDir = nonEmpty(p)),
  dataLogDir: (p, c) => (c.dataLogDir = nonEmpty(p)),
  clientPort: (p, c) => (c.clientPort = port(p)),
  clientPortAddress: (p, c) => {
    c.clientPortAddress = nonEmpty(p);
    c.clientPortAddressSet = true;
  },
  maxClientCnxns: (p, c) => (c.maxClientCnxns = nonNegativeInt(p)),
  minSessionTimeout: (p, c) => (c.minSessionTimeout = int(p, -1)),
  maxSessionTimeout: (p, c) => (c.maxSessionTimeout = int(p, -1)),
  globalOutstandingLimit: (p, c) => (c.globalOutstandingLimit = positiveInt(p)),
  'jute.maxbuffer': (p, c) => (c.juteMaxBuffer = positiveInt(p)),
  snapCount: (p, c) => (c.snapCount = positiveInt(p)),
  preAllocSize: (p, c) => (c.preAllocSize = positiveInt(p)),
  'autopurge.snapRetainCount': (p, c) => (c.autopurgeSnapRetainCount = positiveInt(p)),
  'autopurge.purgeInterval': (p, c) => (c.autopurgePurgeInterval = nonNegativeInt(p)),
  '4lw.commands.whitelist': (p, c) =>
    (c.fourLetterWordsWhitelist = p.value
      .split(',')
      .map((w) => w.trim())
      .filter((w) => w !== '')),
  'admin.serverAddress': (p, c) => (c.adminServerAddress = nonEmpty(p)),
  'admin.serverPort': (p, c) => (c.adminServerPort = port(p)),
  'admin.commandURL': (p, c) => (c.adminCommandURL = nonEmpty(p)),
  'metricsProvider.className': (p, c) => (c.metricsProviderClassName = oneOf(p, METRICS_PROVIDERS)),
  'metricsProvider.httpHost': (p, c) => (c.metricsProviderHttpHost = nonEmpty(p)),
  'metricsProvider.httpPort': (p, c) => (c.metricsProviderHttpPort = port(p)),
  // Passed on by Apache as the system property zookeeper.DigestAuthenticationProvider.superDigest;
  // empty, it matches no digest there (nobody is super).
  'DigestAuthenticationProvider.superDigest': (p, c) => (c.superDigest = p.value === '' ? undefined : p.value),
  maxCnxns: () => undefined,
  clientPortListenBacklog: () => undefined,
};

/** Each on/off switch, by the rule Apache reads it with (see boolean-switches.ts). */
function parseSwitch(p: Property, c: ServerConfig, sw: BooleanSwitch): void {
  let on: boolean;
  try {
    on = readBoolean(sw.rule, p.value);
  } catch (e) {
    if (e instanceof BooleanValueError) fail(p, e.message);
    throw e;
  }
  const note = surprisingValue(p, sw.rule, on);
  if (note) c.warnings.push(note);
  if (sw.field) c[sw.field] = on;
}

/** The embedded default: what `zookeeper-ts server` runs with no zoo.cfg. */
export function defaultConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  const tickTime = overrides.tickTime ?? 2000;
  const cfg: ServerConfig = {
    file: '(embedded default)',
    tickTime,
    initLimit: 10,
    syncLimit: 5,
    dataDir: resolve('data'),
    dataLogDir: resolve('data'),
    clientPort: 2181,
    clientPortAddress: '127.0.0.1',
    clientPortAddressSet: true,
    maxClientCnxns: 60,
    minSessionTimeout: 2 * tickTime,
    maxSessionTimeout: 20 * tickTime,
    globalOutstandingLimit: 1000,
    juteMaxBuffer: 0xfffff,
    snapCount: 100000,
    preAllocSize: 65536,
    autopurgeSnapRetainCount: 3,
    autopurgePurgeInterval: 0,
    fourLetterWordsWhitelist: ['srvr'],
    adminEnableServer: true,
    // The embedded default serves this host only; a zoo.cfg gets ZooKeeper's 0.0.0.0.
    adminServerAddress: '127.0.0.1',
    adminServerPort: 8080,
    adminCommandURL: '/commands',
    adminPortUnification: false,
    adminForceHttps: false,
    adminAuthEnabled: false,
    metricsProviderClassName: 'org.apache.zookeeper.metrics.impl.DefaultMetricsProvider',
    metricsProviderHttpHost: '0.0.0.0',
    metricsProviderHttpPort: 7000,
    metricsProviderExportJvmInfo: true,
    extendedTypesEnabled: false,
    standaloneEnabled: true,
    reconfigEnabled: false,
    skipACL: false,
    enforceQuota: false,
    servers: [],
    serverId: 0,
    standaloneMode: true,
    sslQuorum: false,
    portUnification: false,
    tls: { sslAuthProvider: 'x509' },
    sasl: NO_SASL,
    properties: new Map(),
    warnings: [],
    ...overrides,
  };
  return cfg;
}

/**
 * Parses zoo.cfg text; `readMyid` supplies dataDir/myid when server.N lines need it, and
 * `jvmFlags` the -D options of SERVER_JVMFLAGS/JVMFLAGS (jvm-flags.ts).
 */
export function parseConfig(
  text: string,
  file: string,
  readMyid: (dataDir: string) => string | undefined = () => undefined,
  jvmFlags: JvmFlags = NO_JVM_FLAGS,
): ServerConfig {
  const cfg = defaultConfig({ file, clientPortAddress: '0.0.0.0', clientPortAddressSet: false, adminServerAddress: '0.0.0.0' });
  let minSet = false;
  let maxSet = false;
  let clientPortSeen = false;
  let dataDirSeen = false;
  let dataLogDirSeen = false;
  const props = parseProperties(text, file);
  const inZooCfg = new Set(props.map((p) => p.key));
  cfg.warnings.push(...jvmFlags.warnings);
  const ensembleProps: Property[] = [];
  const tlsProps: Property[] = [];
  const saslProps: Property[] = [];
  // -D options first, so that zoo.cfg's lines win, as they win in Apache; those Apache reads
  // from the option alone come last.
  const applied = [...jvmFlags.defaults.filter((d) => !inZooCfg.has(d.key)), ...props, ...jvmFlags.overrides];
  for (const p of applied) {
    if (p.file === file) cfg.properties.set(p.key, p.value);
    if (isEnsembleKey(p.key)) {
      ensembleProps.push(p);
      continue;
    }
    if (isTlsKey(p.key)) {
      tlsProps.push(p);
      continue;
    }
    if (isAdminTlsKey(p.key)) continue; // read after the loop, with the switches that turn it on
    if (p.key === JAAS_CONFIG_KEY && p.file === file) {
      // A system property Apache reads from the java command line only: in zoo.cfg it would be zookeeper.java.security....
      cfg.warnings.push(`${file}:${p.line}: ${p.key} is ignored in zoo.cfg, as ZooKeeper ignores it there: pass -D${p.key}=${p.value} in SERVER_JVMFLAGS`);
      continue;
    }
    if (isSaslKey(p.key)) {
      saslProps.push(p);
      continue;
    }
    const sw = BOOLEAN_SWITCHES[p.key];
    if (sw) {
      parseSwitch(p, cfg, sw);
      continue;
    }
    const parse = KNOWN[p.key];
    if (!parse && p.key.startsWith('zookeeper.')) {
      // ZooKeeper prefixes every key it passes on: this one would be zookeeper.zookeeper.<...>,
      // which nothing reads. Ignored here too, so one zoo.cfg means the same to both.
      const meant = p.key.slice('zookeeper.'.length);
      cfg.warnings.push(`${file}:${p.line}: ${p.key} is ignored, as ZooKeeper ignores it in zoo.cfg (it reads keys without the prefix: write ${meant})`);
      continue;
    }
    if (!parse) {
      // ZooKeeper passes unknown keys on as system properties, with a warning.
      cfg.warnings.push(`${file}:${p.line}: unknown key ${p.key}, ignored`);
      continue;
    }
    parse(p, cfg);
    if (p.key === 'minSessionTimeout') minSet = true;
    if (p.key === 'maxSessionTimeout') maxSet = true;
    if (p.key === 'clientPort') clientPortSeen = true;
    if (p.key === 'dataDir') dataDirSeen = true;
    if (p.key === 'dataLogDir') dataLogDirSeen = true;
  }

  if (!dataDirSeen) throw new ConfigError(`${file}: dataDir is not set`);
  cfg.dataDir = absolute(cfg.dataDir);
  cfg.dataLogDir = dataLogDirSeen ? absolute(cfg.dataLogDir) : cfg.dataDir;
  if (!minSet || cfg.minSessionTimeout === -1) cfg.minSessionTimeout = 2 * cfg.tickTime;
  if (!maxSet || cfg.maxSessionTimeout === -1) cfg.maxSessionTimeout = 20 * cfg.tickTime;
  if (cfg.minSessionTimeout > cfg.maxSessionTimeout) {
    throw new ConfigError(
      `${file}: minSessionTimeout (${cfg.minSessionTimeout}) must not be larger than maxSessionTimeout (${cfg.maxSessionTimeout})`,
    );
  }
  if (cfg.autopurgeSnapRetainCount < MIN_SNAP_RETAIN_COUNT) {
    cfg.warnings.push(`${file}: autopurge.snapRetainCount ${cfg.autopurgeSnapRetainCount} is below the minimum ${MIN_SNAP_RETAIN_COUNT}; using ${MIN_SNAP_RETAIN_COUNT}`);
    cfg.autopurgeSnapRetainCount = MIN_SNAP_RETAIN_COUNT;
  }

  cfg.tls = readTlsKeys(tlsProps, (path) => readFileSync(path, 'utf8'), { sslQuorum: cfg.sslQuorum, portUnification: cfg.portUnification, file });
  const adminTls = readAdminTls(file, applied, { portUnification: cfg.adminPortUnification, forceHttps: cfg.adminForceHttps }, (path) => readFileSync(path, 'utf8'));
  if (adminTls) cfg.adminTls = adminTls;
  cfg.adminAuthEnabled = readAdminAuthEnabled(applied);
  const authProviders = tlsProps.filter((p) => p.key.startsWith('authProvider.'));
  cfg.sasl = readSaslKeys(saslProps, authProviders, cfg.tls.x509 ? ['x509'] : [], (path) => readFileSync(path, 'utf8'));
  // Apache watches the store files and reloads them; ours reads them at start only.
  if (cfg.properties.get('sslQuorumReloadCertFiles')?.toLowerCase() === 'true') {
    cfg.warnings.push(`${file}: sslQuorumReloadCertFiles=true is not supported: the ssl.quorum.* stores are read at start; restart the member to take new certificates`);
  }

  // ZooKeeper reads clientPort=0 as "not set", not as "any free port": with
  // clientPortAddress it refuses to start; without, it starts with no client port at all.
  // A server no client can reach is refused here in both cases.
  if (clientPortSeen && cfg.clientPort === 0) {
    clientPortSeen = false;
    if (cfg.clientPortAddressSet) throw new ConfigError(`${file}: clientPortAddress is set but clientPort is not set (clientPort=0 means not set, as in ZooKeeper)`);
  }
  // QuorumPeerConfig.parseProperties, before any server line is looked at.
  if (cfg.clientPortAddressSet && !clientPortSeen) throw new ConfigError(`${file}: clientPortAddress is set but clientPort is not set`);

  const quorum = readEnsemble(ensembleProps, {
    file,
    dataDir: cfg.dataDir,
    standaloneEnabled: cfg.standaloneEnabled,
    initLimitSet: cfg.properties.has('initLimit'),
    syncLimitSet: cfg.properties.has('syncLimit'),
    propertyCount: cfg.properties.size,
    ...(clientPortSeen ? { staticClient: { host: cfg.clientPortAddress, port: cfg.clientPort } } : {}),
    secureClientPortSet: cfg.tls.secureClient !== undefined,
    readMyid,
    readFile: (path) => readFileSync(path, 'utf8'),
  });
  cfg.warnings.push(...quorum.warnings);
  const quorumSasl = readQuorumSasl(cfg.properties, saslProps, file, quorum.ensemble !== undefined, (path) => readFileSync(path, 'utf8'));
  if (quorumSasl) cfg.quorumSasl = quorumSasl;
  cfg.servers = quorum.servers;
  cfg.standaloneMode = quorum.ensemble === undefined;
  if (quorum.ensemble) {
    cfg.ensemble = quorum.ensemble;
    cfg.serverId = quorum.ensemble.myid;
    // No client address: secureClientPort serves alone (conf says clientPort=-1, as Apache's).
    cfg.clientPort = quorum.clientAddress?.port ?? NO_CLIENT_PORT;
    if (quorum.clientAddress) cfg.clientPortAddress = quorum.clientAddress.host;
  } else if (!clientPortSeen && cfg.tls.secureClient) {
    // secureClientPort instead of clientPort: Apache then serves TLS only, and conf says clientPort=-1.
    cfg.clientPort = NO_CLIENT_PORT;
  } else if (!clientPortSeen) {
    const zero = cfg.properties.get('clientPort') === undefined ? '' : ' (clientPort=0 means not set, as in ZooKeeper, which would then serve no client)';
    throw new ConfigError(`${file}: clientPort is not set${zero}; set the port clients connect to`);
  }
  return cfg;
}

/** Reads zoo.cfg and, when needed, dataDir/myid; -D options from `env`'s SERVER_JVMFLAGS/JVMFLAGS. */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`${file}: cannot read the configuration: ${(e as Error).message}`);
  }
  return parseConfig(text, file, (dataDir) => {
    // Apache reads myid only when it is a regular file. A dataDir that is not a directory
    // has no myid: the dataDir check names what is wrong with it once the config is read.
    const myid = join(dataDir, 'myid');
    let isFile = false;
    try {
      isFile = statSync(myid, { throwIfNoEntry: false })?.isFile() ?? false;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOTDIR' && code !== 'EACCES') throw e;
    }
    return isFile ? readFileSync(myid, 'utf8') : undefined;
  }, readJvmFlags(env));
}

// --- values

function fail(p: Property, allowed: string): never {
  throw new ConfigError(`${p.file}:${p.line}: ${p.key} must be ${allowed} (got "${p.value}")`);
}

function int(p: Property, min = Number.MIN_SAFE_INTEGER): number {
  if (!/^-?\d+$/.test(p.value)) fail(p, 'an integer');
  const v = Number(p.value);
  if (v < min || v > 2147483647) fail(p, `an integer from ${min} to 2147483647`);
  return v;
}

function positiveInt(p: Property): number {
  if (!/^\d+$/.test(p.value) || Number(p.value) <= 0 || Number(p.value) > 2147483647) fail(p, 'a positive integer');
  return Number(p.value);
}

function nonNegativeInt(p: Property): number {
  if (!/^\d+$/.test(p.value) || Number(p.value) > 2147483647) fail(p, 'an integer >= 0');
  return Number(p.value);
}

function port(p: Property): number {
  if (!/^\d+$/.test(p.value) || Number(p.value) > 65535) fail(p, 'a port number from 0 to 65535');
  return Number(p.value);
}

/** The metrics providers there are: ZooKeeper's default (mntr, monitor) and Prometheus. */
const METRICS_PROVIDERS = [
  'org.apache.zookeeper.metrics.impl.DefaultMetricsProvider',
  'org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider',
];

function oneOf(p: Property, allowed: string[]): string {
  if (!allowed.includes(p.value)) fail(p, `one of ${allowed.join(', ')}`);
  return p.value;
}

function nonEmpty(p: Property): string {
  if (p.value === '') fail(p, 'a non-empty value');
  return p.value;
}

/** Relative dirs are taken from the working directory, as ZooKeeper takes them. */
function absolute(path: string): string {
  return isAbsolute(path) ? path : resolve(path);
}
