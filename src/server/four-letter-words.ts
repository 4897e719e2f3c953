// The four-letter words on the client port (srvr, stat, ruok, mntr, ...), gated by
// 4lw.commands.whitelist exactly as ZooKeeper gates them.
import { homedir, hostname, release as osRelease, totalmem, type as osType, userInfo } from 'node:os';
import { javaDate } from '../session/session-tracker';
import type { ClientCnxn } from './server-cnxn';
import { describeConfig } from '../config/describe-config';
import type { ServerConfig } from '../config/server-config';
import { javaDouble, type MetricValue } from '../metrics/metrics-provider';
import { hostEnvironment } from '../admin/host-facts';
import { SESSIONLESS_CNXN_TIMEOUT_ms, type ServerCnxnFactory } from './server-cnxn-factory';
import type { ZooKeeperServer } from './zookeeper-server';
import type { QuorumPeerView } from '../quorum/peer-view';

declare const ZOOKEEPER_TS_VERSION: string | undefined;

/** Clients parse the leading x.y.z (kazoo's server_version, Curator): we speak 3.8's protocol. */
export const VERSION_STRING = `3.8.0-zookeeper-ts-${typeof ZOOKEEPER_TS_VERSION === 'string' ? ZOOKEEPER_TS_VERSION : 'dev'}, built on 2026-11-24 00:00 UTC`;

export interface FourLetterContext {
  zks: ZooKeeperServer;
  factory: ServerCnxnFactory;
  config: ServerConfig;
  /** Bytes in dataDir/version-2 and dataLogDir/version-2, as dirs and conf report them. */
  dataDirSize(): number;
  dataLogDirSize(): number;
  /** The words allowed: 4lw.commands.whitelist, expanded ('*' = all). */
  whitelist: ReadonlySet<string>;
  /** The role; 'looking' while a quorum peer elects (four-letter words then answer as not serving). */
  mode: 'standalone' | 'leader' | 'follower' | 'observer' | 'looking';
  /** An ensemble member's peer (absent standalone). */
  quorum?: QuorumPeerView;
}

type Command = (ctx: FourLetterContext, cnxn: ClientCnxn) => string | Promise<string>;

const commands: Record<string, Command> = {
  ruok: () => 'imok',
  isro: () => 'rw',
  srvr: (ctx) => serverSummary(ctx, false),
  stat: (ctx) => serverSummary(ctx, true),
  cons: (ctx) => [...ctx.factory.connections].map((c) => connectionLine(c, false)).join('') + '\n',
  crst: (ctx) => {
    ctx.factory.resetConnectionStats();
    return 'Connection stats reset.\n';
  },
  srst: (ctx) => {
    ctx.zks.resetStats();
    return 'Server stats reset.\n';
  },
  conf: (ctx) => describeConfig(ctx.config, { dataDir: ctx.dataDirSize(), dataLog: ctx.dataLogDirSize() }),
  envi: (ctx) => environment(ctx),
  mntr: (ctx) => monitor(ctx),
  wchs: (ctx) => {
    const w = ctx.zks.tree.watchSummary();
    return `${w.connections} connections watching ${w.paths} paths\nTotal watches:${w.total}\n`;
  },
  wchc: async (ctx) => dumpWatches(await groupInSlices(ctx.zks.tree.watchesBySession()), (id) => `0x${id.toString(16)}`, String),
  wchp: async (ctx) => dumpWatches(await groupInSlices(ctx.zks.tree.watchesByPath()), String, (id) => `0x${id.toString(16)}`),
  dump: (ctx) => dump(ctx),
  dirs: (ctx) => `datadir_size: ${ctx.dataDirSize()}\nlogdir_size: ${ctx.dataLogDirSize()}\n`,
  gtmk: () => `${zooTrace.mask}`,
  // ZooKeeper reads an 8-byte mask after the word; there is no tracing here to set, and
  // without the mask ZooKeeper answers nothing, as we always do.
  stmk: () => '',
};

/** ZooTrace's mask: nothing is traced here; kept so gtmk / get_trace_mask show what set_trace_mask set (306 by default). */
export const zooTrace = { mask: 306n };

export const ALL_WORDS = [
  'ruok', 'isro', 'srvr', 'stat', 'conf', 'cons', 'crst', 'envi', 'mntr', 'wchs', 'wchc', 'wchp', 'dump', 'dirs', 'srst', 'gtmk', 'stmk',
] as const;

