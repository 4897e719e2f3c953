// zkCli's commands: names, options, usage strings and what each prints (results on
// stdout, "Created ..." and errors on stderr, as ZooKeeper's CliCommands do).
import { AddWatchMode, CreateMode, OpCode, OPEN_ACL_UNSAFE, WatcherType } from '../../jute/constants';
import { Code, KeeperError } from '../../jute/keeper-error';
import type { MultiOp } from '../../jute/multi';
import { VERSION_STRING } from '../../server/four-letter-words';
import type { CliSession } from './cli-session';
import { formatAcl, formatStat, keeperErrorMessage, parseAcl } from './printers';

/** A command that failed: the message zkCli prints on stderr, and the exit code it sets. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export interface CliContext {
  session: CliSession;
  out(text: string): void;
  err(text: string): void;
}

interface Parsed {
  /** The command and its positional arguments (commons-cli's getArgs). */
  args: string[];
  opts: Map<string, string | true>;
  /** The first argument as a znode path, checked when read (after the command's own option checks, as zkCli's order is). */
  readonly path: string;
}

export interface CliCommand {
  name: string;
  /** The options, "s" for a flag, "v:" for one that takes a value. */
  options: string[];
  /** commons-cli's OptionGroup: at most one of these options (and, when required, one). */
  group?: { options: string[]; required: boolean; described: string };
  usage: string;
  /** Positional arguments needed, the command included. */
  minArgs: number;
  /** Runs without the server (no waiting for a connection under way). */
  local?: true;
  /**
   * zkCli 3.8 still takes the 3.4-era `cmd path watch` (any third word): it says this on
   * stderr, puts -w in the third word's place and parses again (retainCompatibility).
   */
  deprecatedWatch?: string;
  exec(ctx: CliContext, p: Parsed): Promise<void>;
}

const ADD_WATCH_USAGE = '[-m mode] path # optional mode is one of [PERSISTENT, PERSISTENT_RECURSIVE] - default is PERSISTENT_RECURSIVE';

export function validatePath(path: string): string {
  // PathUtils.validatePath's first checks; the server checks the rest.
  if (!path.startsWith('/')) throw new CliError(`Path must start with / character`);
  if (path.length > 1 && path.endsWith('/')) throw new CliError(`Path must not end with / character`);
  return path;
}

/** -v version, or -1 (any version). */
const versionOf = (p: Parsed) => (p.opts.has('v') ? Number(p.opts.get('v')) : -1);

const dataOf = (buf: Buffer | null) => (buf === null ? 'null' : buf.toString('utf8'));

