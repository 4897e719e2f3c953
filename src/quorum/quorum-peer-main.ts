// QuorumPeerMain: one ensemble member from a ServerConfig with server.N lines — the durable
// database, the client port (handed each role's server), the operator endpoints, and the
// QuorumPeer that elects and takes its role; and its orderly shutdown.
import type { ServerConfig } from '../config/server-config';
import type { Logger } from '../log/logger';
import { ZKDatabase } from '../persistence/zk-database';
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
} from '../server/server-assembly';
import { serviceStatus } from '../server/service-status';
import { ZooKeeperServer } from '../server/zookeeper-server';
import { QuorumPeer } from './quorum-peer';
import { DataTree } from '../tree/data-tree';
import { quorumConfigText } from '../config/quorum-verifier';
import { secureServerOptions } from '../tls/tls-context';
import { quorumSockets, type QuorumSockets } from './quorum-sockets';
import { saslQuorumAuth, type QuorumAuth } from './quorum-auth';
import type { QuorumSaslConfig } from '../config/quorum-sasl-config';

export interface RunningPeer {
  peer: QuorumPeer;
  stop(): Promise<void>;
}

export async function startQuorumPeer(config: ServerConfig, log: Logger): Promise<RunningPeer> {
  const ensemble = config.ensemble;
  if (!ensemble) throw new Error(`${config.file}: no ensemble to join`);
  const { metrics, prometheus } = serverMetrics(config);
  const options = serverOptions(config, log, metrics);
  const db = new ZKDatabase(persistenceOptions(config, metrics, log), new DataTree(options.extendedTypesEnabled, { skipACL: options.skipACL }));
  // /zookeeper/config shows the ensemble's config on every member, as Apache's does.
  db.quorumConfig = { text: quorumConfigText(ensemble.verifier), version: ensemble.verifier.version };
  // Before the first role: a server over the database that serves nobody, for the admin
  // commands and the gauges to read.
  const idle = new ZooKeeperServer({ ...options, tree: db.tree });
  const factory = clientPortFactory(config, undefined, log);
  const ctx = operatorContext(config, idle, factory, 'looking', db.snapLog, metrics, prometheus);

  const status = serviceStatus(log);
  let endpoints: OperatorEndpoints | undefined;
  let peer: QuorumPeer;
  try {
    endpoints = await startOperatorEndpoints(config, ctx, prometheus, log);
    const started = performance.now();
    const restored = await db.loadDataBase();
    recordStartupLoad(metrics, log, restored, performance.now() - started, `acceptedEpoch ${db.acceptedEpoch}, currentEpoch ${db.currentEpoch}`);
    peer = new QuorumPeer(
      {
        ensemble,
        tickTime_ms: config.tickTime,
        initLimit: config.initLimit,
        syncLimit: config.syncLimit,
        maxBuffer_bytes: config.juteMaxBuffer,
        serverOptions: options,
        factory,
        ...(config.tls.quorum ? { sockets: quorumSocketsOf(config, log) } : {}),
        ...(config.quorumSasl ? { auth: quorumAuthOf(config.quorumSasl, log) } : {}),
        log,
        metrics,
        onRole: (mode, zks) => {
          ctx.mode = mode;
          if (zks) ctx.zks = zks;
          status.report(mode);
        },
      },
      db,
    );
    ctx.quorum = peer;
    await listenOnClientPort(config, factory);
    await peer.start();
  } catch (e) {
    await endpoints?.stop();
    await factory.stop();
    await db.close();
    throw e;
  }
  const cleanup = startCleanup(config, log);
  const { host, port } = factory.address;
  log.info(`binding to port ${host}:${port}; member ${ensemble.myid} of ${ensemble.verifier.servers.length}, tickTime ${config.tickTime} ms`);
  return {
    peer,
    async stop() {
      cleanup.stop();
      peer.stop();
      await endpoints?.stop();
      await factory.stop();
      ctx.zks.stop();
      await db.close();
    },
  };
}

/**
 * sslQuorum / portUnification: the ssl.quorum.* stores read now, so that a member whose
 * quorum TLS cannot work stops at start naming the key and the file (a ConfigError).
 */
function quorumSocketsOf(config: ServerConfig, log: Logger): QuorumSockets {
  const q = config.tls.quorum!;
  const tls = q.x509.keyStore ? secureServerOptions(q.x509, config.file, 'the quorum ports (sslQuorum)') : undefined;
  const qlog = log.child('quorum-tls');
  qlog.info(`${q.portUnification ? 'Creating TLS-enabled quorum server sockets (portUnification: TLS and plain)' : 'Creating TLS-only quorum server sockets'}; dialling members over ${q.sslQuorum ? 'TLS' : 'plain TCP'}`);
  return quorumSockets(q, tls, qlog);
}

/** quorum.auth.enableSasl: the sections were read at start (a ConfigError there); secrets stay out of the log. */
function quorumAuthOf(cfg: QuorumSaslConfig, log: Logger): QuorumAuth {
  const qlog = log.child('quorum-sasl');
  qlog.info(`quorum.auth.enableSasl=true, quorum.auth.learnerRequireSasl=${cfg.learnerRequired}, quorum.auth.serverRequireSasl=${cfg.serverRequired}; logging in to peers as ${cfg.learner.username}`);
  return saslQuorumAuth(cfg, qlog);
}