/** What ZooKeeper's four-letter words answer while the server does not run (ZK_NOT_SERVING). */
export const ZK_NOT_SERVING = 'This ZooKeeper instance is not currently serving requests';

/** A word's answer while no server runs (an election): ruok still imok, isro null, the rest ZK_NOT_SERVING. */
export function notServingAnswer(word: string, whitelist: ReadonlySet<string>): string | undefined {
  if (!(ALL_WORDS as readonly string[]).includes(word)) return undefined;
  if (!whitelist.has(word)) return `${word} is not executed because it is not in the whitelist.\n`;
  return word === 'ruok' ? 'imok' : word === 'isro' ? 'null' : `${ZK_NOT_SERVING}\n`;
}

/** The answer to `word`, or undefined if it is no four-letter word (then it is a packet length). */
export function runFourLetterWord(ctx: FourLetterContext, word: string, cnxn: ClientCnxn): string | Promise<string> | undefined {
  if (!(ALL_WORDS as readonly string[]).includes(word)) return undefined;
  if (!ctx.whitelist.has(word)) return `${word} is not executed because it is not in the whitelist.\n`;
  const command = commands[word];
  if (!command) return `${word} is not executed because it is not in the whitelist.\n`;
  return command(ctx, cnxn);
}

/** ServerCnxn.dumpConnectionInfo: `stat` gives the brief form, `cons` the full one. */
function connectionLine(c: ClientCnxn, brief = true): string {
  let line = ` /${c.remoteAddress}:${c.remotePort}[${c.sessionId === 0n ? 0 : 1}](queued=${c.outstandingRequests},recved=${c.packetsReceived},sent=${c.packetsSent}`;
  if (!brief && c.sessionId !== 0n) {
    line +=
      `,sid=0x${BigInt.asUintN(64, c.sessionId).toString(16)},lop=${c.lastOp},est=${c.established_ms},to=${c.sessionTimeout_ms}` +
      (c.lastCxid >= 0 ? `,lcxid=0x${c.lastCxid.toString(16)}` : '') +
      `,lzxid=0x${c.lastZxid < 0 ? 'ffffffffffffffff' : c.lastZxid.toString(16)},lresp=${c.lastResponse_ms},llat=${c.latency.last_ms}` +
      `,minlat=${c.latency.min_ms},avglat=${Math.floor(c.latency.avg_ms)},maxlat=${c.latency.max_ms}`;
  }
  return line + ')\n';
}

function serverSummary(ctx: FourLetterContext, withClients: boolean): string {
  const { zks, factory } = ctx;
  const s = zks.stats;
  let out = `Zookeeper version: ${VERSION_STRING}\n`;
  if (withClients) {
    out += 'Clients:\n';
    for (const c of factory.connections) out += connectionLine(c);
    out += '\n';
  }
  out += `Latency min/avg/max: ${s.minLatency_ms}/${javaDouble(s.avgLatency_ms)}/${s.maxLatency_ms}\n`;
  out += `Received: ${s.packetsReceived}\n`;
  out += `Sent: ${s.packetsSent}\n`;
  out += `Connections: ${factory.connections.size}\n`;
  out += `Outstanding: ${zks.outstandingRequests}\n`;
  out += `Zxid: 0x${zks.lastProcessedZxid.toString(16)}\n`;
  out += `Mode: ${ctx.mode}\n`;
  out += `Node count: ${zks.tree.nodeCount}\n`;
  const leader = ctx.mode === 'leader' ? ctx.quorum?.leaderStats : undefined;
  if (leader) out += `Proposal sizes last/min/max: ${leader.proposalSizes}\n`;
  return out;
}


function dumpWatches<K, V>(byKey: Map<K, Set<V>>, showKey: (k: K) => string, showValue: (v: V) => string): string {
  let out = '';
  for (const [key, values] of byKey) {
    out += `${showKey(key)}\n`;
    for (const v of values) out += `\t${showValue(v)}\n`;
  }
  return out + '\n';
}

/**
 * Pairs listed per event-loop turn when wchc, wchp (and the admin watches commands) group
 * the watches: about 5 ms of work, so that a listing of 150k watches never holds other
 * sessions' pings and requests back for more than a few ms at a time.
 */
export const WATCH_LISTING_SLICE = 10_000;

