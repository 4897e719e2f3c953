// The AdminServer's commands: the names, aliases and JSON fields of ZooKeeper 3.8's
// admin Commands, answered from the same state the four-letter words read.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostname, release as osRelease, type as osType } from 'node:os';
import type { ServerConfig } from '../config/server-config';
import { JavaDouble } from '../metrics/metrics-provider';
import type { SnapshotInfo } from '../persistence/file-txn-snap-log';
import { environmentEntries, groupInSlices, monitorValues, WATCH_LISTING_SLICE, VERSION_STRING, ZK_NOT_SERVING, zooTrace, type FourLetterContext } from '../server/four-letter-words';
import type { ClientCnxn } from '../server/server-cnxn';
import { authorizeCommand, authRequestFor, type AdminCaller } from './admin-auth';
import type { Json } from './json';
import { leaderFields, observersFields, votingViewFields, zabStateFields } from './quorum-commands';

export interface AdminContext extends FourLetterContext {
  lastSnapshot(): SnapshotInfo | undefined;
}

type Fields = { [key: string]: Json };

interface Command {
  names: string[];
  run(ctx: AdminContext, args: URLSearchParams): Fields | Promise<Fields>;
}

const command = (names: string[], run: Command['run']): Command => ({ names, run });

/** ZooKeeper's error entry, put first when a command fails. */
const failed = (error: string): Fields => ({ error });

const COMMANDS: Command[] = [
  command(['connection_stat_reset', 'crst'], (ctx) => {
    ctx.factory.resetConnectionStats();
    return {};
  }),
  command(['configuration', 'conf', 'config'], (ctx) => ({
    client_port: ctx.config.clientPort,
    data_dir: join(ctx.config.dataDir, 'version-2'),
    data_log_dir: join(ctx.config.dataLogDir, 'version-2'),
    tick_time: ctx.config.tickTime,
    max_client_cnxns: ctx.config.maxClientCnxns,
    min_session_timeout: ctx.config.minSessionTimeout,
    max_session_timeout: ctx.config.maxSessionTimeout,
    server_id: ctx.config.serverId,
    client_port_listen_backlog: -1,
  })),
  command(['connections', 'cons'], (ctx) => ({ connections: connectionInfos(ctx, false), secure_connections: [] })),
  command(['dirs'], (ctx) => ({ datadir_size: ctx.dataDirSize(), logdir_size: ctx.dataLogDirSize() })),
  command(['dump'], (ctx) => ({
    expiry_time_to_session_ids: Object.fromEntries([...ctx.zks.sessionTracker.expiryMap()].map(([at, ids]) => [String(at), ids.map(javaLong)])),
    session_id_to_ephemeral_paths: Object.fromEntries(
      [...ctx.zks.tree.ephemeralsBySession()].map(([id, paths]) => [javaLong(id).toString(), [...paths].sort()]),
    ),
  })),
  command(['environment', 'env', 'envi'], async (ctx) => Object.fromEntries(await environmentEntries(ctx))),
  command(['hash'], () => ({ digests: [] })),
  command(['get_trace_mask', 'gtmk'], () => ({ tracemask: zooTrace.mask })),
  command(['initial_configuration', 'icfg'], (ctx) => ({ initial_configuration: initialConfiguration(ctx.config) })),
  command(['is_read_only', 'isro'], () => ({ read_only: false })),
  command(['last_snapshot', 'lsnp'], (ctx) => {
    const info = ctx.lastSnapshot();
    return { zxid: info ? info.zxid.toString(16) : 'ffffffffffffffff', timestamp: info ? info.timestamp_s : -1 };
  }),
  command(['leader', 'lead'], leaderFields),
  command(['monitor', 'mntr'], async (ctx) => Object.fromEntries(await monitorValues(ctx))),
  command(['observer_connection_stat_reset', 'orst'], () => ({})),
  command(['ruok'], () => ({})),
  command(['set_trace_mask', 'stmk'], (_ctx, args) => {
    const mask = args.get('traceMask');
    if (mask === null || !/^-?\d+$/.test(mask)) return failed('setTraceMask requires long traceMask argument');
    zooTrace.mask = BigInt(mask);
    return { tracemask: zooTrace.mask };
  }),
  command(['server_stats', 'srvr'], (ctx) => serverStats(ctx)),
  command(['stats', 'stat'], (ctx) => ({ ...serverStats(ctx), connections: connectionInfos(ctx, true), secure_connections: [] })),
  command(['stat_reset', 'srst'], (ctx) => {
    ctx.zks.resetStats();
    return {};
  }),
  command(['observers', 'obsr'], observersFields),
  command(['system_properties', 'sysp'], () => systemProperties()),
  command(['voting_view'], votingViewFields),
  // Maps, not objects: 150k keys print in slices (json.ts) and cost less to build.
  command(['watches', 'wchc'], async (ctx) => {
    const byId = await groupInSlices(ctx.zks.tree.watchesBySession());
    return { session_id_to_watched_paths: new Map([...byId].map(([id, paths]) => [javaLong(id).toString(), [...paths]])) };
  }),
  command(['watches_by_path', 'wchp'], async (ctx) => {
    const byPath = await groupInSlices(ctx.zks.tree.watchesByPath());
    const out = new Map<string, Json>();
    let n = 0;
    for (const [path, ids] of byPath) {
      out.set(path, [...ids].map(javaLong));
      if (++n % WATCH_LISTING_SLICE === 0) await new Promise((r) => setImmediate(r));
    }
    return { path_to_session_ids: out };
  }),
  command(['watch_summary', 'wchs'], (ctx) => {
    const w = ctx.zks.tree.watchSummary();
    return { num_connections: w.connections, num_paths: w.paths, num_total_watches: w.total };
  }),
  command(['zabstate'], zabStateFields),
];

