// What a standalone server and a quorum peer both build from zoo.cfg: the metrics
// provider, the data files' and the pipeline's options, the client port's factory, the
// context four-letter words and admin commands read, the operator endpoints (Prometheus,
// AdminServer) and autopurge.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startAdminServer } from '../admin/admin-server';
import type { HttpsOptions } from '../admin/https-transport';
import { storeOptions } from '../tls/tls-context';
import type { AdminContext } from '../admin/commands';
import type { HttpListener } from '../admin/http-listener';
import { startMetricsServer } from '../admin/metrics-server';
import type { ServerConfig } from '../config/server-config';
import type { Logger } from '../log/logger';
import { DefaultMetricsProvider } from '../metrics/default-metrics-provider';
import { PrometheusMetricsProvider, PROMETHEUS_PROVIDER_CLASS } from '../metrics/prometheus-metrics-provider';
import { createServerMetrics, type ServerMetrics } from '../metrics/server-metrics';
import { DatadirCleanupManager } from '../persistence/datadir-cleanup-manager';
import type { FileTxnSnapLog, PersistenceOptions, Restored } from '../persistence/file-txn-snap-log';
import { ALL_WORDS, notServingAnswer, runFourLetterWord } from './four-letter-words';
import { registerServerGauges } from './server-gauges';
import { hostGauges } from '../admin/host-facts';
import { ServerCnxnFactory } from './server-cnxn-factory';
import { secureServerOptions } from '../tls/tls-context';
import { registerServerProvider } from '../tree/auth';
import { X509AuthenticationProvider } from '../tree/x509-auth';
import { SaslAuthenticationProvider } from '../tree/sasl-auth';
import type { ZooKeeperServer, ZooKeeperServerOptions } from './zookeeper-server';

/** The metrics provider zoo.cfg names (ZooKeeper's default, or Prometheus) and the catalogue over it. */
export function serverMetrics(config: ServerConfig): { metrics: ServerMetrics; prometheus: PrometheusMetricsProvider | undefined } {
  const prometheus =
    config.metricsProviderClassName === PROMETHEUS_PROVIDER_CLASS ? new PrometheusMetricsProvider(config.metricsProviderExportJvmInfo) : undefined;
  return { metrics: createServerMetrics(prometheus ?? new DefaultMetricsProvider()), prometheus };
}

/** The data files' options from zoo.cfg. */
export function persistenceOptions(config: ServerConfig, metrics: ServerMetrics, log: Logger): PersistenceOptions {
  return {
    snapshotWritten: (_zxid, took_ms) => metrics.SNAPSHOT_TIME.add(took_ms),
    dataDir: config.dataDir,
    dataLogDir: config.dataLogDir,
    preAllocSize_bytes: config.preAllocSize * 1024, // zoo.cfg gives it in KB
    snapCount: config.snapCount,
    log: log.child('persistence'),
  };
}

/** The pipeline's options from zoo.cfg. */
export function serverOptions(config: ServerConfig, log: Logger, metrics: ServerMetrics): ZooKeeperServerOptions {
  // Apache's line when zookeeper.enforceQuota is on.
  if (config.enforceQuota) log.info('zookeeper.enforceQuota = true, Quota Enforce enables');
  return {
    log: (line) => log.child('pipeline').error(line),
    warn: (line) => log.child('quota').warn(line),
    enforceQuota: config.enforceQuota,
    sessionLog: (line) => log.child('session').info(line),
    tickTime_ms: config.tickTime,
    minSessionTimeout_ms: config.minSessionTimeout,
    maxSessionTimeout_ms: config.maxSessionTimeout,
    globalOutstandingLimit: config.globalOutstandingLimit,
    serverId: config.serverId,
    superDigest: config.superDigest,
    skipACL: config.skipACL,
    extendedTypesEnabled: config.extendedTypesEnabled,
    metrics,
  };
}

export function clientPortFactory(config: ServerConfig, zks: ZooKeeperServer | undefined, log: Logger): ServerCnxnFactory {
  const secure = config.tls.secureClient;
  if (config.tls.x509) registerServerProvider('x509', new X509AuthenticationProvider(config.tls.x509.superUser));
  if (config.sasl.provider) registerServerProvider('sasl', new SaslAuthenticationProvider());
  const login = config.sasl.login;
  if (login) log.info(`SASL DIGEST-MD5 logins from section ${login.section} of ${login.jaasFile}: ${login.credentials.size} users`);
  const enforce = config.sasl.enforceAuth;
  log.info(`zookeeper.enforce.auth.enabled = ${enforce.enabled}; zookeeper.enforce.auth.schemes = [${enforce.schemes.join(', ')}]`);
  return new ServerCnxnFactory(zks, {
    ...(secure
      ? {
          secure: {
            host: secure.host,
            port: secure.port,
            tls: secureServerOptions(secure, config.file),
            clientAuth: secure.clientAuth,
            sslAuthProvider: config.tls.sslAuthProvider,
          },
        }
      : {}),
    host: config.clientPortAddress,
    port: config.clientPort,
    maxClientCnxns: config.maxClientCnxns,
    maxBuffer_bytes: config.juteMaxBuffer,
    superDigest: config.superDigest,
    sasl: config.sasl,
    saslLog: log.child('sasl'),
    log: (line) => log.child('cnxn').warn(line),
    info: (line) => log.child('cnxn').info(line),
    debug: (line) => log.child('cnxn').debug(line),
  });
}

