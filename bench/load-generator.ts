// Apache's Java client as a load generator: compiles bench/java/LoadGen.java with javac into
// a cache dir (keyed by the source's hash, so an edit recompiles) and drives one LoadGen
// process per server run over its stdin/stdout (the protocol is in LoadGen.java).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';

export interface Shape {
  sessions: number;
  depth: number;
}

export interface PhaseResult {
  ops: number;
  errors: number;
  seconds: number;
  p50_us: number;
  p99_us: number;
  p999_us: number;
  max_us: number;
}

const SOURCE = join(import.meta.dirname, 'java/LoadGen.java');
/** Debian's jars of Apache's client: its own, jute, slf4j (nop: the client's log would be noise here), Netty for TLS. */
const CLIENT_JARS = [
  '/usr/share/java/zookeeper.jar',
  '/usr/share/java/zookeeper-jute.jar',
  '/usr/share/java/slf4j-api.jar',
  '/usr/share/java/slf4j-nop.jar',
  '/usr/share/java/netty-codec.jar',
  '/usr/share/java/netty-resolver.jar',
];
/** The client's heap: 32 sessions' latencies of a 15 s phase are a few MB; 1 GB keeps its GC out of the figures. */
const CLIENT_HEAP = '-Xmx1g';
/** How long LoadGen may take to start and connect every session (a cold JVM, TLS handshakes, a loaded machine). */
const READY_TIMEOUT_ms = 120_000;

/** Compiles LoadGen once per source version; returns the class path to run it with. */
export async function loadGenerator(): Promise<string> {
  for (const jar of CLIENT_JARS) if (!existsSync(jar)) throw new Error(`${jar} is missing: run scripts/install-test-deps.sh (Debian's zookeeper and netty)`);
  const source = readFileSync(SOURCE);
  const dir = join(tmpdir(), `zkts-loadgen-${createHash('sha256').update(source).digest('hex').slice(0, 16)}`);
  if (!existsSync(join(dir, 'LoadGen.class'))) {
    mkdirSync(dir, { recursive: true });
    execFileSync('javac', ['-d', dir, '-cp', CLIENT_JARS.join(':'), SOURCE], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return [dir, ...CLIENT_JARS].join(':');
}

/** TLS for the client: ZooKeeper's client properties, as zkCli.sh takes them in CLIENT_JVMFLAGS. */
export interface ClientTls {
  keyStore: string;
  trustStore: string;
  password: string;
}

/** One LoadGen process: its sessions connect once, then phases run one after another. */
export class LoadGen {
  private readonly lines: Interface;
  private readonly waiting: ((line: string) => void)[] = [];
  private readonly early: string[] = [];
  private stderr = '';

  private constructor(private readonly child: ChildProcess) {
    this.lines = createInterface({ input: child.stdout! });
    this.lines.on('line', (l) => {
      const w = this.waiting.shift();
      if (w) w(l);
      else this.early.push(l);
    });
    child.stderr!.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-8192)));
  }

  static async start(connect: string, shape: Shape, tls?: ClientTls): Promise<LoadGen> {
    const cp = await loadGenerator();
    const tlsFlags = tls
      ? [
          '-Dzookeeper.client.secure=true',
          '-Dzookeeper.clientCnxnSocket=org.apache.zookeeper.ClientCnxnSocketNetty',
          `-Dzookeeper.ssl.keyStore.location=${tls.keyStore}`,
          `-Dzookeeper.ssl.keyStore.password=${tls.password}`,
          `-Dzookeeper.ssl.trustStore.location=${tls.trustStore}`,
          // The server certificate names the loopback address by IP; Apache checks it as it does by default.
        ]
      : [];
    const child = spawn('java', [CLIENT_HEAP, ...tlsFlags, '-cp', cp, 'LoadGen', connect, String(shape.sessions), String(shape.depth)], { stdio: ['pipe', 'pipe', 'pipe'] });
    const gen = new LoadGen(child);
    const ready = await gen.next(READY_TIMEOUT_ms);
    if (ready !== 'ready') throw new Error(`LoadGen did not start against ${connect}: ${ready}\n${gen.stderr}`);
    return gen;
  }

  /**
   * Runs one phase; `atBegin` and `atEnd` are called as the measured part starts and ends
   * (where the server's CPU is read).
   */
  async phase(op: string, warmup_s: number, seconds: number, atBegin: () => void, atEnd: () => void): Promise<PhaseResult> {
    this.child.stdin!.write(`phase ${op} ${warmup_s} ${seconds}\n`);
    // The phase's own drain bound (LoadGen's DRAIN_TIMEOUT_S) comes first; this one catches a dead JVM.
    const bound_ms = (warmup_s + seconds) * 1000 + READY_TIMEOUT_ms;
    await this.expect(`begin ${op}`, bound_ms);
    atBegin();
    await this.expect(`end ${op}`, bound_ms);
    atEnd();
    const line = await this.next(bound_ms);
    const fields = Object.fromEntries([...line.matchAll(/(\w+)=([\d.]+)/g)].map((m) => [m[1]!, Number(m[2])]));
    if (!line.startsWith(`result ${op} `)) throw new Error(`LoadGen: expected the result of ${op}, got: ${line}\n${this.stderr}`);
    return fields as unknown as PhaseResult;
  }

  /** The client JVM's process: its CPU per op beside the server's (both share this machine's cores). */
  get pid(): number {
    return this.child.pid!;
  }

  async close(): Promise<void> {
    // A LoadGen that already failed has nothing to wait for: its 'exit' came and went (waiting
    // for it again hung the bench for good after a phase's error).
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.stdin!.end('quit\n');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  private async expect(want: string, timeout_ms: number): Promise<void> {
    const got = await this.next(timeout_ms);
    if (got !== want) throw new Error(`LoadGen: expected "${want}", got: ${got}\n${this.stderr}`);
  }

  private next(timeout_ms: number): Promise<string> {
    const early = this.early.shift();
    if (early !== undefined) return Promise.resolve(early);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`LoadGen: nothing within ${timeout_ms} ms\n${this.stderr}`)), timeout_ms);
      const onExit = () => reject(new Error(`LoadGen exited (${this.child.exitCode ?? this.child.signalCode})\n${this.stderr}`));
      this.child.once('exit', onExit);
      this.waiting.push((l) => {
        clearTimeout(timer);
        this.child.off('exit', onExit);
        resolve(l);
      });
    });
  }
}