/**
 * Commands that answer without a serving server (Apache's serverRequired = false); the rest,
 * while a quorum peer elects, answer ZK_NOT_SERVING. monitor is among them in Apache too
 * (there it then fails with a NullPointerException and HTTP 500; here it shows the metrics).
 */
const SERVER_NOT_REQUIRED = new Set(['environment', 'get_trace_mask', 'monitor', 'set_trace_mask', 'system_properties', 'zabstate']);

const BY_NAME = new Map(COMMANDS.flatMap((c) => c.names.map((n) => [n, c] as const)));

/** The names /commands lists: each command's primary name, sorted. */
export const PRIMARY_NAMES = COMMANDS.map((c) => c.names[0]!).sort();

export interface CommandResponse {
  /** The HTTP status: 200 but where 3.9's admin auth refuses (admin-auth.ts). */
  status: number;
  fields: Fields;
}

/**
 * Runs a command by any of its names: its fields, then `command` and `error`, as ZooKeeper's
 * CommandResponse. With admin.auth.enabled a guarded command first checks `caller`, after
 * the unknown and not-serving answers, as 3.9's Commands.runCommand orders them.
 */
export async function runCommand(ctx: AdminContext, name: string, args: URLSearchParams, caller: AdminCaller): Promise<CommandResponse> {
  const cmd = BY_NAME.get(name);
  if (!cmd) return { status: 200, fields: { command: name, error: `Unknown command: ${name}` } };
  const primary = cmd.names[0]!;
  if (ctx.mode === 'looking' && !SERVER_NOT_REQUIRED.has(primary)) return { status: 200, fields: { command: name, error: ZK_NOT_SERVING } };
  const authRequest = ctx.config.adminAuthEnabled ? authRequestFor(primary) : undefined;
  if (authRequest) {
    const server = { acl: (path: string) => ctx.zks.tree.getNode(path)?.acl, skipACL: ctx.config.skipACL, superDigest: ctx.config.superDigest };
    const denied = authorizeCommand(authRequest, caller, server);
    if (denied) return { status: denied.status, fields: { command: name, error: denied.error } };
  }
  const fields = await cmd.run(ctx, args);
  const { error, ...rest } = fields;
  // ZooKeeper puts the error first when there is one, and null at the end otherwise.
  return { status: 200, fields: error !== undefined ? { error, ...rest, command: primary } : { ...rest, command: primary, error: null } };
}