const COMMANDS: CliCommand[] = [
  {
    name: 'addWatch',
    options: ['m:'],
    usage: ADD_WATCH_USAGE,
    minArgs: 2,
    async exec(ctx, p) {
      const m = p.opts.get('m');
      let mode: number = AddWatchMode.PERSISTENT_RECURSIVE;
      if (typeof m === 'string') {
        if (m !== 'PERSISTENT' && m !== 'PERSISTENT_RECURSIVE') throw new CliError(`addWatch ${ADD_WATCH_USAGE}`);
        mode = AddWatchMode[m];
      }
      await ctx.session.addWatch(p.args[1]!, mode);
    },
  },
  {
    name: 'addauth',
    options: [],
    usage: 'scheme auth',
    minArgs: 2,
    async exec(ctx, p) {
      const auth = Buffer.from(p.args[2] ?? '', 'utf8');
      ctx.session.addAuth(p.args[1]!, auth);
    },
  },
  {
    name: 'close',
    options: [],
    usage: '',
    minArgs: 1,
    async exec(ctx) {
      await ctx.session.close();
    },
  },
  {
    name: 'config',
    options: ['c', 'w', 's'],
    usage: '[-c] [-w] [-s]',
    minArgs: 1,
    async exec(ctx, p) {
      const { data, stat } = await ctx.session.getData('/zookeeper/config', p.opts.has('w'));
      ctx.out(`${dataOf(data)}\n`);
      if (p.opts.has('s')) ctx.out(formatStat(stat));
    },
  },
  {
    name: 'create',
    options: ['e', 's', 'c', 't:'],
    usage: '[-s] [-e] [-c] [-t ttl] path [data] [acl]',
    minArgs: 2,
    async exec(ctx, p) {
      const [e, s, c, t] = ['e', 's', 'c', 't'].map((o) => p.opts.has(o));
      if (c && (e || s)) throw new CliError('-c cannot be combined with -s or -e. Containers cannot be ephemeral or sequential.');
      const ttl = t ? Number(p.opts.get('t')) : 0;
      if (t && !/^-?\d+$/.test(String(p.opts.get('t')))) throw new CliError('-t argument must be a long value');
      if (t && e) throw new CliError('TTLs cannot be used with Ephemeral znodes');
      if (t && c) throw new CliError('TTLs cannot be used with Container znodes');
      const mode =
        e && s ? CreateMode.EPHEMERAL_SEQUENTIAL
        : e ? CreateMode.EPHEMERAL
        : s ? (t ? CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL : CreateMode.PERSISTENT_SEQUENTIAL)
        : c ? CreateMode.CONTAINER
        : t ? CreateMode.PERSISTENT_WITH_TTL
        : CreateMode.PERSISTENT;
      if (t && (ttl <= 0 || ttl > 0xffffffffff)) throw new CliError(`ttl must be positive and cannot be larger than: ${0xffffffffff}`);
      const path = p.path;
      const data = p.args.length > 2 ? Buffer.from(p.args[2]!, 'utf8') : null;
      const acl = p.args.length > 3 ? parseAcl(p.args[3]!, ctx.err) : OPEN_ACL_UNSAFE;
      const created = await ctx.session.zk.create(path, data, { mode, acl, ttl: t ? ttl : undefined });
      ctx.err(`Created ${created}`);
    },
  },
  {
    name: 'delete',
    options: ['v:'],
    usage: '[-v version] path',
    minArgs: 2,
    async exec(ctx, p) {
      const path = p.path;
      const version = versionOf(p);
      await ctx.session.zk.delete(path, version);
    },
  },
  {
    name: 'deleteall',
    options: ['b:'],
    usage: 'path [-b batch size]',
    minArgs: 2,
    async exec(ctx, p) {
      const b = p.opts.get('b');
      if (b !== undefined && !/^-?\d+$/.test(String(b))) throw new CliError('-b argument must be an int value');
      await deleteRecursive(ctx.session, p.path, b === undefined ? 1000 : Number(b));
    },
  },
  {
    name: 'get',
    options: ['s', 'w'],
    usage: '[-s] [-w] path',
    minArgs: 2,
    deprecatedWatch: "'get path [watch]' has been deprecated. Please use 'get [-s] [-w] path' instead.",
    async exec(ctx, p) {
      const path = p.path;
      const watch = p.opts.has('w');
      const { data, stat } = await ctx.session.getData(path, watch);
      ctx.out(`${dataOf(data)}\n`);
      if (p.opts.has('s')) ctx.out(formatStat(stat));
    },
  },
  {
    name: 'getAcl',
    options: ['s'],
    usage: '[-s] path',
    minArgs: 2,
    async exec(ctx, p) {
      const path = p.path;
      const { acl, stat } = await ctx.session.zk.getACL(path);
      ctx.out(formatAcl(acl));
      if (p.opts.has('s')) ctx.out(formatStat(stat));
    },
  },
  {
    name: 'getAllChildrenNumber',
    options: [],
    usage: 'path',
    minArgs: 2,
    async exec(ctx, p) {
      ctx.out(`${await ctx.session.zk.getAllChildrenNumber(p.path)}\n`);
    },
  },
  {
    name: 'getEphemerals',
    options: [],
    usage: 'path',
    minArgs: 1,
    async exec(ctx, p) {
      const path = p.args[1] ?? '/';
      const ephemerals = await ctx.session.zk.getEphemerals(path);
      ctx.out(`[${ephemerals.join(', ')}]\n`);
    },
  },
  {
    name: 'ls',
    options: ['s', 'w', 'R'],
    usage: '[-s] [-w] [-R] path',
    minArgs: 2,
    deprecatedWatch: "'ls path [watch]' has been deprecated. Please use 'ls [-w] path' instead.",
    async exec(ctx, p) {
      const path = p.path;
      const watch = p.opts.has('w');
      if (p.opts.has('R')) {
        await visitSubTree(ctx, path, watch);
        return;
      }
      const { children, stat } = await ctx.session.getChildren2(path, watch);
      ctx.out(`[${[...children].sort(javaStringOrder).join(', ')}]\n`);
      if (p.opts.has('s')) ctx.out(formatStat(stat));
    },
  },
  {
    name: 'removewatches',
    options: ['c', 'd', 'a', 'l'],
    usage: 'path [-c|-d|-a] [-l]',
    minArgs: 2,
    async exec(ctx, p) {
      const path = p.path;
      const type = p.opts.has('c') ? WatcherType.Children : p.opts.has('d') ? WatcherType.Data : WatcherType.Any;
      await ctx.session.removeWatches(path, type);
    },
  },
  {
    name: 'set',
    options: ['s', 'v:'],
    usage: '[-s] [-v version] path data',
    minArgs: 3,
    async exec(ctx, p) {
      const path = p.path;
      const version = versionOf(p);
      const stat = await ctx.session.zk.setData(path, Buffer.from(p.args[2]!, 'utf8'), version);
      if (p.opts.has('s')) ctx.out(formatStat(stat));
    },
  },
  {
    name: 'setAcl',
    options: ['s', 'v:', 'R'],
    usage: '[-s] [-v version] [-R] path acl',
    minArgs: 3,
    async exec(ctx, p) {
      const path = p.path;
      const acl = parseAcl(p.args[2]!, ctx.err);
      const version = versionOf(p);
      if (p.opts.has('R')) {
        await visitSubTree(ctx, path, false, async (node) => {
          // zkCli prints such an error (KeeperException's own message) without a newline and goes on.
          await ctx.session.zk.setACL(node, acl, version).catch((e: Error) => ctx.out(e instanceof KeeperError ? keeperErrorMessage(e.code, e.path, true) : e.message));
        });
        return;
      }
      const stat = await ctx.session.zk.setACL(path, acl, version);
      if (p.opts.has('s')) ctx.out(formatStat(stat));
    },
  },
  {
    name: 'stat',
    options: ['w'],
    usage: '[-w] path',
    minArgs: 2,
    deprecatedWatch: "'stat path [watch]' has been deprecated. Please use 'stat [-w] path' instead.",
    async exec(ctx, p) {
      const path = p.path;
      const watch = p.opts.has('w');
      const stat = await ctx.session.exists(path, watch);
      if (!stat) throw new CliError(keeperErrorMessage(Code.NONODE, path));
      ctx.out(formatStat(stat));
    },
  },
  {
    name: 'sync',
    options: [],
    usage: 'path',
    minArgs: 2,
    async exec(ctx, p) {
      const path = p.path;
      try {
        await ctx.session.zk.sync(path);
        ctx.out('Sync is OK\n');
      } catch (e) {
        if (!(e instanceof KeeperError)) throw e;
        ctx.out(`Sync has failed. rc=${e.code}\n`);
      }
    },
  },
  {
    name: 'version',
    options: [],
    usage: '',
    minArgs: 1,
    local: true,
    async exec(ctx) {
      ctx.out(`ZooKeeper CLI version: ${VERSION_STRING}\n`);
    },
  },
  {
    name: 'whoami',
    options: [],
    usage: '',
    minArgs: 1,
    async exec(ctx) {
      // Java's whoAmI ignores the reply's error: the header alone, exit 0, when the server is away.
      const infos = await ctx.session.zk.whoAmI().catch((e: unknown) => {
        if (e instanceof KeeperError) return [];
        throw e;
      });
      ctx.out('Auth scheme: User\n' + infos.map((i) => `${i.authScheme}: ${i.user}\n`).join(''));
    },
  },
];

