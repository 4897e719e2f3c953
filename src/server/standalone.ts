// ZooKeeperServerMain: one standalone server from a ServerConfig — the pipeline, the
// client port and its four-letter words — and its orderly shutdown.
import type { ServerConfig } from '../config/server-config';
import { runFourLetterWord } from './four-letter-words';
import { FileTxnSnapLog } from '../persistence/file-txn-snap-log';
import type { ServerCnxnFactory } from './server-cnxn-factory';
import { ZooKeeperServer } from './zookeeper-server';
import { hostGauges } from '../admin/host-facts';
import { registerServerGauges } from './server-gauges';
import {
  clientPortFactory,
  listenOnClientPort,
  operatorContext,
  persistenceOptions,
  serverMetrics,
  serverOptions,
  startCleanup,
  startOperatorEndpoints,
  type OperatorEndpoints,
} from './server-assembly';

import type { Logger } from '../log/logger';

export interface StandaloneServer {
  zks: ZooKeeperServer;
  factory: ServerCnxnFactory;
  stop(): Promise<void>;
}

export async function startStandalone(config: ServerConfig, log: Logger): Promise<StandaloneServer> {
  const { metrics, prometheus } = serverMetrics(config);
  const persistence = new FileTxnSnapLog(persistenceOptions(config, metrics, log));
  const zks = new ZooKeeperServer({ ...serverOptions(config, log, metrics), persister: persistence });
  const factory = clientPortFactory(config, zks, log);
  const ctx = operatorContext(config, zks, factory, 'standalone', persistence);
  factory.fourLetterWord = (word, cnxn) => runFourLetterWord(ctx, word, cnxn);
  registerServerGauges(metrics.provider, () => ctx.zks, factory);
  if (prometheus) for (const [name, help, read] of hostGauges(config.dataDir)) prometheus.registerAsyncGauge(name, help, read);

  // The HTTP listeners first: a port taken fails the start before a long database load.
  let endpoints: OperatorEndpoints | undefined;
  try {
    endpoints = await startOperatorEndpoints(config, ctx, prometheus, log);

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
    await listenOnClientPort(config, factory);
  } catch (e) {
    zks.stop();
    await endpoints?.stop();
    persistence.close();
    throw e;
  }
  const cleanup = startCleanup(config, log);
  const { host, port } = factory.address;
  log.info(`binding to port ${host}:${port}; serving as standalone with tickTime ${config.tickTime} ms`);
  return {
    zks,
    factory,
    async stop() {
      cleanup.stop();
      await endpoints?.stop();
      await factory.stop();
      zks.stop();
      persistence.close();
    },
  };
}