/** Groups (key, value) pairs read from a live watch table, yielding to the event loop between slices. */
export async function groupInSlices<K, V>(pairs: Iterable<[K, V]>): Promise<Map<K, Set<V>>> {
  const out = new Map<K, Set<V>>();
  let n = 0;
  for (const [k, v] of pairs) {
    let values = out.get(k);
    if (!values) out.set(k, (values = new Set()));
    values.add(v);
    if (++n % WATCH_LISTING_SLICE === 0) await new Promise((r) => setImmediate(r));
  }
  return out;
}

function dump(ctx: FourLetterContext): string {
  const { zks, factory } = ctx;
  let out = 'SessionTracker dump:\n';
  out += zks.sessionTracker.dump();
  out += 'ephemeral nodes dump:\n';
  const withEphemerals = zks.tree.ephemeralsBySession();
  out += `Sessions with Ephemerals (${withEphemerals.size}):\n`;
  for (const [id, paths] of withEphemerals) {
    out += `0x${id.toString(16)}:\n`;
    for (const p of [...paths].sort()) out += `\t${p}\n`;
  }
  // ZooKeeper's connection expiry queue: each connection in the bucket of its next expiry
  // (last activity + its session timeout, or 10 s without a session, rounded up to 10 s).
  out += 'Connections dump:\n';
  const buckets = new Map<number, ClientCnxn[]>();
  for (const c of factory.connections) {
    const expiry = Math.ceil((c.lastActivity_ms + (c.sessionTimeout_ms || SESSIONLESS_CNXN_TIMEOUT_ms)) / SESSIONLESS_CNXN_TIMEOUT_ms) * SESSIONLESS_CNXN_TIMEOUT_ms;
    const set = buckets.get(expiry);
    if (set) set.push(c);
    else buckets.set(expiry, [c]);
  }
  out += `Connections Sets (${buckets.size})/(${factory.connections.size}):\n`;
  for (const at of [...buckets.keys()].sort((a, b) => a - b)) {
    const set = buckets.get(at)!;
    out += `${set.length} expire at ${javaDate(at)}:\n`;
    for (const c of set) out += `\tip: /${c.remoteAddress}:${c.remotePort} sessionId: 0x${c.sessionId.toString(16)}\n`;
  }
  return out;
}

async function environment(ctx: FourLetterContext): Promise<string> {
  return ['Environment:', ...(await environmentEntries(ctx)).map(([k, v]) => `${k}=${v}`)].join('\n') + '\n';
}

/** ZooKeeper's Environment list, with the Node runtime where it has the JVM, then host facts. */
export async function environmentEntries(ctx: { config: ServerConfig }): Promise<Array<[string, string]>> {
  const mem = process.memoryUsage();
  return [
    ['zookeeper.version', VERSION_STRING],
    ['host.name', hostname()],
    ['node.version', process.version],
    ['os.name', osType()],
    ['os.arch', process.arch === 'x64' ? 'amd64' : process.arch],
    ['os.version', osRelease()],
    ['user.name', safeUserName()],
    ['user.home', homedir()],
    ['user.dir', process.cwd()],
    ['os.memory.free', `${Math.round((mem.heapTotal - mem.heapUsed) / 1048576)}MB`],
    ['os.memory.max', `${Math.round(totalmem() / 1048576)}MB`],
    ['os.memory.total', `${Math.round(mem.rss / 1048576)}MB`],
    ...(await hostEnvironment(ctx.config.dataDir)),
  ];
}

/** mntr: the server's version and state, then every metric the provider holds, as zk_<key>. */
async function monitor(ctx: FourLetterContext): Promise<string> {
  const rows = await monitorValues(ctx);
  return rows.map(([k, v]) => `zk_${k}\t${String(v)}`).join('\n') + '\n';
}

/** What mntr and the AdminServer's monitor command show (ZooKeeper's dumpMonitorValues + the provider's dump). */
export async function monitorValues(ctx: { zks: ZooKeeperServer; mode: string; quorum?: QuorumPeerView }): Promise<Array<[string, MetricValue | string]>> {
  const q = ctx.quorum;
  // A quorum member adds its detailed state (QuorumZooKeeperServer) and an observer its leader (ObserverZooKeeperServer).
  const peer: Array<[string, MetricValue | string]> = q ? [['peer_state', `${q.stateName} - ${q.zabState}`]] : [];
  if (q && ctx.mode === 'observer') peer.push(['observer_master_id', q.leaderId]);
  return [['version', VERSION_STRING], ['server_state', ctx.mode], ...peer, ...(await ctx.zks.metrics.provider.dump())];
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? '');
  }
}
