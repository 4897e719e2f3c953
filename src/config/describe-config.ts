// What the `conf` four-letter word prints: ZooKeeper's ZooKeeperServer.dumpConf lines.
import { join } from 'node:path';
import type { ServerConfig } from './server-config';

export function describeConfig(cfg: ServerConfig, sizes: { dataDir: number; dataLog: number } = { dataDir: 0, dataLog: 0 }): string {
  const lines = [
    `clientPort=${cfg.clientPort}`,
    `secureClientPort=${cfg.tls.secureClient?.port ?? -1}`,
    `dataDir=${join(cfg.dataDir, 'version-2')}`,
    `dataDirSize=${sizes.dataDir}`,
    `dataLogDir=${join(cfg.dataLogDir, 'version-2')}`,
    `dataLogSize=${sizes.dataLog}`,
    `tickTime=${cfg.tickTime}`,
    `maxClientCnxns=${cfg.maxClientCnxns}`,
    `minSessionTimeout=${cfg.minSessionTimeout}`,
    `maxSessionTimeout=${cfg.maxSessionTimeout}`,
    `clientPortListenBacklog=-1`,
    `serverId=${cfg.serverId}`,
  ];
  return lines.join('\n') + '\n';
}