/**
 * What four-letter words, admin commands and the server gauges read (a quorum peer changes
 * zks and mode with its role), wired to the client port's four-letter words and to the
 * metrics provider.
 */
export function operatorContext(
  config: ServerConfig,
  zks: ZooKeeperServer,
  factory: ServerCnxnFactory,
  mode: AdminContext['mode'],
  files: { lastSnapshot: FileTxnSnapLog['lastSnapshot']; snapDir: string; logDir: string },
  metrics: ServerMetrics,
  prometheus: PrometheusMetricsProvider | undefined,
): AdminContext {
  const ctx: AdminContext = {
    zks,
    factory,
    whitelist: new Set<string>(config.fourLetterWordsWhitelist.includes('*') ? ALL_WORDS : config.fourLetterWordsWhitelist),
    mode,
    config,
    lastSnapshot: () => files.lastSnapshot,
    dataDirSize: () => directorySize(files.snapDir),
    dataLogDirSize: () => directorySize(files.logDir),
  };
  factory.fourLetterWord = (word, cnxn) => runFourLetterWord(ctx, word, cnxn);
  factory.fourLetterWordWhileNotServing = (word) => notServingAnswer(word, ctx.whitelist);
  registerServerGauges(metrics.provider, () => ctx.zks, factory);
  if (prometheus) for (const [name, help, read] of hostGauges(config.dataDir)) prometheus.registerAsyncGauge(name, help, read);
  return ctx;
}

/** The start-up figures of a database load (db_init_time, startup_snap_load_time, ...), and its log line. */
export function recordStartupLoad(metrics: ServerMetrics, log: Logger, restored: Restored, took_ms: number, extra: string): void {
  metrics.DB_INIT_TIME.add(took_ms);
  metrics.STARTUP_SNAP_LOAD_TIME.add(restored.snapLoad_ms);
  metrics.STARTUP_TXNS_LOAD_TIME.add(restored.txnsLoad_ms);
  metrics.STARTUP_TXNS_LOADED.add(restored.txnsReplayed);
  log.info(
    `loaded snapshot 0x${restored.snapshotZxid.toString(16)}${restored.snapshotParsedOn === undefined ? '' : ` (parsed on ${restored.snapshotParsedOn})`} and ${restored.txnsReplayed} txns up to zxid 0x${restored.lastZxid.toString(16)}, ` +
      `${extra}, in ${took_ms.toFixed(0)} ms`,
  );
}

export interface OperatorEndpoints {
  stop(): Promise<void>;
}

/** The Prometheus endpoint and the AdminServer, as zoo.cfg asks. */
export async function startOperatorEndpoints(config: ServerConfig, ctx: AdminContext, prometheus: PrometheusMetricsProvider | undefined, log: Logger): Promise<OperatorEndpoints> {
  const listeners: HttpListener[] = [];
  const stop = async () => void (await Promise.all(listeners.map((l) => l.stop())));
  try {
    if (prometheus) {
      const host = config.metricsProviderHttpHost;
      const l = await startMetricsServer(prometheus, { host, port: config.metricsProviderHttpPort, cfgFile: config.file, log: log.child('metrics') });
      listeners.push(l);
      log.info(`Prometheus metrics at http://${host}:${l.port}/metrics`);
    }
    if (config.adminEnableServer) {
      const host = config.adminServerAddress;
      const https = adminHttps(config);
      const l = await startAdminServer(ctx, { host, port: config.adminServerPort, commandURL: config.adminCommandURL, log: log.child('admin'), ...(https ? { https } : {}) });
      listeners.push(l);
      const schemes = !https ? ['http'] : https.plainToo ? ['http', 'https'] : ['https'];
      log.info(`AdminServer at ${schemes.map((s) => `${s}://${host}:${l.port}${config.adminCommandURL}`).join(' and ')}`);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { stop };
}

/** The AdminServer's HTTPS from the quorum's stores, read now so a bad store stops the start naming it. */
function adminHttps(config: ServerConfig): HttpsOptions | undefined {
  const t = config.adminTls;
  if (!t) return undefined;
  const tls = { ...storeOptions(t.keyStore, t.trustStore, config.file), requestCert: t.needClientAuth, rejectUnauthorized: t.needClientAuth };
  return { tls, plainToo: t.plainToo };
}

export function listenOnClientPort(config: ServerConfig, factory: ServerCnxnFactory): Promise<void> {
  return factory.start().catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'EADDRINUSE_SECURE') throw new Error(`${e.message}: another server is running, or change secureClientPort in ${config.file}`);
    if (e.code !== 'EADDRINUSE') throw e;
    throw new Error(`${config.clientPortAddress}:${config.clientPort} is already in use: another server is running, or change clientPort in ${config.file}`);
  });
}

/** autopurge; parseConfig has raised autopurge.snapRetainCount to ZooKeeper's minimum, with a warning. */
export function startCleanup(config: ServerConfig, log: Logger): DatadirCleanupManager {
  const cleanup = new DatadirCleanupManager({
    dataDir: config.dataDir,
    dataLogDir: config.dataLogDir,
    snapRetainCount: config.autopurgeSnapRetainCount,
    purgeInterval_hours: config.autopurgePurgeInterval,
    log: log.child('purge'),
  });
  cleanup.start();
  return cleanup;
}

/** Bytes in the files directly under `dir` (0 when it does not exist yet), as dirs reports. */
function directorySize(dir: string): number {
  try {
    return readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
  } catch {
    return 0;
  }
}
