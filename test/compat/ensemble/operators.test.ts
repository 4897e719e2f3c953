// What an operator sees of an ensemble, ours beside Apache ZooKeeper 3.8's: three voters and
// an observer of each kind (Apache's on 127.0.11.1–4, ours on 127.0.11.11–14, the real
// ports, the AdminServer on :8080), the same writes through member 1, then compared role by
// role — srvr/stat, mntr's keys and the ensemble's values, the admin commands leader,
// voting_view, observers, zabstate, `zookeeper-ts status` against zkServer.sh status, the
// role-change log lines — and again while the survivors elect without a quorum, and for a
// member that is down. Figures that naturally differ (uptimes, latencies, timestamps,
// client ports) are compared by shape.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ZooKeeperClient } from '../../../src/client/zookeeper-client';
import { srvrOnceServing, startMember, type Member, type MemberSpec } from '../../support/ensemble';
import { fourLetterWord } from '../../support/servers';

type Flavour = 'apache' | 'ours';
const specs = (base: number): MemberSpec[] => [
  { myid: 1, host: `127.0.11.${base + 1}` },
  { myid: 2, host: `127.0.11.${base + 2}` },
  { myid: 3, host: `127.0.11.${base + 3}` },
  { myid: 4, host: `127.0.11.${base + 4}`, type: 'observer' },
];
const ensembles: Record<Flavour, MemberSpec[]> = { apache: specs(0), ours: specs(10) };
const members: Record<Flavour, Member[]> = { apache: [], ours: [] };
const BUNDLE = join(import.meta.dirname, '../../../dist/zookeeper-ts.cjs');
const ZK_SERVER_SH = '/usr/share/zookeeper/bin/zkServer.sh';
const NOT_SERVING = 'This ZooKeeper instance is not currently serving requests';

/** Ours' addresses written as Apache's (127.0.11.1X → 127.0.11.X), so answers compare. */
const same = (text: string) => text.replace(/127\.0\.11\.1(\d)\b/g, '127.0.11.$1');
const host = (f: Flavour, myid: number) => ensembles[f][myid - 1]!.host;
const word = (f: Flavour, myid: number, w: string) => fourLetterWord(host(f, myid), 2181, w);
async function admin(f: Flavour, myid: number, command: string): Promise<Record<string, unknown>> {
  const r = await fetch(`http://${host(f, myid)}:8080/commands/${command}`);
  return JSON.parse(same(await r.text())) as Record<string, unknown>;
}
function mntr(text: string): Map<string, string> {
  return new Map(text.trim().split('\n').map((l) => l.split('\t') as [string, string]));
}
/** Keys whose presence depends on traffic rather than role: per-learner queue summaries, per-namespace writes. */
const trafficKeys = (k: string) => /learner_handler_qp|_per_namespace/.test(k);

before(async () => {
  // Members 1 and 2 first, then 3 and the observer: 2 leads, as Apache elects for that order.
  const start = (f: Flavour, m: MemberSpec) => startMember(f, m, ensembles[f], { 'admin.enableServer': 'true', 'admin.serverAddress': m.host, 'admin.serverPort': 8080 });
  for (const group of [[0, 1], [2, 3]]) {
    for (const f of ['apache', 'ours'] as const) for (const i of group) members[f].push(await start(f, ensembles[f][i]!));
    for (const f of ['apache', 'ours'] as const) for (const i of group) assert.match(await srvrOnceServing(host(f, i + 1)), /Mode: /, `${f} member ${i + 1} serves`);
  }
  for (const f of ['apache', 'ours'] as const) {
    // The same five txns on both: a session, three creates of 10, 20, 30 bytes, its close.
    const c = await ZooKeeperClient.connect(`${host(f, 1)}:2181`, { sessionTimeout_ms: 8000 });
    for (let i = 0; i < 3; i++) await c.create(`/x${i}`, Buffer.alloc(10 * (i + 1)));
    await c.close();
  }
  // Every member applied the close.
  await new Promise((r) => setTimeout(r, 1000));
}, { timeout: 120_000 });

after(async () => {
  for (const m of [...members.apache, ...members.ours]) await m.stop();
});

const roles: Array<[myid: number, mode: string]> = [[1, 'follower'], [2, 'leader'], [3, 'follower'], [4, 'observer']];

