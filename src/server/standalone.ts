// ZooKeeperServerMain: one standalone server from a ServerConfig — the pipeline, the
// client port and its four-letter words — and its orderly shutdown.
import type { ServerConfig } from '../config/server-config';
import { FileTxnSnapLog } from '../persistence/file-txn-snap-log';
import type { ServerCnxnFactory } from './server-cnxn-factory';
import { serviceStatus } from './service-status';
import { ZooKeeperServer } from './zookeeper-server';
import {
  clientPortFactory,
  listenOnClientPort,
  operatorContext,
  persistenceOptions,
  recordStartupLoad,
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
  const ctx = operatorContext(config, zks, factory, 'standalone', persistence, metrics, prometheus);

  // The HTTP listeners first: a port taken fails the start before a long database load.
  let endpoints: OperatorEndpoints | undefined;
  try {
    endpoints = await startOperatorEndpoints(config, ctx, prometheus, log);

    // As ZooKeeper: load the database, then snapshot it, so the logs start afresh.
    const started = performance.now();
    const restored = persistence.restore(zks.tree);
    zks.restoreSessions(restored.sessions);
    recordStartupLoad(metrics, log, restored, performance.now() - started, `${restored.sessions.size} sessions`);
    await persistence.snapshotAfterRestore(zks.tree, zks.sessionTracker.sessionsWithTimeouts(), restored);

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
  if (port >= 0) log.info(`binding to port ${host}:${port}; serving as standalone with tickTime ${config.tickTime} ms`);
  const secure = factory.secureAddress;
  if (secure) log.info(`binding to secure port ${secure.host}:${secure.port} (TLS, ssl.clientAuth=${config.tls.secureClient!.clientAuth})`);
  serviceStatus(log).report('standalone');
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
