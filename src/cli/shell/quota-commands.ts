// zkCli's quota commands (SetQuotaCommand, ListQuotaCommand, DelQuotaCommand): the nodes
// under /zookeeper/quota they write, in the order zkCli writes them, and what they print
// (which lines go to stdout, which to stderr, which fail the command).
import { Code, KeeperError } from '../../jute/keeper-error';
import type { ZooKeeperClient } from '../../client/zookeeper-client';
import { javaSplit, LIMIT_NODE, limitPath, PROC_ZOOKEEPER, QUOTA_ZOOKEEPER, quotaPath, QuotaFormatError, STAT_NODE, StatsTrack, statPath, trimQuotaPath } from '../../tree/quotas';
import { CliError, validatePath, visitSubTree, type CliCommand, type CliContext } from './cli-commands';

/** setquota's options are one group: exactly one of them, each with a value. */
const SETQUOTA_GROUP = {
  options: ['n', 'b', 'N', 'B'],
  required: true,
  described: '[-n num soft quota, -b bytes soft quota, -N num hard quota, -B bytes hard quota]',
};

export const QUOTA_COMMANDS: CliCommand[] = [
  {
    name: 'delquota',
    options: ['n', 'b', 'N', 'B'],
    group: { ...SETQUOTA_GROUP, required: false },
    usage: '[-n|-b|-N|-B] path',
    minArgs: 2,
    async exec(ctx, p) {
      const path = p.args[1]!;
      // Which limit to drop; none named: the whole quota goes.
      const which = ['n', 'b', 'N', 'B'].filter((o) => p.opts.has(o));
      try {
        await delQuota(ctx, path, which);
      } catch (e) {
        if (!(e instanceof KeeperError) || e.code !== Code.NONODE) throw e;
        ctx.err(`quota for ${path} does not exist.`);
      }
    },
  },
  {
    name: 'listquota',
    options: [],
    usage: 'path',
    minArgs: 2,
    async exec(ctx, p) {
      const path = p.args[1]!;
      ctx.err(`absolute path is ${limitPath(path)}`);
      try {
        const zk = ctx.session.zk;
        const limit = readStats((await zk.getData(limitPath(path))).data);
        const stats = readStats((await zk.getData(statPath(path))).data);
        ctx.out(`Output quota for ${path} ${limit}\n`);
        ctx.out(`Output stat for ${path} ${stats}\n`);
      } catch (e) {
        if (!(e instanceof KeeperError) || e.code !== Code.NONODE) throw e;
        ctx.err(`quota for ${path} does not exist.`);
      }
    },
  },
  {
    name: 'setquota',
    options: ['n:', 'b:', 'N:', 'B:'],
    group: SETQUOTA_GROUP,
    usage: '-n|-b|-N|-B val path',
    minArgs: 2,
    async exec(ctx, p) {
      const path = p.args[1]!;
      if (path.startsWith(QUOTA_ZOOKEEPER)) {
        ctx.err(`cannot set a quota under the path: ${QUOTA_ZOOKEEPER}`);
        return;
      }
      const quota = new StatsTrack();
      quota.count = -1;
      quota.bytes = -1;
      quota.countHardLimit = -1;
      quota.byteHardLimit = -1;
      const problem = setLimits(quota, p.opts);
      if (problem) {
        ctx.err(problem);
        return;
      }
      await createQuota(ctx, path, quota);
    },
  },
];

/** SetQuotaCommand.checkOptionValue: the limit asked for, or what is wrong with it. */
function setLimits(quota: StatsTrack, opts: Map<string, string | true>): string | undefined {
  const value = (o: string, max: bigint): number | undefined => {
    const v = opts.get(o);
    if (typeof v !== 'string') return undefined;
    // Integer.parseInt for the counts, Long.parseLong for the bytes.
    if (!/^[+-]?\d+$/.test(v) || BigInt(v) > max || BigInt(v) < -max - 1n) throw new NumberFormatError();
    return Number(v);
  };
  try {
    // In SetQuotaCommand's order: the first bad option is the one reported.
    for (const [o, kind, field] of LIMIT_OPTIONS) {
      const v = value(o, kind === 'num' ? INT_MAX : LONG_MAX);
      if (v === undefined) continue;
      if (kind === 'num' && v <= 0) return 'the num quota must be greater than zero';
      if (kind === 'bytes' && v < 0) return 'the bytes quota must be greater than or equal to zero';
      quota[field] = v;
    }
  } catch (e) {
    if (e instanceof NumberFormatError) return 'NumberFormatException happens when parsing the option value';
    throw e;
  }
  return undefined;
}

const INT_MAX = 2n ** 31n - 1n;
const LONG_MAX = 2n ** 63n - 1n;
/** setquota's limit options: counts are ints and must be > 0, bytes are longs and must be ≥ 0. */
const LIMIT_OPTIONS: [option: string, kind: 'num' | 'bytes', field: 'count' | 'bytes' | 'countHardLimit' | 'byteHardLimit'][] = [
  ['n', 'num', 'count'],
  ['b', 'bytes', 'bytes'],
  ['N', 'num', 'countHardLimit'],
  ['B', 'bytes', 'byteHardLimit'],
];
class NumberFormatError extends Error {}