test('srvr and stat in each role: the same lines as Apache, the leader adding "Proposal sizes last/min/max"', async () => {
  for (const [myid, mode] of roles) {
    for (const w of ['srvr', 'stat']) {
      const a = await word('apache', myid, w);
      const o = await word('ours', myid, w);
      const labels = (t: string) => t.split('\n').filter((l) => l && !l.startsWith(' /')).map((l) => l.split(':')[0]);
      assert.deepEqual(labels(o), labels(a), `${w} of member ${myid}`);
      for (const line of ['Mode', 'Zxid', 'Node count']) assert.equal(new RegExp(`^${line}: .*$`, 'm').exec(o)?.[0], new RegExp(`^${line}: .*$`, 'm').exec(a)?.[0]);
      assert.match(o, new RegExp(`^Mode: ${mode}$`, 'm'));
      const sizes = /^Proposal sizes last\/min\/max: (\d+)\/(\d+)\/(\d+)$/m;
      if (mode === 'leader') {
        for (const t of [a, o]) {
          const [, last, min, max] = sizes.exec(t)!.map(Number);
          assert.ok(min! <= last! && last! <= max! && min! > 0, t);
        }
      } else assert.doesNotMatch(o, /Proposal sizes/);
    }
  }
});

test('mntr in each role: Apache\'s keys, and its values for the ensemble\'s state and counters', async () => {
  const ensembleKeys = [
    'zk_server_state', 'zk_peer_state', 'zk_observer_master_id', 'zk_quorum_size', 'zk_learners', 'zk_synced_followers',
    'zk_synced_non_voting_followers', 'zk_synced_observers', 'zk_pending_syncs', 'zk_proposal_count', 'zk_commit_count',
    'zk_learner_proposal_received_count', 'zk_learner_commit_received_count',
  ];
  // How often a member looked, and so elected and synced, depends on when its peers came up: zero or not.
  const timesKeys = ['zk_looking_count', 'zk_cnt_election_time', 'zk_cnt_follower_sync_time', 'zk_cnt_observer_sync_time'];
  for (const [myid, mode] of roles) {
    const a = mntr(await word('apache', myid, 'mntr'));
    const o = mntr(await word('ours', myid, 'mntr'));
    assert.deepEqual([...o.keys()].filter((k) => !trafficKeys(k)).sort(), [...a.keys()].filter((k) => !trafficKeys(k)).sort(), `mntr keys of the ${mode} ${myid}`);
    for (const k of ensembleKeys) assert.equal(o.get(k), a.get(k), `${k} of the ${mode} ${myid}`);
    for (const k of timesKeys) assert.equal(o.get(k) === '0', a.get(k) === '0', `${k} of the ${mode} ${myid}: ${o.get(k)} here, ${a.get(k)} on Apache`);
    if (mode === 'leader') {
      for (const k of ['zk_leader_uptime', 'zk_last_proposal_size', 'zk_min_proposal_size', 'zk_max_proposal_size']) assert.match(o.get(k)!, /^[1-9]\d*$/, k);
    } else for (const k of ['zk_learners', 'zk_leader_uptime', 'zk_last_proposal_size']) assert.equal(o.has(k), false, `${k} on a ${mode}`);
  }
});

test('the admin commands that differ in an ensemble: leader, voting_view, observers, zabstate, is_read_only', async () => {
  for (const [myid, mode] of roles) {
    for (const c of ['leader', 'voting_view', 'is_read_only']) assert.deepEqual(await admin('ours', myid, c), await admin('apache', myid, c), `${c} on the ${mode} ${myid}`);
    // Jackson writes Apache's MultipleAddresses through getters that probe reachability: on a
    // busy machine an observer's come out as {} now and then. Where Apache's is {}, that
    // field is not compared.
    const [oz, az] = [await admin('ours', myid, 'zabstate'), await admin('apache', myid, 'zabstate')];
    for (const k of ['quorum_address', 'election_address']) {
      if (JSON.stringify(az[k]) === '{}') {
        delete az[k];
        delete oz[k];
      }
    }
    assert.deepEqual(oz, az, `zabstate on the ${mode} ${myid}`);
    const a = await admin('apache', myid, 'observers');
    const o = await admin('ours', myid, 'observers');
    assert.equal(o.synced_observers, a.synced_observers);
    const list = (r: Record<string, unknown>) => r.observers as Array<Record<string, unknown>>;
    assert.deepEqual(list(o).map((x) => Object.keys(x)), list(a).map((x) => Object.keys(x)));
    assert.deepEqual(list(o).map((x) => [x.sid, x.last_zxid]), list(a).map((x) => [x.sid, x.last_zxid]));
    for (const x of list(o)) assert.match(String(x.remote_socket_address), /^\/[\d.]+:\d+$/);
  }
});

