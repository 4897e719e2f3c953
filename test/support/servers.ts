// Starts the two servers the compat tests compare: Apache ZooKeeper 3.8 (Debian's package,
// the reference) and ours (the bundle dist/zookeeper-ts.cjs), each on its own loopback
// address with a temp dataDir and zoo.cfg, and stops them again.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { reapOnExit } from './reap';

export type Flavour = 'apache' | 'ours';

export interface ServerOptions {
  host: string;
  port?: number;
  /** An existing dataDir to serve from (kept when the server stops); default a fresh temp one. */
  dataDir?: string;
  /** Extra zoo.cfg lines (key=value); undefined leaves out a line the default config has. */
  cfg?: Record<string, string | number | boolean | undefined>;
  /** -D options: on java's command line for Apache, in SERVER_JVMFLAGS for ours (as zkServer.sh passes them). */
  jvmFlags?: string[];
  /**
   * Apache: also Netty's codec and resolver jars (which Debian's zookeeper.jar manifest
   * lacks; its NettyServerCnxnFactory, the one that serves TLS, needs them), and its log on
   * stderr (slf4j-simple) for log(). Ours logs WARN and ERROR to stderr anyway.
   */
  netty?: boolean;
  /**
   * Serve no plain client port (secureClientPort alone): no clientPort lines, and the
   * readiness probe sends its srvr over TLS with these options to `port`.
   */
  tlsOnly?: ConnectionOptions & { port: number };
  /** Ours: options for node itself, before the bundle (--cpu-prof and the like, which NODE_OPTIONS refuses). */
  nodeFlags?: string[];
  /** Ours: another build of the bundle than dist/zookeeper-ts.cjs (a benchmark's baseline). */
  bundle?: string;
  /** Ours: environment beside this process's (glibc's MALLOC_* settings, read only as a process starts). */
  env?: Record<string, string>;
}

export interface RunningServer {
  flavour: Flavour;
  host: string;
  port: number;
  /** "host:port", as clients take it. */
  connectString: string;
  dataDir: string;
  cfgFile: string;
  /** The server's process (the JVM for Apache): for its RSS, /proc/<pid>/fd and the like. */
  pid: number;
  stop(): Promise<void>;
  /** SIGKILL, as a crash. */
  kill(): Promise<void>;
  /** What the server logged so far (the last 64 KiB): Apache's stderr, our stdout and stderr. */
  log(): string;
}

const REPO = resolve(import.meta.dirname, '../..');
const ZK_JAR = '/usr/share/java/zookeeper.jar';
const JAVA_CP = [
  '/etc/zookeeper/conf',
  ZK_JAR,
  '/usr/share/java/slf4j-nop.jar',
  '/usr/share/java/servlet-api.jar',
].join(':');

/** Netty's jars that Debian's zookeeper.jar manifest does not pull in. */
const NETTY_CP = ['/usr/share/java/netty-codec.jar', '/usr/share/java/netty-resolver.jar'];