function serverStats(ctx: AdminContext): Fields {
  const s = ctx.zks.stats;
  const responses: Fields = { last_buffer_size: s.lastResponseSize, min_buffer_size: s.minResponseSize, max_buffer_size: s.maxResponseSize };
  return {
    version: VERSION_STRING,
    read_only: false,
    server_stats: {
      packets_sent: s.packetsSent,
      packets_received: s.packetsReceived,
      fsync_threshold_exceed_count: 0,
      client_response_stats: responses,
      provider_null: false,
      data_dir_size: ctx.dataDirSize(),
      log_dir_size: ctx.dataLogDirSize(),
      server_state: ctx.mode,
      last_processed_zxid: ctx.zks.lastProcessedZxid,
      outstanding_requests: ctx.zks.outstandingRequests,
      avg_latency: new JavaDouble(s.avgLatency_ms),
      max_latency: s.maxLatency_ms,
      min_latency: s.minLatency_ms,
      num_alive_client_connections: ctx.factory.connections.size,
      uptime: Date.now() - s.startedAt_ms,
      auth_failed_count: s.authFailed,
      non_mtlsremote_conn_count: 0,
      non_mtlslocal_conn_count: 0,
    },
    client_response: responses,
    node_count: ctx.zks.tree.nodeCount,
  };
}

/** ServerCnxn.getConnectionInfo: the brief form for stats, the full one for connections. */
function connectionInfos(ctx: AdminContext, brief: boolean): Json[] {
  return [...ctx.factory.connections].map((c: ClientCnxn) => {
    const info: Fields = {
      remote_socket_address: `${c.remoteAddress}:${c.remotePort}`,
      interest_ops: c.readingPaused ? 0 : 1,
      outstanding_requests: c.outstandingRequests,
      packets_received: c.packetsReceived,
      packets_sent: c.packetsSent,
    };
    if (brief) return info;
    return {
      ...info,
      session_id: javaLong(c.sessionId),
      last_operation: c.lastOp,
      established: c.established_ms,
      session_timeout: c.sessionTimeout_ms,
      last_cxid: c.lastCxid,
      last_zxid: c.lastZxid,
      last_response_time: c.lastResponse_ms,
      last_latency: c.latency.last_ms,
      min_latency: c.latency.min_ms,
      avg_latency: Math.floor(c.latency.avg_ms),
      max_latency: c.latency.max_ms,
    };
  });
}

/** Session ids print as Java longs: signed 64-bit, exactly (beyond a double's precision). */
function javaLong(id: bigint): bigint {
  return BigInt.asIntN(64, id);
}

/** The config file as it was read at start (ZooKeeper keeps its text). */
function initialConfiguration(config: ServerConfig): string {
  try {
    return maskPasswords(readFileSync(config.file, 'utf8'));
  } catch {
    return '';
  }
}

/**
 * zoo.cfg as written, less the values of its password keys (ssl.keyStore.password,
 * ssl.trustStore.password, ...): Apache 3.8 returns the file verbatim here, secrets and all;
 * issue 14 wants them shown masked or not at all.
 */
export function maskPasswords(text: string): string {
  return text.replace(/^([ \t\f]*[^#!\s=:]*password[ \t\f]*[=: \t\f][ \t\f]*).*$/gim, (_, key: string) => `${key}******`);
}

/** Java's system properties have no equivalent; the runtime's own facts, sorted by name as ZooKeeper sorts them. */
function systemProperties(): Fields {
  const props: Record<string, string> = {
    'file.encoding': 'UTF-8',
    'file.separator': '/',
    'host.name': hostname(),
    'line.separator': '\n',
    'node.version': process.version,
    'node.execPath': process.execPath,
    'os.arch': process.arch === 'x64' ? 'amd64' : process.arch,
    'os.name': osType(),
    'os.version': osRelease(),
    'path.separator': ':',
    'user.dir': process.cwd(),
  };
  return Object.fromEntries(Object.entries(props).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