export const COMMANDS_BY_NAME = new Map(COMMANDS.map((c) => [c.name, c]));

/**
 * The commands zkCli's usage lists, with their usage strings: these, and the few the shell
 * itself handles (connect, history, ...) or does not support (reconfig). The quota
 * commands (quota-commands.ts) join them in the shell.
 */
export const USAGE: Array<[string, string]> = ([
  ...COMMANDS.map((c) => [c.name, c.usage] as [string, string]),
  ['connect', 'host:port'] as [string, string],
  ['history', ''],
  ['printwatches', 'on|off'],
  ['quit', ''],
  ['reconfig', '[-s] [-v version] [[-file path] | [-members serverID=host:port1:port2;port3[,...]*]] | [-add serverId=host:port1:port2;port3[,...]]* [-remove serverId[,...]*]'],
  ['redo', 'cmdno'],
] as Array<[string, string]>).sort(([a], [b]) => javaStringOrder(a, b));

/** Java's String.compareTo: by UTF-16 code unit, capitals before lower case. */
export function javaStringOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** commons-cli's parse of a command's tokens against its options; `err` gets zkCli's deprecation line. */
export function parseCommand(cmd: CliCommand, tokens: string[], err: (line: string) => void): Parsed {
  const args: string[] = [tokens[0]!];
  const opts = new Map<string, string | true>();
  let selected: string | undefined;
  for (let i = 1; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.startsWith('-') && t.length > 1) {
      const name = t.slice(1);
      if (cmd.group?.options.includes(name)) {
        if (selected !== undefined && selected !== name) {
          throw new CliError(`org.apache.commons.cli.AlreadySelectedException: The option '${name}' was specified but an option from this group has already been selected: '${selected}'`);
        }
        selected = name;
      }
      if (cmd.options.includes(name)) opts.set(name, true);
      else if (cmd.options.includes(`${name}:`)) {
        const value = tokens[++i];
        if (value === undefined) throw new CliError(`org.apache.commons.cli.MissingArgumentException: Missing argument for option: ${name}`);
        opts.set(name, value);
      } else throw new CliError(`org.apache.commons.cli.UnrecognizedOptionException: Unrecognized option: ${t}`);
    } else args.push(t);
  }
  if (cmd.group?.required && selected === undefined) {
    throw new CliError(`org.apache.commons.cli.MissingOptionException: Missing required option: ${cmd.group.described}`);
  }
  if (args.length < cmd.minArgs) throw new CliError(`${cmd.name} ${cmd.usage}`);
  if (cmd.deprecatedWatch !== undefined && args.length > 2) {
    err(cmd.deprecatedWatch);
    const again = [...tokens];
    again[2] = '-w';
    return parseCommand({ ...cmd, deprecatedWatch: undefined }, again, err);
  }
  return {
    args,
    opts,
    get path() {
      return validatePath(args[1] ?? '');
    },
  };
}

