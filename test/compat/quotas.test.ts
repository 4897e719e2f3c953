// Quotas against Apache ZooKeeper 3.8 (both with enforceQuota=true): zkCli's setquota,
// listquota and delquota through Apache's shell and ours on either server; then the same
// writes through the client protocol on both servers — which are refused with
// QUOTAEXCEEDED, what the nodes under /zookeeper/quota then hold, the quota metrics — and
// the same again after two restarts (the second loads a snapshot: the stats are recomputed
// from the tree, as Apache's DataTree.setupQuota does). Addresses 127.0.44.x.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ZooKeeperClient } from '../../src/client/zookeeper-client';
import { CreateMode, OpCode, OPEN_ACL_UNSAFE } from '../../src/jute/constants';
import { KeeperError } from '../../src/jute/keeper-error';
import type { MultiOp } from '../../src/jute/multi';
import { fourLetterWord, startServer, type Flavour, type RunningServer } from '../support/servers';
import { CONNECTED_EVENT, normalise, run } from './real-clients/transcript';
import { APACHE_ZKCLI, OUR_SHELL, type Shell } from './real-clients/zkcli-session';

const HOSTS: Record<Flavour, string> = { apache: '127.0.44.1', ours: '127.0.44.2' };
const ENFORCE = { enforceQuota: true };

/** Every quota command's output and errors, as measured with Apache's zkCli on Apache 3.8. */
const SHELL_SCRIPT = [
  'create /a',
  'create /a/b hello',
  // option errors: none, two of the group, bad values
  'setquota',
  'setquota /a',
  'setquota -n 3 -b 10 /a',
  'setquota -n 0 /a',
  'setquota -b -1 /a',
  'setquota -N x /a',
  'setquota -N 3000000000 /a',
  'setquota -n 2 /nope',
  'setquota -n 2 /zookeeper/quota/x',
  'setquota -n 2 nope',
  'setquota -n 3',
  // a soft count, then a hard byte limit on the same quota
  'setquota -n 3 /a',
  'listquota /a',
  'setquota -B 12 /a',
  'listquota /a',
  'get /zookeeper/quota/a/zookeeper_limits',
  'get /zookeeper/quota/a/zookeeper_stats',
  'ls /zookeeper/quota',
  'ls /zookeeper/quota/a',
  'create /a/c 12345',
  'create /a/d',
  'create /a/e 1234567',
  'set /a/b hellohello',
  // a hard count below what is there: zkCli warns, the server refuses what follows
  'setquota -N 4 /a',
  'create /a/f',
  'listquota /a',
  // nested quotas are refused both ways
  'setquota -n 1 /a/b',
  'create /x',
  'create /x/y',
  'setquota -b 100 /x/y',
  'setquota -n 1 /x',
  'listquota /nope',
  'listquota',
  'delquota /nope',
  'delquota -n /a',
  'listquota /a',
  'delquota -N /a',
  'listquota /a',
  'delquota -x /a',
  'delquota -n -b /a',
  'create /a/f',
  'delquota /a',
  'ls /zookeeper/quota',
  'listquota /a',
  'delquota /x/y',
  'ls /zookeeper/quota',
  // the last command's exit code is the shell's
  'setquota -n 1 /missing',
];

/** zkCli's connect event comes from its event thread, racing the first answers: dropped wherever it lands. */

async function shellRun(flavour: Flavour, shell: Shell): Promise<string> {
  const server = await startServer(flavour, { host: HOSTS[flavour], cfg: ENFORCE });
  try {
    const r = await run(...shell(server.connectString), { input: SHELL_SCRIPT.join('\n') + '\n' });
    const quotaMetrics = await mntrQuota(server);
    return normalise(r.output.replace(CONNECTED_EVENT, ''), server) + `--- exit ${r.code}\n--- mntr\n${quotaMetrics}`;
  } finally {
    await server.stop();
  }
}

test("setquota, listquota and delquota print what zkCli prints, through either shell on either server", async () => {
  const reference = await shellRun('apache', APACHE_ZKCLI);
  // What Apache measured (the differential below would pass on two equal wrong outputs).
  assert.match(reference, /Output quota for \/a count=3,bytes=-1=;byteHardLimit=12;countHardLimit=-1\nOutput stat for \/a count=2,bytes=5\n/);
  assert.match(reference, /Quota has exceeded : \/a\/e\n/);
  assert.match(reference, /\[Warning\]: the count quota you create is less than the existing count:4\n/);
  assert.match(reference, /\/x has a child \/x\/y which has a quota\n/);
  assert.match(reference, /zk_a_quota_exceeded_error_per_namespace\t3\n/);
  assert.match(reference, /--- exit 1\n/);
  const runs: Array<[string, Flavour, Shell]> = [
    ['our shell on Apache', 'apache', OUR_SHELL],
    ['our shell on ours', 'ours', OUR_SHELL],
    ["Apache's zkCli on ours", 'ours', APACHE_ZKCLI],
  ];
  for (const [what, flavour, shell] of runs) assert.equal(await shellRun(flavour, shell), reference, what);
});

