// ZooKeeperServerMain: one standalone server from a ServerConfig — the pipeline, the
// client port and its four-letter words — and its orderly shutdown.
import type { ServerConfig } from '../config/server-config';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_WORDS, runFourLetterWord } from './four-letter-words';
import { DatadirCleanupManager } from '../persistence/datadir-cleanup-manager';
import { FileTxnSnapLog } from '../persistence/file-txn-snap-log';
import { ServerCnxnFactory } from './server-cnxn-factory';
import { ZooKeeperServer } from './zookeeper-server';
import { startAdminServer } from '../admin/admin-server';
import type { AdminContext } from '../admin/commands';
import { hostGauges } from '../admin/host-facts';
import type { HttpListener } from '../admin/http-listener';
import { startMetricsServer } from '../admin/metrics-server';
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
    lastSnapshot: () => persistence.lastSnapshot,
    dataDirSize: () => directorySize(persistence.snapDir),
    dataLogDirSize: () => directorySize(persistence.logDir),
  };
  factory.fourLetterWord = (word, cnxn) => runFourLetterWord(ctx, word, cnxn);

  registerServerGauges(metrics.provider, zks, factory);
  if (prometheus) for (const [name, help, read] of hostGauges(config.dataDir)) prometheus.registerAsyncGauge(name, help, read);

  // The HTTP listeners first: a port taken fails the start before a long database load.
  const listeners: HttpListener[] = [];
  const stopHttp = () => Promise.all(listeners.map((l) => l.stop()));
  try {
    if (prometheus) {
      const host = config.metricsProviderHttpHost;
      const l = await startMetricsServer(prometheus, { host, port: config.metricsProviderHttpPort, cfgFile: config.file, log: log.child('metrics') });
      listeners.push(l);
      log.info(`Prometheus metrics at http://${host}:${l.port}/metrics`);
    }
    if (config.adminEnableServer) {
      const host = config.adminServerAddress;
      const l = await startAdminServer(ctx, { host, port: config.adminServerPort, commandURL: config.adminCommandURL, log: log.child('admin') });
      listeners.push(l);
      log.info(`AdminServer at http://${host}:${l.port}${config.adminCommandURL}`);
    }

    // As ZooKeeper: load the database, then snapshot it, so the logs start afresh.
    const started = performance.now();
    const restored = persistence.restore(zks.tree);
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
    await factory.start().catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EADDRINUSE') throw e;
      throw new Error(`${config.clientPortAddress}:${config.clientPort} is already in use: another server is running, or change clientPort in ${config.file}`);
    });
  } catch (e) {
    zks.stop();
    await stopHttp();
    persistence.close();
    throw e;
  }
  // parseConfig has raised autopurge.snapRetainCount to ZooKeeper's minimum, with a warning.
  const cleanup = new DatadirCleanupManager({
    dataDir: config.dataDir,
    dataLogDir: config.dataLogDir,
    snapRetainCount: config.autopurgeSnapRetainCount,
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
