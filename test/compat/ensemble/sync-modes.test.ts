// A restarted member catches up by DIFF, by SNAP and by TRUNC, between real processes of
// both kinds: ours leading an Apache ZooKeeper 3.8 follower, and Apache's leading ours.
// - DIFF: the member missed a few writes; the leader sends them from its committed log.
// - SNAP: it missed more than the leader keeps in memory (commitLogCount, 500), and a purge
//   (`zookeeper-ts purge`) removed the txn logs the leader could have diffed from.
// - TRUNC: its log holds a txn the leader never committed (written into its dataDir while it
//   was down, the state a follower is left in when the leader died after proposing to it
//   alone); the leader tells it to cut its log back, and the txn is gone from its tree.
// Both sides' logs are read for the mode: the leader's "Sending ..." and the learner's
// "Getting a diff / snapshot", "Truncating log" (Apache's lines, which ours prints too).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ZooKeeperClient } from '../../../src/client/zookeeper-client';
import { FileTxnSnapLog } from '../../../src/persistence/file-txn-snap-log';
import { DataTree } from '../../../src/tree/data-tree';
import { srvrOnceServing, startMember, type Member, type MemberSpec } from '../../support/ensemble';
import { fourLetterWord } from '../../support/servers';

/** More than commitLogCount (500, in Apache's ZKDatabase and ours): the leader cannot DIFF from memory. */
const WRITES_PAST_THE_WINDOW = 600;
/** Small, so the leader rolls its log and snapshots every few dozen txns and a purge can remove the old logs. */
const SNAP_COUNT = 100;
/** The writes of the SNAP case go in this many batches, each followed by a pause long enough for a snapshot (ours writes one of ~700 nodes in well under a second). */
const SNAP_BATCHES = 6;
const SNAPSHOT_PAUSE_ms = 700;
/** Past a client's session timeout (8 s) and the tick its expiry waits for: a session left behind by an earlier step is gone. */
const SESSIONS_GONE_ms = 30_000;
/** A restarted member: JVM start (about 1.5 s), election, sync; generous for a loaded machine. */
const REJOIN_ms = 60_000;
const BUNDLE = join(import.meta.dirname, '../../../dist/zookeeper-ts.cjs');

type Flavour = 'apache' | 'ours';
const name = (f: Flavour) => (f === 'apache' ? 'Apache' : 'ours');

class Ensemble {
  readonly members: MemberSpec[];
  readonly procs: Member[] = [];
  constructor(
    readonly flavours: [Flavour, Flavour, Flavour],
    subnet: number,
  ) {
    this.members = [1, 2, 3].map((myid) => ({ myid, host: `127.0.13.${subnet + myid}` }));
  }
  async start(myid: number, reuseDir?: string): Promise<Member> {
    const m = await startMember(this.flavours[myid - 1]!, this.members[myid - 1]!, this.members, { snapCount: SNAP_COUNT }, reuseDir);
    this.procs[myid - 1] = m;
    return m;
  }
  proc(myid: number): Member {
    return this.procs[myid - 1]!;
  }
  host(myid: number): string {
    return this.members[myid - 1]!.host;
  }
  async client(myid: number): Promise<ZooKeeperClient> {
    return ZooKeeperClient.connect(`${this.host(myid)}:2181`, { sessionTimeout_ms: 8000 });
  }
  async stopAll(): Promise<void> {
    for (const m of this.procs) await m?.stop();
  }
  dump(): void {
    for (const m of this.procs) if (m) console.error(`--- ${name(this.flavours[m.myid - 1]!)} member ${m.myid}:\n${m.log().split('\n').slice(-40).join('\n')}`);
  }
}