/** `zkServer.sh status <cfg>` (Apache's) or `zookeeper-ts status <cfg>` (ours) on a member's zoo.cfg. */
function status(f: Flavour, m: Member) {
  const cfg = join(m.dir, 'zoo.cfg');
  const r =
    f === 'apache'
      ? spawnSync(ZK_SERVER_SH, ['status', cfg], { encoding: 'utf8' })
      : spawnSync(process.execPath, [BUNDLE, 'status', cfg], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  // Apache's JMX note on stderr is the JVM's; both say which config they read.
  assert.match(r.stderr, new RegExp(`^Using config: ${cfg}$`, 'm'));
  return { rc: r.status, stdout: same(r.stdout) };
}

test('zookeeper-ts status prints what zkServer.sh status prints in each role, with its exit code', () => {
  for (const [myid, mode] of roles) {
    const a = status('apache', members.apache[myid - 1]!);
    assert.deepEqual(status('ours', members.ours[myid - 1]!), a);
    assert.deepEqual(a, { rc: 0, stdout: `Client port found: 2181. Client address: 127.0.11.${myid}. Client SSL: false.\nMode: ${mode}\n` });
  }
});

test('one log line per role change, as Apache\'s: the election time for LEADING and FOLLOWING, the leader named for OBSERVING, the quorum of supporters', async () => {
  for (const f of ['apache', 'ours'] as const) {
    const [m1, m2, m3, m4] = members[f];
    for (const m of [m1!, m3!]) await m.waitForLog(/FOLLOWING - LEADER ELECTION TOOK - \d+ MS$/m, 1000);
    await m2!.waitForLog(/LEADING - LEADER ELECTION TOOK - \d+ MS$/m, 1000);
    await m2!.waitForLog(/Have quorum of supporters, sids: \[\[(\d+, )+\d+\]\]; starting up and setting last processed zxid: 0x100000000$/m, 1000);
    await m4!.waitForLog(new RegExp(`Observing new leader sid=2 addr=/${host(f, 2).replace(/\./g, '\\.')}:2888$`, 'm'), 1000);
    assert.doesNotMatch(m4!.log(), /OBSERVING - LEADER ELECTION TOOK/);
  }
});

test('while electing without a quorum, and when down: four-letter words, admin commands and status answer as Apache\'s', { timeout: 60_000 }, async () => {
  for (const f of ['apache', 'ours'] as const) for (const m of members[f].slice(1, 3)) await m.stop({ keepDir: true });
  // The survivors (member 1, the observer) notice the leader is gone and look for one.
  await new Promise((r) => setTimeout(r, 4000));
  for (const myid of [1, 4]) {
    for (const w of ['srvr', 'stat', 'mntr', 'ruok', 'isro']) assert.equal(await word('ours', myid, w), await word('apache', myid, w), `${w} on electing member ${myid}`);
    assert.equal(await word('ours', myid, 'srvr'), `${NOT_SERVING}\n`);
    for (const c of ['leader', 'voting_view', 'is_read_only', 'server_stats', 'zabstate']) {
      assert.deepEqual(await admin('ours', myid, c), await admin('apache', myid, c), `${c} on electing member ${myid}`);
    }
    const a = status('apache', members.apache[myid - 1]!);
    assert.deepEqual(a, { rc: 1, stdout: `Client port found: 2181. Client address: 127.0.11.${myid}. Client SSL: false.\nError contacting service. It is probably not running.\n` });
    assert.deepEqual(status('ours', members.ours[myid - 1]!), a);
  }
  // A member that is down.
  assert.deepEqual(status('ours', members.ours[1]!), status('apache', members.apache[1]!));
});