// --- the client protocol

/** One step's outcome: "ok", or the error's code name. */
type Outcome = string;

const limits = (path: string, text: string): MultiOp[] => [
  createOp(`/zookeeper/quota${path}`, null),
  createOp(`/zookeeper/quota${path}/zookeeper_limits`, text),
  createOp(`/zookeeper/quota${path}/zookeeper_stats`, 'count=0,bytes=0'),
];

function createOp(path: string, data: string | null): MultiOp {
  return { type: OpCode.create, op: 'create', path, data: data === null ? null : Buffer.from(data), acl: OPEN_ACL_UNSAFE, flags: CreateMode.PERSISTENT, ttl: -1 };
}

/**
 * Writes a client (Curator, kazoo) could make, each after the one before was answered:
 * quota nodes written by hand as zkCli writes them, hard and soft limits, a setData that
 * also has a stale version, a multi (each of its creates is checked against the tree as
 * applied, so together they pass a limit none passes alone), a nested quota, and a stats
 * node overwritten with wrong numbers.
 */
async function writes(zk: ZooKeeperClient): Promise<Array<[string, Outcome]>> {
  const out: Array<[string, Outcome]> = [];
  const step = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
      out.push([what, 'ok']);
    } catch (e) {
      if (!(e instanceof KeeperError)) throw e;
      out.push([what, `${e.code}`]);
    }
  };
  const b = (s: string) => Buffer.from(s);
  await step('create /app', () => zk.create('/app', b('0123456789')));
  await step('quota /app N=4 B=20', () => zk.multi(limits('/app', 'count=-1,bytes=-1=;byteHardLimit=20;countHardLimit=4')));
  await step('create /app/y (5 bytes)', () => zk.create('/app/y', b('01234')));
  await step('create /app/z (10 bytes: past 20)', () => zk.create('/app/z', b('0123456789')));
  await step('set /app 16 bytes (past 20)', () => zk.setData('/app', b('0123456789abcdef')));
  await step('set /app past 20 with a stale version', () => zk.setData('/app', b('0123456789abcdef'), 99));
  await step('set /app shorter', () => zk.setData('/app', b('01')));
  await step('multi: two creates (3 + 2 > 4 together)', () => zk.multi([createOp('/app/m1', null), createOp('/app/m2', null)]));
  await step('create /app/w (count past 4)', () => zk.create('/app/w'));
  await step('create sequential /app/s (count past 4)', () => zk.create('/app/s', null, { mode: CreateMode.PERSISTENT_SEQUENTIAL }));
  await step('create /free (no quota)', () => zk.create('/free', b('x')));
  await step('create /soft', () => zk.create('/soft'));
  await step('quota /soft n=1 b=2 (soft)', () => zk.multi(limits('/soft', 'count=1,bytes=2=;byteHardLimit=-1;countHardLimit=-1')));
  await step('create /soft/a (past soft limits)', () => zk.create('/soft/a', b('abc')));
  await step('set /soft/a (past soft limits)', () => zk.setData('/soft/a', b('abcdef')));
  // A nested quota (zkCli refuses it, the protocol does not): writes below count there only.
  await step('create /soft/a/n', () => zk.create('/soft/a/n'));
  await step('quota /soft/a N=2', () => zk.multi(limits('/soft/a', 'count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=2')));
  await step('create /soft/a/n/1 (past /soft/a)', () => zk.create('/soft/a/n/1'));
  await step('create /soft/b', () => zk.create('/soft/b', b('bb')));
  await step('stats of /app overwritten', () => zk.setData('/zookeeper/quota/app/zookeeper_stats', b('count=1,bytes=0')));
  await step('create /app/after (stats say 1)', () => zk.create('/app/after'));
  // A limit node that does not parse fails the write (Apache: MARSHALLINGERROR from its
  // prepare); removed again, since Apache's quota gauges (mntr) fail on it too.
  await step('create /g', () => zk.create('/g'));
  await step('quota /g unreadable', () => zk.multi(limits('/g', 'count=x,bytes=1')));
  await step('create /g/a (limit unreadable)', () => zk.create('/g/a'));
  await step('quota /g removed', () => zk.multi(['/zookeeper/quota/g/zookeeper_limits', '/zookeeper/quota/g/zookeeper_stats', '/zookeeper/quota/g'].map((path): MultiOp => ({ type: OpCode.delete, op: 'delete', path, version: -1 }))));
  return out;
}

/** Writes after the restarts: the recomputed stats (and the trie, from the limit nodes) still enforce. */
async function writesAfterRestart(zk: ZooKeeperClient): Promise<Array<[string, Outcome]>> {
  const out: Array<[string, Outcome]> = [];
  const create = async (path: string) => {
    try {
      await zk.create(path);
      out.push([`create ${path}`, 'ok']);
    } catch (e) {
      if (!(e instanceof KeeperError)) throw e;
      out.push([`create ${path}`, `${e.code}`]);
    }
  };
  for (const path of ['/app/r1', '/soft/r1', '/soft/a/r1']) await create(path);
  // Deleting a quota's limit node ends that quota; the nested one below it stays.
  await zk.delete('/zookeeper/quota/soft/zookeeper_limits');
  for (const path of ['/soft/r2', '/soft/a/r2']) await create(path);
  return out;
}