/** SetQuotaCommand.createQuota. */
async function createQuota(ctx: CliContext, path: string, quota: StatsTrack): Promise<void> {
  validatePath(path);
  const zk = ctx.session.zk;
  if ((await zk.exists(path)) === null) throw new CliError(`${path} does not exist.`);
  await checkIfChildQuota(ctx, path);
  await checkIfParentQuota(zk, path);
  if ((await zk.exists(QUOTA_ZOOKEEPER)) === null) {
    await createIfMissing(zk, PROC_ZOOKEEPER);
    await createIfMissing(zk, QUOTA_ZOOKEEPER);
  }
  let node = QUOTA_ZOOKEEPER;
  for (const part of javaSplit(path, '/').slice(1)) {
    node = `${node}/${part}`;
    if ((await zk.exists(node)) === null) await createIfMissing(zk, node);
  }
  const stats = `${node}/${STAT_NODE}`;
  const limits = `${node}/${LIMIT_NODE}`;
  if ((await zk.exists(limits)) === null) {
    await zk.create(limits, quota.toBuffer());
    const zero = new StatsTrack();
    zero.count = 0;
    zero.bytes = 0;
    await zk.create(stats, zero.toBuffer());
    const limit = readStats((await zk.getData(limits)).data);
    warnIfBelowUsage(ctx, limit, readStats((await zk.getData(stats)).data));
    return;
  }
  const limit = readStats((await zk.getData(limits)).data);
  if (quota.count > -1) limit.count = quota.count;
  if (quota.bytes > -1) limit.bytes = quota.bytes;
  if (quota.countHardLimit > -1) limit.countHardLimit = quota.countHardLimit;
  if (quota.byteHardLimit > -1) limit.byteHardLimit = quota.byteHardLimit;
  warnIfBelowUsage(ctx, limit, readStats((await zk.getData(stats)).data));
  await zk.setData(limits, limit.toBuffer(), -1);
}

async function createIfMissing(zk: ZooKeeperClient, path: string): Promise<void> {
  try {
    await zk.create(path, null);
  } catch (e) {
    if (!(e instanceof KeeperError) || e.code !== Code.NODEEXISTS) throw e;
  }
}

/** SetQuotaCommand.checkQuota: a warning (on stdout) for a limit already below what the subtree holds. */
function warnIfBelowUsage(ctx: CliContext, limit: StatsTrack, usage: StatsTrack): void {
  const below = (soft: number, hard: number, used: number) => (soft > -1 && soft < used) || (hard > -1 && hard < used);
  if (below(limit.count, limit.countHardLimit, usage.count)) {
    ctx.out(`[Warning]: the count quota you create is less than the existing count:${usage.count}\n`);
  }
  if (below(limit.bytes, limit.byteHardLimit, usage.bytes)) {
    ctx.out(`[Warning]: the bytes quota you create is less than the existing bytes:${usage.bytes}\n`);
  }
}

/** No quota below the path: its quota subtree holds no limit node but its own. */
async function checkIfChildQuota(ctx: CliContext, path: string): Promise<void> {
  const own = quotaPath(path);
  try {
    await visitSubTree(ctx, validatePath(own), false, async (node) => {
      let children: string[];
      try {
        children = await ctx.session.zk.getChildren(node);
      } catch (e) {
        if (e instanceof KeeperError && e.code === Code.NONODE) return; // removed meanwhile
        throw e;
      }
      if (node !== own && children.includes(LIMIT_NODE)) throw new CliError(`${path} has a child ${trimQuotaPath(node)} which has a quota`);
    });
  } catch (e) {
    if (!(e instanceof KeeperError) || e.code !== Code.NONODE) throw e;
  }
}

/** No quota above the path: none of its ancestors' quota nodes holds a limit node. */
async function checkIfParentQuota(zk: ZooKeeperClient, path: string): Promise<void> {
  const parts = javaSplit(path, '/');
  let node = QUOTA_ZOOKEEPER;
  for (let i = 1; i < parts.length - 1; i++) {
    node = `${node}/${parts[i]}`;
    let children: string[];
    try {
      children = await zk.getChildren(node);
    } catch (e) {
      if (e instanceof KeeperError && e.code === Code.NONODE) return;
      throw e;
    }
    if (children.length === 0) return;
    if (node !== quotaPath(path) && children.includes(LIMIT_NODE)) throw new CliError(`${path} has a parent ${trimQuotaPath(node)} which has a quota`);
  }
}

/** DelQuotaCommand.delQuota: the named limits back to -1, or with none named the whole quota. */
async function delQuota(ctx: CliContext, path: string, which: string[]): Promise<void> {
  const zk = ctx.session.zk;
  const limits = limitPath(path);
  if ((await zk.exists(limits)) === null) {
    ctx.out(`Quota does not exist for ${path}\n`);
    return;
  }
  const limit = readStats((await zk.getData(limits)).data);
  if (which.length === 0) {
    const parent = quotaPath(path);
    for (const child of await zk.getChildren(parent)) await zk.delete(`${parent}/${child}`, -1);
    // Then the quota's own nodes upwards, while they are left empty.
    let node = parent;
    while (node !== QUOTA_ZOOKEEPER) {
      if ((await zk.getChildren(node)).length > 0) break;
      await zk.delete(node, -1);
      node = node.slice(0, node.lastIndexOf('/'));
    }
    return;
  }
  if (which.includes('n')) limit.count = -1;
  if (which.includes('b')) limit.bytes = -1;
  if (which.includes('N')) limit.countHardLimit = -1;
  if (which.includes('B')) limit.byteHardLimit = -1;
  await zk.setData(limits, limit.toBuffer(), -1);
}

/** A limit or stats node's text; zkCli fails on one it cannot read (NumberFormatException). */
function readStats(data: Buffer | null): StatsTrack {
  try {
    return new StatsTrack(data);
  } catch (e) {
    if (e instanceof QuotaFormatError) throw new CliError(`java.lang.NumberFormatException: ${e.message}`);
    throw e;
  }
}
