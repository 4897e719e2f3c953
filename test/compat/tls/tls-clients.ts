// The TLS clients the tls tests drive against both servers: kazoo over TLS (test/support/kazoo_steps.py,
// one JSON line per step), Apache's zkCli with client properties (Netty, key and trust
// store), the pair of servers (Apache's and ours) on a secure client port, and waits bounded by a deadline for a port to accept or a condition to hold.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { join } from 'node:path';
import { startServer, startServers, type Flavour, type RunningServer } from '../../support/servers';
import type { ClientCert } from '../../support/tls-stores';
import { run, SYSTEM_PYTHON, ZK_CLI_CP } from '../real-clients/transcript';

const DRIVER = join(import.meta.dirname, '../../support/kazoo_steps.py');
/** A server that closes a refused connection does so at once; this bounds the wait for it. */
export const CLOSE_DEADLINE_ms = 10_000;

export interface KazooStep {
  as: string;
  cert?: ClientCert;
  /** Seconds kazoo tries to connect (default 5). */
  timeout?: number;
  do: (string[] | [string, string])[];
}

/** Runs the steps, one kazoo client each, against `target` (host:port); their JSON lines. */
export async function kazooTls(target: string, caFile: string, steps: KazooStep[]): Promise<unknown[]> {
  const arg = steps.map((s) => ({ as: s.as, cert: s.cert?.certFile ?? null, key: s.cert?.keyFile ?? null, timeout: s.timeout ?? 5, do: s.do }));
  const { code, output } = await run(SYSTEM_PYTHON, [DRIVER, target, JSON.stringify(arg), caFile], { timeout_ms: 120_000 });
  assert.equal(code, 0, output);
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as unknown);
}

export interface ZkCliStores {
  keyStore: string;
  trustStore: string;
  /** For both stores (a PEM key store without a password needs none). */
  password?: string;
}

/** zkCli as zkCli.sh runs it with CLIENT_JVMFLAGS asking for TLS (Netty's jars: Debian's manifest lacks two). */
export function zkCliTlsFlags(stores: ZkCliStores): string[] {
  const pw = stores.password === undefined ? [] : [`-Dzookeeper.ssl.keyStore.password=${stores.password}`, `-Dzookeeper.ssl.trustStore.password=${stores.password}`];
  return [
    '-Dzookeeper.client.secure=true',
    '-Dzookeeper.clientCnxnSocket=org.apache.zookeeper.ClientCnxnSocketNetty',
    `-Dzookeeper.ssl.keyStore.location=${stores.keyStore}`,
    `-Dzookeeper.ssl.trustStore.location=${stores.trustStore}`,
    ...pw,
    '-cp',
    [ZK_CLI_CP, '/usr/share/java/netty-codec.jar', '/usr/share/java/netty-resolver.jar'].join(':'),
    'org.apache.zookeeper.ZooKeeperMain',
  ];
}

/**
 * What zkCli's whoami printed, from its "Auth scheme" line on, one line each. zkCli's watcher
 * prints the connection event from another thread, sometimes amid whoami's lines: left out.
 */
export async function zkCliWhoami(stores: ZkCliStores, target: string): Promise<string> {
  const { output } = await run('java', [...zkCliTlsFlags(stores), '-server', target, 'whoami'], { timeout_ms: 90_000 });
  const lines = output
    .slice(output.indexOf('Auth scheme'))
    .split('\n')
    .filter((l) => l !== '' && l !== 'WATCHER::' && !l.startsWith('WatchedEvent '));
  return lines.map((l) => `${l}\n`).join('');
}

/** ZooKeeper's ConnectRequest (protocol 0, no session), framed, as a client sends it first. */
export function connectRequest(): Buffer {
  const body = Buffer.alloc(4 + 8 + 4 + 8 + 4 + 16);
  body.writeInt32BE(30_000, 12); // timeout
  body.writeInt32BE(16, 24); // password length
  const frame = Buffer.alloc(4);
  frame.writeInt32BE(body.length);
  return Buffer.concat([frame, body]);
}

/** zkCli reading `commands` from stdin (one a line), over TLS with `stores`, or plain without: all it printed. */
export async function zkCliSession(target: string, commands: string[], stores?: ZkCliStores): Promise<string> {
  const flags = stores ? zkCliTlsFlags(stores) : ['-cp', ZK_CLI_CP, 'org.apache.zookeeper.ZooKeeperMain'];
  const { output } = await run('java', [...flags, '-server', target], { input: `${commands.join('\n')}\n`, timeout_ms: 90_000 });
  return output;
}

export async function waitForPort(host: string, port: number): Promise<void> {
  await waitUntil(
    () =>
      new Promise<boolean>((resolve) => {
        const s = connect({ host, port }, () => {
          s.destroy();
          resolve(true);
        });
        s.on('error', () => resolve(false));
      }),
    `${host}:${port} accepting`,
  );
}

/** Polls `cond` until it holds, for at most `deadline_ms`. */
export async function waitUntil(cond: () => boolean | Promise<boolean>, what: string, deadline_ms = CLOSE_DEADLINE_ms): Promise<void> {
  const deadline = Date.now() + deadline_ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`no ${what} within ${deadline_ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** zoo.cfg lines for a secure client port, with `lines` on top (the stores; undefined drops a line). */
export type SecureLines = Record<string, string | number | undefined>;

/**
 * Apache's server and ours on `port` over TLS, each at its host: Netty (Apache's TLS factory),
 * X509AuthenticationProvider and `lines(flavour)`; both start or neither stays up
 * (startServers), and each is waited for until its secure port accepts. `tlsOnly`: no plain
 * client port, the readiness probe over TLS with those options.
 */
export async function startSecurePair(
  hosts: Record<Flavour, string>,
  port: number,
  lines: (flavour: Flavour) => SecureLines,
  tlsOnly?: Parameters<typeof startServer>[1]['tlsOnly'],
): Promise<Record<Flavour, RunningServer>> {
  const flavours: Flavour[] = ['apache', 'ours'];
  const started = await startServers(
    flavours.map((f) => () =>
      startServer(f, {
        host: hosts[f],
        netty: true,
        tlsOnly,
        cfg: {
          secureClientPort: port,
          secureClientPortAddress: hosts[f],
          serverCnxnFactory: 'org.apache.zookeeper.server.NettyServerCnxnFactory',
          'authProvider.x509': 'org.apache.zookeeper.server.auth.X509AuthenticationProvider',
          ...lines(f),
        },
      }),
    ),
  );
  const pair = Object.fromEntries(started.map((s) => [s.flavour, s])) as Record<Flavour, RunningServer>;
  // Listening on the client port is no proof for the secure one: wait until it accepts.
  for (const f of flavours) await waitForPort(hosts[f], port);
  return pair;
}