export async function startServer(flavour: Flavour, opts: ServerOptions): Promise<RunningServer> {
  const port = opts.port ?? 2181;
  const dir = mkdtempSync(join(tmpdir(), `zk-${flavour}-`));
  const dataDir = opts.dataDir ?? join(dir, 'data');
  const cfg: Record<string, string | number | boolean | undefined> = {
    tickTime: 2000,
    dataDir,
    ...(opts.tlsOnly ? {} : { clientPort: port, clientPortAddress: opts.host }),
    'admin.enableServer': false,
    '4lw.commands.whitelist': '*',
    ...opts.cfg,
  };
  const cfgFile = join(dir, 'zoo.cfg');
  writeFileSync(
    cfgFile,
    Object.entries(cfg)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n') + '\n',
  );

  // Another server already on this address would answer our readiness probe for a server
  // that in fact failed to bind: refuse to start rather than test the wrong one.
  const probe = (timeout_ms: number) =>
    opts.tlsOnly ? fourLetterWordOverTls(opts.host, opts.tlsOnly, 'srvr', timeout_ms) : fourLetterWord(opts.host, port, 'srvr', timeout_ms);
  if ((await probe(500).catch(() => '')) !== '') {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${opts.host}:${port} is already served by another process`);
  }
  let child: ChildProcess;
  if (flavour === 'apache') {
    if (!existsSync(ZK_JAR)) throw new Error(`Apache ZooKeeper is missing (${ZK_JAR}): run scripts/install-test-deps.sh`);
    const cp = opts.netty ? [JAVA_CP.replace('slf4j-nop', 'slf4j-simple'), ...NETTY_CP].join(':') : JAVA_CP;
    for (const jar of opts.netty ? NETTY_CP : []) if (!existsSync(jar)) throw new Error(`${jar} is missing: run scripts/install-test-deps.sh`);
    child = spawn('java', ['-Xmx512m', ...(opts.jvmFlags ?? []), '-cp', cp, 'org.apache.zookeeper.server.quorum.QuorumPeerMain', cfgFile], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } else {
    const bundle = opts.bundle ?? join(REPO, 'dist/zookeeper-ts.cjs');
    if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run \`node scripts/build.mjs\``);
    const env = { ...process.env, ...(opts.jvmFlags ? { SERVER_JVMFLAGS: opts.jvmFlags.join(' ') } : {}), ...opts.env };
    // Its stdout (INFO lines) too, for log().
    child = spawn(process.execPath, [...(opts.nodeFlags ?? []), bundle, 'server', cfgFile], { stdio: ['ignore', 'pipe', 'pipe'], env });
  }
  reapOnExit(child);
  let stderr = '';
  const collect = (d: Buffer) => {
    stderr += d.toString();
    if (stderr.length > 65536) stderr = stderr.slice(-65536);
  };
  child.stderr?.on('data', collect);
  child.stdout?.on('data', collect);
  const exited = new Promise<void>((res) => child.once('exit', () => res()));

  try {
    await waitUntilServing(opts.host, port, child, () => stderr, probe);
  } catch (e) {
    child.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }

  const finish = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  return {
    flavour,
    host: opts.host,
    port,
    connectString: `${opts.host}:${port}`,
    dataDir,
    cfgFile,
    pid: child.pid!,
    stop: () => finish('SIGTERM'),
    kill: () => finish('SIGKILL'),
    log: () => stderr,
  };
}

/**
 * Starts servers side by side; when one fails to start, stops those that did and throws
 * the first failure, so that no server outlives a test whose setup failed.
 */
export async function startServers(starts: (() => Promise<RunningServer>)[]): Promise<RunningServer[]> {
  const settled = await Promise.allSettled(starts.map((start) => start()));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  const started = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  if (failed) {
    await Promise.all(started.map((s) => s.stop()));
    throw failed.reason;
  }
  return started;
}

/** A four-letter word over TLS (the secure client port answers them as the plain one). */
export function fourLetterWordOverTls(host: string, tls: ConnectionOptions & { port: number }, word: string, timeout_ms = 5000): Promise<string> {
  return exchange(tlsConnect({ ...tls, host }), 'secureConnect', word, `${word} to ${host}:${tls.port} over TLS`, timeout_ms);
}

/** Sends a four-letter word and returns the whole answer. */
export function fourLetterWord(host: string, port: number, word: string, timeout_ms = 5000): Promise<string> {
  return exchange(connect({ host, port }), 'connect', word, `${word} to ${host}:${port}`, timeout_ms);
}

/** Writes `word` once the socket is up and resolves with all it answered before closing. */
function exchange(sock: Socket, ready: 'connect' | 'secureConnect', word: string, what: string, timeout_ms: number): Promise<string> {
  return new Promise((res, rej) => {
    let out = '';
    const timer = setTimeout(() => {
      sock.destroy();
      rej(new Error(`${what}: no answer in ${timeout_ms} ms`));
    }, timeout_ms);
    sock.once(ready, () => sock.write(word));
    sock.on('data', (d: Buffer) => (out += d.toString()));
    sock.on('error', (e) => {
      clearTimeout(timer);
      rej(e);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      res(out);
    });
  });
}

/** Polls srvr (by `probe`, plain by default) until the server answers with a Mode (bounded: 30 s), failing early if the process exits. */
export async function waitUntilServing(host: string, port: number, child: ChildProcess, log: () => string, probe: (timeout_ms: number) => Promise<string> = (t) => fourLetterWord(host, port, 'srvr', t)): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before serving:\n${log()}`);
    try {
      const out = await probe(1000);
      if (out.includes('Mode:')) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server on ${host}:${port} did not answer srvr within 30 s:\n${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
