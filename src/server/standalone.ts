// ZooKeeperServerMain: one standalone server from a ServerConfig — the pipeline, the
// client port and its four-letter words — and its orderly shutdown.
import type { ServerConfig } from '../config/server-config';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describeConfig } from '../config/describe-config';
import { ALL_WORDS, runFourLetterWord } from './four-letter-words';
import { DatadirCleanupManager } from '../persistence/datadir-cleanup-manager';
import { FileTxnSnapLog } from '../persistence/file-txn-snap-log';
import { MIN_SNAP_RETAIN_COUNT } from '../persistence/purge';
import { ServerCnxnFactory } from './server-cnxn-factory';
import { ZooKeeperServer } from './zookeeper-server';
import { AdminServer } from '../admin/admin-server';
import type { AdminContext } from '../admin/commands';
import { hostGauges } from '../admin/host-facts';
import { MetricsServer } from '../admin/metrics-server';
import { DefaultMetricsProvider } from '../metrics/default-metrics-provider';
import { PrometheusMetricsProvider, PROMETHEUS_PROVIDER_CLASS } from '../metrics/prometheus-metrics-provider';
import { createServerMetrics } from '../metrics/server-metrics';
import { registerServerGauges } from './server-gauges';

import type { Logger } from '../log/logger';

export interface StandaloneServer {
  zks: ZooKeeperServer;
  factory: ServerCnxnFactory;
  stop(): Promise<void>;
}

