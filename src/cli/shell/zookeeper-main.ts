// `zookeeper-ts cli`: ZooKeeperMain, zkCli's shell. One command from the argument list
// (for scripts: its exit code is the command's), or a session reading lines — with a
// prompt, tab completion of commands and znode paths, and history kept across runs when
// it talks to a terminal; plainly, line by line, when reading a script on stdin.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { CliSession } from './cli-session';
import { CliError, COMMANDS_BY_NAME, javaStringOrder, parseCommand, USAGE, type CliContext } from './cli-commands';
import { QUOTA_COMMANDS } from './quota-commands';
import { KeeperError } from '../../jute/keeper-error';
import { formatEvent, keeperErrorMessage } from './printers';
import { loadClientSecurity, type ClientSecurity } from '../../client/client-config';

export interface CliOptions {
  server: string;
  /** -client-configuration: zkCli's client properties file (TLS, SASL). */
  clientConfiguration?: string;
  timeout_ms: number;
  /** The command and its arguments, when given on the command line. */
  command: string[];
}

const HISTORY_FILE = join(homedir(), '.zookeeper-ts_history');
const HISTORY_KEPT = 500;
/** The commands that talk to the server: the general ones and the quota ones. */
const COMMANDS = new Map([...COMMANDS_BY_NAME, ...QUOTA_COMMANDS.map((c) => [c.name, c] as const)]);
/** zkCli's usage listing, sorted as zkCli sorts it. */
const ALL_USAGE = [...USAGE, ...QUOTA_COMMANDS.map((c) => [c.name, c.usage] as [string, string])].sort(([a], [b]) => javaStringOrder(a, b));
/** Every command zkCli knows (its usage lists them); some are the shell's own, one unsupported. */
const KNOWN = new Set(ALL_USAGE.map(([name]) => name));
const UNSUPPORTED = new Set(['reconfig']);

/** zkCli's own syntax: -server, -timeout, -r and -client-configuration, then the command. */
export function parseCliArgs(argv: string[]): CliOptions {
  const opts: CliOptions = { server: 'localhost:2181', timeout_ms: 30_000, command: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-server') opts.server = argv[++i] ?? opts.server;
    else if (a === '-timeout') opts.timeout_ms = Number(argv[++i] ?? opts.timeout_ms);
    else if (a === '-r' || a === '-waitforconnection') continue;
    else if (a === '-client-configuration') {
      const file = argv[++i];
      if (file !== undefined) opts.clientConfiguration = file;
    }
    else {
      opts.command = argv.slice(i);
      break;
    }
  }
  return opts;
}

