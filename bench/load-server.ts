// One server run of bench/load.ts: a fresh server (Apache's or ours, test/support/servers.ts
// starts both), one LoadGen against it, the phases in order, and per phase the server's CPU
// (utime + stime of its process over the measured part) beside what the client measured.
import { readFileSync } from 'node:fs';
import { cpuTicks, microsPerOp } from '../test/support/proc-stat';
import { startServer, type Flavour } from '../test/support/servers';
import { makeTlsStores, STORE_PASSWORD, type TlsStores } from '../test/support/tls-stores';
import { LoadGen, type PhaseResult, type Shape } from './load-generator';

export const OPS = ['create', 'setData', 'getData', 'exists', 'delete'] as const;
export type Op = (typeof OPS)[number];

export interface Variant {
  label: string;
  flavour: Flavour;
  host: string;
  cfg: Record<string, string | number>;
  /** Clients on secureClientPort (the plain port stays for the readiness probe). */
  tls: boolean;
  /** Ours: node's own options (--cpu-prof). */
  nodeFlags?: string[];
  /** Ours: a bundle other than dist/'s (--baseline). */
  bundle?: string;
  /** Ours: environment variables for the server (--baseline-env). */
  env?: Record<string, string>;
}

export interface OpResult extends PhaseResult {
  ops_per_s: number;
  cpu_us_per_op: number;
  /** The load generator's CPU per op: on a machine of few cores, what the client takes bounds what any server reaches. */
  client_cpu_us_per_op: number;
}

export interface ServerRun {
  results: Map<Op, OpResult>;
  peakRss_MB: number;
}

/** Apache's heap: ~300k znodes of 100 bytes after a 15 s create phase fit with room; 512 MB (the tests') makes its GC the figure. */
const APACHE_HEAP = '-Xmx2g';
const SECURE_PORT = 2281;

/** The addresses the server certificate names (made once per run): every one the benchmark and its test use. */
const BENCH_ADDRESSES = Array.from({ length: 8 }, (_, i) => `127.0.53.${i + 1}`);

let stores: TlsStores | undefined;
function tlsStores(hosts: string[]): TlsStores {
  stores ??= makeTlsStores(hosts);
  return stores;
}

/** Runs `phases` in order against a fresh server of this variant. */
export async function runServer(v: Variant, shape: Shape, phases: readonly Op[], timing: { seconds: number; warmup: number }): Promise<ServerRun> {
  const tls = v.tls ? tlsStores([...BENCH_ADDRESSES, v.host]) : undefined;
  const cfg: Record<string, string | number> = { maxClientCnxns: 0, ...v.cfg };
  if (tls) {
    Object.assign(cfg, {
      secureClientPort: SECURE_PORT,
      secureClientPortAddress: v.host,
      serverCnxnFactory: 'org.apache.zookeeper.server.NettyServerCnxnFactory',
      // As test/compat/tls: a client certificate is taken by the x509 provider (ours closes the connection without one).
      'authProvider.x509': 'org.apache.zookeeper.server.auth.X509AuthenticationProvider',
      'ssl.keyStore.location': tls.serverP12,
      'ssl.keyStore.password': STORE_PASSWORD,
      'ssl.trustStore.location': tls.caFile,
    });
  }
  const server = await startServer(v.flavour, { host: v.host, cfg, netty: tls !== undefined, jvmFlags: v.flavour === 'apache' ? [APACHE_HEAP] : undefined, nodeFlags: v.nodeFlags, bundle: v.bundle, env: v.env });
  try {
    const client = tls?.client('bench');
    const gen = await LoadGen.start(
      `${v.host}:${tls ? SECURE_PORT : server.port}`,
      shape,
      client && tls ? { keyStore: client.p12Store, trustStore: tls.caFile, password: STORE_PASSWORD } : undefined,
    );
    const results = new Map<Op, OpResult>();
    // utime + stime of the server and of the client, read as each measured part starts and ends.
    const ticks = () => [cpuTicks(`/proc/${server.pid}/stat`), cpuTicks(`/proc/${gen.pid}/stat`)] as const;
    try {
      for (const op of phases) {
        let begin = ticks();
        let end = begin;
        // A delete warm-up would eat the nodes the phase deletes; four phases warmed both ends by then.
        const warmup_s = op === 'delete' ? 0 : timing.warmup;
        const r = await gen.phase(op, warmup_s, timing.seconds, () => (begin = ticks()), () => (end = ticks()));
        if (r.ops === 0) throw new Error(`${v.label}: no ${op} request was answered in the phase`);
        if (r.errors > 0) throw new Error(`${v.label}: ${r.errors} of ${r.ops} ${op} requests failed`);
        results.set(op, { ...r, ops_per_s: r.ops / r.seconds, cpu_us_per_op: microsPerOp(end[0] - begin[0], r.ops), client_cpu_us_per_op: microsPerOp(end[1] - begin[1], r.ops) });
      }
    } finally {
      await gen.close();
    }
    return { results, peakRss_MB: peakRss_MB(server.pid) };
  } finally {
    await server.stop();
  }
}

/** Clock ticks over `ops` as µs per op. */

function peakRss_MB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}
