// What the real-client tests share: running a client process as a conversation (send a
// line, wait for the answer), normalising what differs between any two runs (times, session
// ids, ports), and running one scenario against Apache ZooKeeper and against ours.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type Flavour, type RunningServer } from '../../support/servers';

export const FLAVOURS: readonly Flavour[] = ['apache', 'ours'];

/** Loopback addresses of these tests (others use other addresses); one pair per test file. */
export const HOSTS = {
  zkcli: { apache: '127.0.0.21', ours: '127.0.0.22' },
  kazoo: { apache: '127.0.0.23', ours: '127.0.0.24' },
  cclient: { apache: '127.0.0.25', ours: '127.0.0.26' },
  fuzz: { apache: '127.0.0.27', ours: '127.0.0.28' },
} as const;

export const ZK_CLI_CP = ['/usr/share/java/zookeeper.jar', '/usr/share/java/slf4j-nop.jar', '/usr/share/java/jline.jar'].join(
  ':',
);
/** kazoo is Debian's package: the python3 first on PATH may be another Python without it. */
export const SYSTEM_PYTHON = '/usr/bin/python3';
export const CLI_MT = '/usr/lib/zookeeper/bin/cli_mt';

/** Starts a fresh server of one flavour, runs the scenario against it, always stops it. */
export async function withServer<T>(flavour: Flavour, host: string, run: (s: RunningServer) => Promise<T>): Promise<T> {
  const server = await startServer(flavour, { host });
  try {
    return await run(server);
  } finally {
    await server.stop();
  }
}

/**
 * Replaces what legitimately differs between two runs: wall-clock times, durations, session
 * ids, the server's host:port. Zxids are renumbered in order of first appearance (z1, z2, ...)
 * so that which values are equal still shows, but not the values themselves.
 */
/** What a transcript is normalised against: a server, or an ensemble with its member addresses. */
export type ClientTarget = Pick<RunningServer, 'connectString' | 'host'> & {
  /** Member addresses, myid 1 first: each reads <member N> (the config node, cons lines). */
  members?: readonly string[];
};

export function normalise(text: string, server: ClientTarget): string {
  const zxids = new Map<string, string>();
  const zxid = (v: string): string => {
    const key = BigInt(v.startsWith('0x') ? v : `0x${v}`).toString();
    let name = zxids.get(key);
    if (name === undefined) zxids.set(key, (name = `z${zxids.size + 1}`));
    return name;
  };
  const members = (t: string) =>
    (server.members ?? []).reduce((out, host, i) => out.replace(new RegExp(`${host.replaceAll('.', '\\.')}(?!\\d)`, 'g'), `<member ${i + 1}>`), t);
  return (
    members(text
      .replaceAll(server.connectString, '<server>')
      .replaceAll(server.host, '<host>'))
      // Java's Date.toString(), and the C client's ctime() form without the zone
      .replace(/\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \w{3} [ \d]\d \d\d:\d\d:\d\d( \w{2,5})? \d{4}\b/g, '<date>')
      .replace(/\btime = \d+ msec/g, 'time = <n> msec')
      // zkCli's Stat lines (hex) and the C client's (hex without 0x)
      .replace(/\b([cmp]Zxid = )(0x[0-9a-f]+)/g, (_m, k: string, v: string) => k + zxid(v))
      .replace(/\b([cmp]zxid=)([0-9a-f]+)/g, (_m, k: string, v: string) => k + zxid(v))
      .replace(/\bephemeralOwner = (0x)?[0-9a-f]{5,}/g, 'ephemeralOwner = <session>')
      .replace(/\bsession id: 0x[0-9a-f]+/g, 'session id: <session>')
      .replace(/\bsessionid:? ?=? ?0x[0-9a-f]+/gi, 'sessionid <session>')
  );
}