/** MyCommandOptions.parseCommand: words, or "..." / '...' with the quotes taken off. */
export function tokenize(line: string): string[] {
  return [...line.matchAll(/\s*([^"'\s]\S*|"[^"]*"|'[^']*')\s*/g)].map((m) => {
    const v = m[1]!;
    return /^(['"]).*\1$/.test(v) && v.length >= 2 ? v.slice(1, -1) : v;
  });
}

export class ZooKeeperMain {
  /** The session commands go to; `connect` replaces it. */
  private session: CliSession;
  private readonly history = new Map<number, string>();
  private commandCount = 0;
  private exitCode = 0;
  private printWatches = true;
  private readonly connecting: Promise<void>;
  private readonly security: ClientSecurity;

  constructor(private readonly opts: CliOptions) {
    // A configuration that cannot be used stops the shell before it connects (ConfigError).
    this.security = loadClientSecurity(opts.clientConfiguration);
    for (const w of this.security.warnings) this.err(w);
    console.log(`Connecting to ${opts.server}`);
    this.session = this.newSession(opts.server);
    this.session.start();
    // The first round over the servers; a shell at a dead server still reads its commands.
    this.connecting = this.session.handshaken();
  }

  private newSession(server: string): CliSession {
    return new CliSession(
      server,
      this.opts.timeout_ms,
      (state, type, path) => {
        if (!this.printWatches) return;
        this.out(`\nWATCHER::\n\n${formatEvent(state, type, path)}\n`);
      },
      this.security,
    );
  }

  private out(text: string): void {
    process.stdout.write(text);
  }

  private err(line: string): void {
    process.stderr.write(`${line}\n`);
  }

  /** Runs the session to its end; resolves with the exit code. */
  async run(): Promise<number> {
    if (this.opts.command.length > 0) {
      // The command itself waits for the first round over the servers (or not at all: version).
      await this.processCmd(this.opts.command);
      // As zkCli: the process ends without closing the session (it expires on the server).
      return this.exitCode;
    }
    console.log('Welcome to ZooKeeper!');
    const tty = process.stdin.isTTY === true;
    console.log(tty ? 'JLine support is enabled' : 'JLine support is disabled');
    await this.connecting;
    const rl = tty ? this.terminal() : createInterface({ input: process.stdin, terminal: false });
    const prompt = () => {
      if (!tty) return;
      rl.setPrompt(this.prompt());
      rl.prompt();
    };
    prompt();
    for await (const line of rl) {
      if (await this.executeLine(line)) break;
      prompt();
    }
    rl.close();
    return this.exitCode;
  }

  /** At a terminal: a prompt, completion, and history kept across runs. */
  private terminal(): Interface {
    const saved = existsSync(HISTORY_FILE) ? readFileSync(HISTORY_FILE, 'utf8').split('\n').filter((l) => l !== '').reverse() : [];
    const rl = createInterface({
      input: process.stdin,
      output: process.stdout,
      terminal: true,
      history: saved,
      historySize: HISTORY_KEPT,
      completer: (line: string, cb: (err: null, result: [string[], string]) => void) => void this.complete(line).then((r) => cb(null, r)),
    });
    rl.on('history', (h: string[]) => {
      try {
        writeFileSync(HISTORY_FILE, [...h].reverse().join('\n') + '\n', { mode: 0o600 });
      } catch {
        // a read-only home: history just is not kept
      }
    });
    return rl;
  }

  private prompt(): string {
    return `[zk: ${this.session.connectString}(${this.session.state}) ${this.commandCount}] `;
  }

  /** JLineZNodeCompleter: a command name first, a znode path after it. */
  private async complete(line: string): Promise<[string[], string]> {
    const tokens = line.split(' ');
    const last = tokens[tokens.length - 1] ?? '';
    if (tokens.length === 1) {
      return [[...KNOWN].filter((n) => n.startsWith(last)).sort(), last];
    }
    if (!last.startsWith('/')) return [[], last];
    const cut = last.lastIndexOf('/');
    const dir = cut === 0 ? '/' : last.slice(0, cut);
    const prefix = last.slice(cut + 1);
    try {
      const children = await this.session.zk.getChildren(dir);
      const base = dir === '/' ? '' : dir;
      return [children.filter((c) => c.startsWith(prefix)).sort().map((c) => `${base}/${c}`), last];
    } catch {
      return [[], last];
    }
  }

  /** One line of input; true when the shell should end (quit). */
  async executeLine(line: string): Promise<boolean> {
    if (line === '') return false;
    this.history.set(this.commandCount, line);
    const quit = await this.processCmd(tokenize(line));
    this.commandCount++;
    return quit;
  }

  private async processCmd(tokens: string[]): Promise<boolean> {
    try {
      const quit = await this.processZKCmd(tokens);
      // quit leaves with the code of the command before it, as zkCli's does.
      if (!quit) this.exitCode = 0;
      return quit;
    } catch (e) {
      // A call the server refused prints as zkCli's CliWrapperException does.
      const error = e instanceof KeeperError ? new CliError(keeperErrorMessage(e.code, e.path)) : e;
      if (!(error instanceof CliError)) throw e;
      this.exitCode = error.exitCode;
      this.err(error.message);
      return false;
    }
  }

  private async processZKCmd(tokens: string[]): Promise<boolean> {
    const cmd = tokens[0];
    if (cmd === undefined) {
      this.usage();
      throw new CliError('No command entered');
    }
    if (!KNOWN.has(cmd)) {
      this.usage();
      throw new CliError(`Command not found: Command not found ${cmd}`, 127);
    }
    if (cmd === 'quit') {
      await this.session.close();
      return true;
    }
    if (cmd === 'redo' && tokens.length >= 2) {
      const i = Number(tokens[1]);
      if (!Number.isInteger(i) || this.commandCount <= i || i < 0) throw new CliError('Command index out of range');
      const again = tokenize(this.history.get(i) ?? '');
      if (again[0] === 'redo') throw new CliError('No redoing redos');
      this.history.set(this.commandCount, this.history.get(i)!);
      return this.processCmd(again);
    }
    if (cmd === 'history') {
      for (let i = this.commandCount - 10; i <= this.commandCount; i++) {
        // A one-shot command is not in the history: zkCli prints "0 - null" for it.
        if (i >= 0) this.out(`${i} - ${this.history.get(i) ?? 'null'}\n`);
      }
    } else if (cmd === 'printwatches') {
      if (tokens.length === 1) this.out(`printwatches is ${this.printWatches ? 'on' : 'off'}\n`);
      else this.printWatches = tokens[1] === 'on';
    } else if (cmd === 'connect') {
      await this.session.close();
      this.session = this.newSession(tokens[1] ?? this.session.connectString);
      this.session.start();
      await this.session.settled();
    }
    // Everything below needs a live session (and says so even after history & co).
    if (!this.session.alive) {
      this.out('Not connected\n');
      return false;
    }
    if (UNSUPPORTED.has(cmd)) throw new CliError(`${cmd} is not supported by this shell; use Apache ZooKeeper's zkCli for it`);
    const command = COMMANDS.get(cmd);
    if (!command) return false;
    // While connecting, a call waits for the attempt under way, as the Java client queues it.
    if (!command.local) await this.session.settled();
    const ctx: CliContext = { session: this.session, out: (t) => this.out(t), err: (l) => this.err(l) };
    await command.exec(ctx, parseCommand(command, tokens, ctx.err));
    return false;
  }

  private usage(): void {
    this.err('ZooKeeper -server host:port -client-configuration properties-file cmd args');
    for (const [name, usage] of ALL_USAGE) this.err(`\t${name} ${usage}`);
  }
}