/** ZKUtil.visitSubTreeDFS: the node, then each level's children sorted, depth first. */
export async function visitSubTree(ctx: CliContext, path: string, watch: boolean, visit?: (node: string) => Promise<void>): Promise<void> {
  const seen = visit ?? (async (node: string) => ctx.out(`${node}\n`));
  await ctx.session.getData(path, watch);
  await seen(path);
  const helper = async (node: string): Promise<void> => {
    let children: string[];
    try {
      children = (await ctx.session.getChildren2(node, watch)).children.sort(javaStringOrder);
    } catch (e) {
      if (e instanceof KeeperError && e.code === Code.NONODE) return; // deleted meanwhile
      throw e;
    }
    const full = children.map((c) => (node === '/' ? `/${c}` : `${node}/${c}`));
    for (const c of full) await seen(c);
    for (const c of full) await helper(c);
  };
  await helper(path);
}

/** ZKUtil.deleteRecursive: the subtree bottom up, in multi batches. */
async function deleteRecursive(session: CliSession, path: string, batchSize: number): Promise<void> {
  const zk = session.zk;
  const tree: string[] = [path];
  for (let i = 0; i < tree.length; i++) {
    const node = tree[i]!;
    const children = await zk.getChildren(node);
    for (const c of children) tree.push(node === '/' ? `/${c}` : `${node}/${c}`);
  }
  const ops: MultiOp[] = tree.reverse().map((p) => ({ type: OpCode.delete, op: 'delete', path: p, version: -1 }));
  const batch = Math.max(1, batchSize);
  for (let i = 0; i < ops.length; i += batch) await zk.multi(ops.slice(i, i + batch));
}
