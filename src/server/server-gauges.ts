// The gauges ZooKeeperServer registers with the metrics provider (its registerMetrics):
// latency, packets, connections, the tree's size, sessions, file descriptors. Read when
// mntr, monitor or a Prometheus scrape asks.
import { readdirSync, readFileSync } from 'node:fs';
import { JavaDouble, type MetricsProvider } from '../metrics/metrics-provider';
import type { ServerCnxnFactory } from './server-cnxn-factory';
import type { ZooKeeperServer } from './zookeeper-server';

export function registerServerGauges(provider: MetricsProvider, zks: ZooKeeperServer, factory: ServerCnxnFactory): void {
  const s = zks.stats;
  const gauges: Array<[string, () => number | JavaDouble]> = [
    ['avg_latency', () => new JavaDouble(s.avgLatency_ms)],
    ['max_latency', () => s.maxLatency_ms],
    ['min_latency', () => s.minLatency_ms],
    ['packets_received', () => s.packetsReceived],
    ['packets_sent', () => s.packetsSent],
    ['num_alive_connections', () => factory.connections.size],
    ['outstanding_requests', () => zks.outstandingRequests],
    ['uptime', () => Date.now() - s.startedAt_ms],
    ['znode_count', () => zks.tree.nodeCount],
    ['watch_count', () => zks.tree.watchCount()],
    ['ephemerals_count', () => zks.tree.ephemeralsCount()],
    ['approximate_data_size', () => zks.tree.approximateDataSize()],
    ['global_sessions', () => zks.sessionTracker.sessionCount()],
    ['local_sessions', () => 0],
    ['open_file_descriptor_count', openFileDescriptors],
    ['max_file_descriptor_count', maxFileDescriptors],
    ['connection_drop_probability', () => new JavaDouble(0)],
    ['last_client_response_size', () => s.lastResponseSize],
    ['max_client_response_size', () => s.maxResponseSize],
    ['min_client_response_size', () => s.minResponseSize],
    ['outstanding_tls_handshake', () => 0],
    ['auth_failed_count', () => s.authFailed],
    ['non_mtls_remote_conn_count', () => 0],
    ['non_mtls_local_conn_count', () => 0],
  ];
  for (const [name, gauge] of gauges) provider.registerGauge(name, gauge);
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
