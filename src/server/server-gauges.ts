// The gauges ZooKeeperServer registers with the metrics provider (its registerMetrics):
// latency, packets, connections, the tree's size, sessions, file descriptors, quotas. Read when
// mntr, monitor or a Prometheus scrape asks.
import { readdirSync, readFileSync } from 'node:fs';
import { JavaDouble, type MetricsProvider } from '../metrics/metrics-provider';
import { registerQuotaGauges } from './quota-gauges';
import type { ServerCnxnFactory } from './server-cnxn-factory';
import type { ZooKeeperServer } from './zookeeper-server';

/** `server()`: the server serving now (a quorum peer's changes with its role). */
export function registerServerGauges(provider: MetricsProvider, server: () => ZooKeeperServer, factory: ServerCnxnFactory): void {
  const gauges: Array<[string, () => number | JavaDouble]> = [
    ['avg_latency', () => new JavaDouble(server().stats.avgLatency_ms)],
    ['max_latency', () => server().stats.maxLatency_ms],
    ['min_latency', () => server().stats.minLatency_ms],
    ['packets_received', () => server().stats.packetsReceived],
    ['packets_sent', () => server().stats.packetsSent],
    ['num_alive_connections', () => factory.connections.size],
    ['outstanding_requests', () => server().outstandingRequests],
    ['uptime', () => Date.now() - server().stats.startedAt_ms],
    ['znode_count', () => server().tree.nodeCount],
    ['watch_count', () => server().tree.watchCount()],
    ['ephemerals_count', () => server().tree.ephemeralsCount()],
    ['approximate_data_size', () => server().tree.approximateDataSize()],
    ['global_sessions', () => server().sessionTracker.sessionCount()],
    ['local_sessions', () => 0],
    ['open_file_descriptor_count', openFileDescriptors],
    ['max_file_descriptor_count', maxFileDescriptors],
    ['connection_drop_probability', () => new JavaDouble(0)],
    ['last_client_response_size', () => server().stats.lastResponseSize],
    ['max_client_response_size', () => server().stats.maxResponseSize],
    ['min_client_response_size', () => server().stats.minResponseSize],
    ['outstanding_tls_handshake', () => 0],
    ['auth_failed_count', () => server().stats.authFailed],
    ['non_mtls_remote_conn_count', () => 0],
    ['non_mtls_local_conn_count', () => 0],
  ];
  for (const [name, gauge] of gauges) provider.registerGauge(name, gauge);
  registerQuotaGauges(provider, () => server().tree);
}

export function openFileDescriptors(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return -1;
  }
}

/** The soft limit on open files (what the JVM's OperatingSystemMXBean reports). */
export function maxFileDescriptors(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === undefined || soft === 'unlimited' ? -1 : Number(soft);
  } catch {
    return -1;
  }
}