export async function startStandalone(config: ServerConfig, log: Logger): Promise<StandaloneServer> {
  const prometheus =
    config.metricsProviderClassName === PROMETHEUS_PROVIDER_CLASS ? new PrometheusMetricsProvider(config.metricsProviderExportJvmInfo) : undefined;
  const metrics = createServerMetrics(prometheus ?? new DefaultMetricsProvider());
  const persistence = new FileTxnSnapLog({
    snapshotWritten: (_zxid, took_ms) => metrics.SNAPSHOT_TIME.add(took_ms),
    dataDir: config.dataDir,
    dataLogDir: config.dataLogDir,
    preAllocSize_bytes: config.preAllocSize * 1024, // zoo.cfg gives it in KB
    snapCount: config.snapCount,
    log: log.child('persistence'),
  });
  const zks = new ZooKeeperServer({
    persister: persistence,
    log: (line) => log.child('pipeline').error(line),
    tickTime_ms: config.tickTime,
    minSessionTimeout_ms: config.minSessionTimeout,
    maxSessionTimeout_ms: config.maxSessionTimeout,
    globalOutstandingLimit: config.globalOutstandingLimit,
    serverId: config.serverId,
    superDigest: config.superDigest,
    skipACL: config.skipACL,
    extendedTypesEnabled: config.extendedTypesEnabled,
    metrics,
  });
  const factory = new ServerCnxnFactory(zks, {
    host: config.clientPortAddress,
    port: config.clientPort,
    maxClientCnxns: config.maxClientCnxns,
    maxBuffer_bytes: config.juteMaxBuffer,
    superDigest: config.superDigest,
    log: (line) => log.child('cnxn').warn(line),
    debug: (line) => log.child('cnxn').debug(line),
  });
  const whitelist = new Set<string>(config.fourLetterWordsWhitelist.includes('*') ? ALL_WORDS : config.fourLetterWordsWhitelist);
  const ctx: AdminContext = {
    zks,
    factory,
    whitelist,
    mode: 'standalone',
    config,
    dataDir: config.dataDir,
    lastSnapshot: () => persistence.lastSnapshot,
    describeConfig: () =>
      describeConfig(config, { dataDir: directorySize(join(config.dataDir, 'version-2')), dataLog: directorySize(join(config.dataLogDir, 'version-2')) }),
    dataDirSize: () => directorySize(join(config.dataDir, 'version-2')),
    dataLogDirSize: () => directorySize(join(config.dataLogDir, 'version-2')),
  };
  factory.fourLetterWord = (word, cnxn) => runFourLetterWord(ctx, word, cnxn);

  registerServerGauges(metrics.provider, zks, factory);
  if (prometheus) for (const [name, help, read] of hostGauges(config.dataDir)) prometheus.registerAsyncGauge(name, help, read);

  // The HTTP listeners first: a port taken fails the start before a long database load.
  const metricsServer = prometheus
    ? new MetricsServer(prometheus, { host: config.metricsProviderHttpHost, port: config.metricsProviderHttpPort, cfgFile: config.file, log: log.child('metrics').error })
    : undefined;
  const adminServer = config.adminEnableServer
    ? new AdminServer(ctx, { host: config.adminServerAddress, port: config.adminServerPort, commandURL: config.adminCommandURL, log: log.child('admin').error })
    : undefined;
  try {
    await metricsServer?.start();
    await adminServer?.start();
  } catch (e) {
    await metricsServer?.stop();
    persistence.close();
    throw e;
  }
  if (metricsServer) log.info(`Prometheus metrics at http://${config.metricsProviderHttpHost}:${metricsServer.port}/metrics`);
  if (adminServer) log.info(`AdminServer at http://${config.adminServerAddress}:${adminServer.port}${config.adminCommandURL}`);
  const stopHttp = async () => {
    await adminServer?.stop();
    await metricsServer?.stop();
  };

  // As ZooKeeper: load the database, then snapshot it, so the logs start afresh.
  const started = performance.now();
  let restored;
  try {
    restored = persistence.restore(zks.tree);
  } catch (e) {
    await stopHttp();
    persistence.close();
    throw e;
  }
  metrics.DB_INIT_TIME.add(performance.now() - started);
  metrics.STARTUP_SNAP_LOAD_TIME.add(restored.snapLoad_ms);
  metrics.STARTUP_TXNS_LOAD_TIME.add(restored.txnsLoad_ms);
  metrics.STARTUP_TXNS_LOADED.add(restored.txnsReplayed);
  zks.restoreSessions(restored.sessions);
  log.info(
    `loaded snapshot 0x${restored.snapshotZxid.toString(16)} and ${restored.txnsReplayed} txns up to zxid 0x${restored.lastZxid.toString(16)}, ` +
      `${restored.sessions.size} sessions, in ${(performance.now() - started).toFixed(0)} ms`,
  );
  await persistence.takeSnapshot(zks.tree, zks.sessionTracker.sessionsWithTimeouts());

  zks.start();
  try {
    await factory.start();
  } catch (e) {
    zks.stop();
    await stopHttp();
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE') {
      throw new Error(
        `${config.clientPortAddress}:${config.clientPort} is already in use: another server is running, or change clientPort in ${config.file}`,
      );
    }
    throw e;
  }
  // ZooKeeper raises a snapRetainCount under the minimum to it, with a warning.
  if (config.autopurgeSnapRetainCount < MIN_SNAP_RETAIN_COUNT) {
    log.warn(`autopurge.snapRetainCount ${config.autopurgeSnapRetainCount} is below ${MIN_SNAP_RETAIN_COUNT}; using ${MIN_SNAP_RETAIN_COUNT}`);
  }
  const cleanup = new DatadirCleanupManager({
    dataDir: config.dataDir,
    dataLogDir: config.dataLogDir,
    snapRetainCount: Math.max(config.autopurgeSnapRetainCount, MIN_SNAP_RETAIN_COUNT),
    purgeInterval_hours: config.autopurgePurgeInterval,
    log: log.child('purge'),
  });
  cleanup.start();
  const { host, port } = factory.address;
  log.info(`binding to port ${host}:${port}; serving as standalone with tickTime ${config.tickTime} ms`);
  return {
    zks,
    factory,
    async stop() {
      cleanup.stop();
      await stopHttp();
      await factory.stop();
      zks.stop();
      persistence.close();
    },
  };
}

/** Bytes in the files directly under `dir` (0 when it does not exist yet), as dirs reports. */
function directorySize(dir: string): number {
  try {
    return readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
  } catch {
    return 0;
  }
}