/** What zkCli prints as its session closes at `quit` (from its event thread: it may come after the process is gone). */
export const CLOSED_EVENT = '\nWATCHER::\n\nWatchedEvent state:Closed type:None path:null\n';
/** What zkCli prints once its session is connected (from its event thread: it races the first command's answer). */
export const CONNECTED_EVENT = '\nWATCHER::\n\nWatchedEvent state:SyncConnected type:None path:null\n';

/**
 * A client process driven line by line: every line it writes (stdout and stderr, in the order
 * they arrive) is collected, and `send` waits until the answer to a command has shown up.
 */

export class Conversation {
  private out = '';
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;
  private lastData_ms = Date.now();

  constructor(command: string, args: string[], env?: NodeJS.ProcessEnv) {
    // One pipe for both streams keeps the order the process wrote them in.
    this.child = spawn('sh', ['-c', 'exec "$@" 2>&1', 'sh', command, ...args], {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: env ?? process.env,
    });
    this.child.stdout?.on('data', (d: Buffer) => {
      this.out += d.toString();
      this.lastData_ms = Date.now();
    });
    // 'close', not 'exit': the process can exit before its last output has been read.
    this.exited = new Promise((res) => this.child.once('close', (code) => res(code)));
  }

  get transcript(): string {
    return this.out;
  }

  /** Waits until the output after `from` matches, then until it has been quiet a moment. */
  async waitFor(pattern: RegExp, from = 0, timeout_ms = 15_000, quiet_ms = 80): Promise<void> {
    const deadline = Date.now() + timeout_ms;
    while (!pattern.test(this.out.slice(from))) {
      if (this.child.exitCode !== null) {
        throw new Error(`client exited (${this.child.exitCode}) before printing ${pattern}; it printed:\n${this.out}`);
      }
      if (Date.now() > deadline) {
        // A client left running would keep the test runner waiting for it forever.
        this.child.kill('SIGKILL');
        throw new Error(`no ${pattern} within ${timeout_ms} ms; output so far:\n${this.out}`);
      }
      await sleep(20);
    }
    while (Date.now() - this.lastData_ms < quiet_ms) await sleep(20);
  }

  /** Writes a command line and waits for `until` in what follows it. */
  async send(line: string, until: RegExp, timeout_ms?: number): Promise<void> {
    const from = this.out.length;
    this.child.stdin?.write(line + '\n');
    await this.waitFor(until, from, timeout_ms);
  }

  /**
   * zkCli's `quit`: waits for the exit (killing it past `timeout_ms`) and returns what it
   * printed after the command, less its Closed event, which zkCli's event thread prints
   * racing the JVM's exit (one run in many exits first).
   */
  async quit(timeout_ms = 15_000): Promise<string> {
    const from = this.out.length;
    this.child.stdin?.write('quit\n');
    await this.end(timeout_ms);
    return this.out.slice(from).replace(CLOSED_EVENT, '');
  }

  /** Closes stdin (and, failing an exit within `timeout_ms`, kills) and returns the exit code. */
  async end(timeout_ms = 15_000): Promise<number | null> {
    this.child.stdin?.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeout_ms);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}

/** Runs a process to its end and returns stdout and stderr as one text, plus the exit code. */
export function run(
  command: string,
  args: string[],
  opts: { input?: string; timeout_ms?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number | null; output: string }> {
  return new Promise((res, rej) => {
    // One pipe for both streams keeps the order the process wrote them in.
    const child = spawn('sh', ['-c', 'exec "$@" 2>&1', 'sh', command, ...args], { stdio: ['pipe', 'pipe', 'inherit'], env: opts.env ?? process.env });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeout_ms ?? 60_000);
    child.on('error', rej);
    child.on('exit', (code) => {
      clearTimeout(timer);
      res({ code, output });
    });
    child.stdin.end(opts.input ?? '');
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** With ZK_COMPAT_DUMP=<dir>, writes each transcript there, to diff by hand. */
export function dump(name: string, flavour: Flavour, text: string): void {
  const dir = process.env.ZK_COMPAT_DUMP;
  if (dir) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${name}.${flavour}.txt`), text);
  }
}