/** Resolves once m logs `pattern` after offset `from` of its log. */
async function loggedSince(m: Member, from: number, pattern: RegExp, timeout_ms = REJOIN_ms): Promise<string> {
  const deadline = Date.now() + timeout_ms;
  for (;;) {
    const match = m.log().slice(from).match(pattern);
    if (match) return match[0];
    if (Date.now() > deadline) throw new Error(`member ${m.myid} did not log ${pattern}; since the restart it logged:\n${m.log().slice(from).slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Apache's leader logs its TRUNC choice at debug level only; at info it logs the zxids it
 * chose by, and a peer past maxCommittedLog (same epoch) is what makes it send TRUNC.
 */
const TRUNC_BY_APACHE = /Synchronizing with Learner sid: 1 maxCommittedLog=0x1[0-9a-f]{8} [^\n]*peerLastZxid=0x1[0-9a-f]{8}/;

/** What the learner and the leader each log for a sync mode. */
const LOGGED: Record<'DIFF' | 'SNAP' | 'TRUNC', { learner: RegExp; leader: Record<Flavour, RegExp> }> = {
  DIFF: { learner: /Getting a diff from the leader 0x[0-9a-f]+/, leader: { apache: /Sending DIFF zxid=0x[0-9a-f]+ +for peer sid: 1/, ours: /Sending DIFF[^\n]*/ } },
  SNAP: { learner: /Getting a snapshot from leader 0x[0-9a-f]+/, leader: { apache: /Sending snapshot last zxid of peer is 0x[0-9a-f]+/, ours: /Sending SNAP[^\n]*/ } },
  TRUNC: { learner: /Truncating log to get in sync with the leader 0x[0-9a-f]+/, leader: { apache: TRUNC_BY_APACHE, ours: /Sending TRUNC[^\n]*/ } },
};

/**
 * Stops member 1, runs `whileDown`, starts it again over its dataDir, and checks that both
 * sides logged `mode` and that member 1 serves again (as a follower).
 */
async function restartMember1(e: Ensemble, mode: keyof typeof LOGGED, whileDown: () => Promise<void>): Promise<void> {
  const m1 = e.proc(1);
  await m1.stop({ keepDir: true });
  await whileDown();
  const leader = e.proc(3);
  const from = leader.log().length;
  const again = await e.start(1, m1.dir);
  await loggedSince(again, 0, LOGGED[mode].learner);
  await loggedSince(leader, from, LOGGED[mode].leader[e.flavours[2]]);
  assert.equal(/Mode: (\w+)/.exec(await srvrOnceServing(e.host(1)))?.[1], 'follower');
}

/** Writes through the leader; resolves once every one is acknowledged. */
async function write(e: Ensemble, prefix: string, count: number): Promise<void> {
  const c = await e.client(3);
  try {
    await c.create(prefix, null);
    await Promise.all(Array.from({ length: count }, (_, i) => c.create(`${prefix}/n${i}`, Buffer.from(`${i}`))));
  } finally {
    await c.close();
  }
}

/** Member 1's view after a sync: the children of prefix. */
async function childrenOn1(e: Ensemble, prefix: string): Promise<string[]> {
  const c = await e.client(1);
  try {
    await c.sync('/');
    return await c.getChildren(prefix);
  } finally {
    await c.close();
  }
}

/** The leader's sessions (mntr zk_global_sessions; both flavours' leaders count the whole ensemble's). */
async function leaderSessions(e: Ensemble): Promise<number> {
  const m = /^zk_global_sessions\s+(\d+)$/m.exec(await fourLetterWord(e.host(3), 2181, 'mntr'));
  if (!m) throw new Error('the leader\'s mntr states no zk_global_sessions');
  return Number(m[1]);
}

/**
 * Waits until the ensemble holds no session and member 1 has what the leader has. A session
 * an earlier step's client left behind (a connect that timed out on a loaded machine and was
 * retried, a close whose answer was lost) expires on its own, and its closeSession is a txn:
 * spent while member 1 is down, it takes the very zxid the "uncommitted" txn is given, and
 * the leader then sees nothing to cut. And what member 1 has not applied (a clean stop keeps
 * what it applied), the leader would DIFF.
 */
async function quiet(e: Ensemble): Promise<void> {
  const deadline = Date.now() + SESSIONS_GONE_ms;
  for (;;) {
    const [sessions, on1, onLeader] = [await leaderSessions(e), await zxidOf(e, 1), await zxidOf(e, 3)];
    if (sessions === 0 && on1 === onLeader) return;
    if (Date.now() > deadline) {
      throw new Error(`after ${SESSIONS_GONE_ms} ms the leader holds ${sessions} session(s) and is at 0x${onLeader.toString(16)}, member 1 at 0x${on1.toString(16)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The zxid member `myid` last processed (srvr's Zxid). */
async function zxidOf(e: Ensemble, myid: number): Promise<number> {
  const m = /^Zxid: (0x[0-9a-f]+)$/m.exec(await fourLetterWord(e.host(myid), 2181, 'srvr'));
  if (!m) throw new Error(`member ${myid}'s srvr states no Zxid`);
  return Number(m[1]);
}

/**
 * A txn appended to a stopped member's log, one past its last: a create of `path` that no
 * other member has. Written with our storage, which writes Apache's format.
 */
async function appendUncommittedTxn(dataDir: string, path: string): Promise<number> {
  const snapLog = new FileTxnSnapLog({ dataDir, dataLogDir: dataDir, preAllocSize_bytes: 64 * 1024, snapCount: 100_000, log: { info() {}, warn() {} } });
  // One past what it would offer a leader: its newest snapshot and the log after it.
  const zxid = snapLog.restore(new DataTree()).lastZxid + 1;
  const txn = {
    hdr: { clientId: 0x7777n, cxid: 1, zxid, time: Date.now(), type: 1 },
    body: { kind: 'create' as const, path, data: Buffer.from('never committed'), acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], ephemeral: false, parentCVersion: 0 },
  };
  try {
    await snapLog.persist([txn]);
  } finally {
    snapLog.close();
  }
  return zxid;
}

for (const [leaderFlavour, learnerFlavour, subnet] of [
  ['ours', 'apache', 10],
  ['apache', 'ours', 20],
] as const) describe(`${name(leaderFlavour)} leader, ${name(learnerFlavour)} learner`, () => {
  const e = new Ensemble([learnerFlavour, 'apache', leaderFlavour], subnet);
  const label = `${name(leaderFlavour)} leader, ${name(learnerFlavour)} learner`;
  let failed = false;
  before(async () => {
    // 3 and 2 first, so 3 (the higher) leads whichever starts faster; then 1, once 3 leads
    // (started at once, a fast 1 and 2 could elect 2 while 3's JVM still loads).
    for (const myid of [3, 2]) await e.start(myid);
    assert.equal(/Mode: (\w+)/.exec(await srvrOnceServing(e.host(3)))?.[1], 'leader');
    await e.start(1);
    // Both followers synced before the first is stopped: else the leader is left alone.
    for (const myid of [1, 2]) assert.equal(/Mode: (\w+)/.exec(await srvrOnceServing(e.host(myid)))?.[1], 'follower');
  });
  after(async () => {
    if (failed) e.dump();
    await e.stopAll();
  });
  const step = (title: string, fn: () => Promise<void>) =>
    test(`${label}: ${title}`, { timeout: 180_000 }, async () => {
      try {
        await fn();
      } catch (err) {
        failed = true;
        throw err;
      }
    });

  step('restarted after missing a few writes, it catches up by DIFF', async () => {
    // A member with no txn at all (peer zxid 0x0) is older than any window: it gets a SNAP
    // from ours (Apache may DIFF it from its txn log). One write first, as a member that
    // served a while has.
    await write(e, '/before-diff', 0);
    await restartMember1(e, 'DIFF', () => write(e, '/diff', 5));
    assert.deepEqual((await childrenOn1(e, '/diff')).sort(), ['n0', 'n1', 'n2', 'n3', 'n4']);
  });

  step('restarted with a txn in its log the leader never committed, it truncates by TRUNC and the txn is gone', async () => {
    let zxid = 0;
    // No session lives meanwhile: its txn would give the leader a txn of that zxid.
    await quiet(e);
    await restartMember1(e, 'TRUNC', async () => {
      zxid = await appendUncommittedTxn(e.proc(1).dataDir, '/phantom');
      console.log(`# appended the uncommitted txn 0x${zxid.toString(16)} to member 1's log`);
      const atLeader = await zxidOf(e, 3);
      assert.ok(atLeader < zxid, `the leader spent zxid 0x${atLeader.toString(16)} while member 1 was down: the appended txn is not one it never committed`);
    });
    assert.ok(zxid > 0);
    const c = await e.client(1);
    try {
      await c.sync('/');
      assert.equal(await c.exists('/phantom'), null, 'the truncated txn is not in its tree');
      await c.create('/after-trunc', Buffer.from('x'));
    } finally {
      await c.close();
    }
    const c3 = await e.client(3);
    try {
      assert.equal(await c3.exists('/phantom'), null);
      assert.ok(await c3.exists('/after-trunc'));
    } finally {
      await c3.close();
    }
  });

  step(`restarted after ${WRITES_PAST_THE_WINDOW} writes and a purge of the leader's old logs, it catches up by SNAP`, async () => {
    await restartMember1(e, 'SNAP', async () => {
      // In batches, a pause between them: the leader snapshots one at a time, and the purge
      // below has to find more than the 3 newest snapshots.
      for (let b = 0; b < SNAP_BATCHES; b++) {
        await write(e, `/snap${b}`, WRITES_PAST_THE_WINDOW / SNAP_BATCHES);
        await new Promise((r) => setTimeout(r, SNAPSHOT_PAUSE_ms));
      }
      const purged = spawnSync(process.execPath, [BUNDLE, 'purge', e.proc(3).dataDir, '-n', '3'], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
      assert.equal(purged.status, 0, purged.stderr);
      assert.match(purged.stdout, /Removing file: .*log\./, 'the purge removed old txn logs');
    });
    for (let b = 0; b < SNAP_BATCHES; b++) assert.equal((await childrenOn1(e, `/snap${b}`)).length, WRITES_PAST_THE_WINDOW / SNAP_BATCHES);
  });
});