/** What the quota nodes hold: each path under /zookeeper/quota with its data and Stat counts. */
async function quotaNodes(zk: ZooKeeperClient): Promise<string[]> {
  const out: string[] = [];
  const stack = ['/zookeeper/quota'];
  while (stack.length > 0) {
    const path = stack.pop()!;
    const { data, stat } = await zk.getData(path);
    out.push(`${path} = ${data?.toString() ?? 'null'} (version ${stat.version}, dataLength ${stat.dataLength}, numChildren ${stat.numChildren})`);
    for (const c of await zk.getChildren(path)) stack.push(`${path}/${c}`);
  }
  return out.sort();
}

/** mntr's quota lines, sorted (the order of keys within mntr is not ZooKeeper's contract). */
async function mntrQuota(server: RunningServer): Promise<string> {
  const mntr = await fourLetterWord(server.host, server.port, 'mntr');
  return mntr.split('\n').filter((l) => l.includes('quota')).sort().join('\n') + '\n';
}

async function protocolRun(flavour: Flavour): Promise<Record<string, unknown>> {
  const dataDir = mkdtempSync(join(tmpdir(), `zk-quota-${flavour}-`));
  const result: Record<string, unknown> = {};
  const phase = async (name: string, fn?: (zk: ZooKeeperClient) => Promise<unknown>) => {
    const server = await startServer(flavour, { host: HOSTS[flavour], dataDir, cfg: ENFORCE });
    try {
      const zk = await ZooKeeperClient.connect(server.connectString);
      if (fn) result[`${name}: writes`] = await fn(zk);
      result[`${name}: nodes`] = await quotaNodes(zk);
      result[`${name}: mntr`] = await mntrQuota(server);
      await zk.close();
    } finally {
      await server.stop();
    }
  };
  try {
    await phase('first run', writes);
    // The first restart replays the txn log over snapshot.0 (and snapshots); the second
    // loads that snapshot, where the stats are recomputed from the tree.
    await phase('first restart');
    await phase('second restart', writesAfterRestart);
    return result;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

test('through the client protocol: the same writes refused, the same quota nodes and metrics, the same after two restarts', async () => {
  const reference = await protocolRun('apache');
  const refused = (reference['first run: writes'] as Array<[string, string]>).filter(([, o]) => o === '-125').map(([w]) => w);
  // What Apache measured: hard limits refuse (-125), soft ones do not, a multi passes together.
  assert.deepEqual(refused, [
    'create /app/z (10 bytes: past 20)',
    'set /app 16 bytes (past 20)',
    'set /app past 20 with a stale version',
    'create /app/w (count past 4)',
    'create sequential /app/s (count past 4)',
    'create /soft/a/n/1 (past /soft/a)',
  ]);
  assert.deepEqual((reference['first run: writes'] as Array<[string, string]>).filter(([, o]) => o !== 'ok' && o !== '-125'), [['create /g/a (limit unreadable)', '-5']]);
  // The stats node overwritten to count=1 counted on from there until the snapshot load recomputed it.
  assert.ok((reference['first restart: nodes'] as string[]).includes('/zookeeper/quota/app/zookeeper_stats = count=2,bytes=0 (version 1, dataLength 15, numChildren 0)'));
  assert.ok((reference['second restart: nodes'] as string[]).includes('/zookeeper/quota/app/zookeeper_stats = count=5,bytes=7 (version 1, dataLength 15, numChildren 0)'));
  assert.match(reference['first run: mntr'] as string, /zk_app_quota_exceeded_error_per_namespace\t5\n/);
  const ours = await protocolRun('ours');
  assert.deepEqual(ours, reference);
});

test('without enforceQuota a hard limit refuses nothing and counts nothing, as in Apache', async () => {
  const outcomes: Record<Flavour, string[]> = { apache: [], ours: [] };
  for (const flavour of ['apache', 'ours'] as const) {
    const server = await startServer(flavour, { host: HOSTS[flavour] });
    try {
      const zk = await ZooKeeperClient.connect(server.connectString);
      await zk.create('/off');
      await zk.multi(limits('/off', 'count=-1,bytes=-1=;byteHardLimit=1;countHardLimit=1'));
      await zk.create('/off/a', Buffer.from('past both limits'));
      await zk.setData('/off/a', Buffer.from('further past them'));
      outcomes[flavour] = [...(await quotaNodes(zk)), await mntrQuota(server)];
      await zk.close();
    } finally {
      await server.stop();
    }
  }
  assert.ok(outcomes.apache.includes('/zookeeper/quota/off/zookeeper_stats = count=2,bytes=17 (version 0, dataLength 16, numChildren 0)'));
  assert.ok(!outcomes.apache.join('\n').includes('exceeded'));
  assert.deepEqual(outcomes.ours, outcomes.apache);
});
