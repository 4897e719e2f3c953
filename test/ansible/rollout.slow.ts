// The Ansible roles end to end on three booted Debian 12 hosts zk-kfk01..03 (systemd as
// PID 1, each in its own network namespace, reached with ssh as a sudo user): a wrong
// variable touches no host; site.yml brings an ensemble up from nothing and a second run
// changes nothing; a changed variable (the handlers), rolling-restart.yml and upgrade.yml
// (to a rebuilt package with a higher version) each restart one member at a time under
// continuous client load: no acknowledged write lost, the session kept, never two members
// down, the leader last. `npm run test:ansible` (several minutes: not in npm test).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ZooKeeperClient } from '../../src/client/zookeeper-client';
import { removeNetwork, setUpNetwork } from '../support/booted-host';
import { fourLetterWord } from '../support/servers';
import { bootFleet, MEMBERS, NET, playbook, REPO, startLoad, watchMembers, type Fleet, type PlaybookRun } from './support';

const VERSION: string = JSON.parse(spawnSync('node', ['-p', 'JSON.stringify(require("./package.json").version)'], { cwd: REPO, encoding: 'utf8' }).stdout);
const UPGRADE_VERSION = `${VERSION}+upgrade1`;
const DEB = join(REPO, `dist/zookeeper-ts_${VERSION}_amd64.deb`);
const UPGRADE_DEB = join(REPO, `dist/zookeeper-ts_${UPGRADE_VERSION}_amd64.deb`);
const EXE = join(REPO, 'dist/zookeeper-ts');

let fleet: Fleet;
before(async () => {
  // The packages of this build (the .deb alone: the hosts are Debian), and the upgrade's.
  if (!existsSync(EXE)) run('node', [join(REPO, 'scripts/build.mjs')]);
  const fresh = (f: string) => existsSync(f) && statSync(f).mtimeMs >= statSync(EXE).mtimeMs;
  const env = (v: string) => ({ ...process.env, ZK_PACKAGE_ONLY: 'deb', ZK_PACKAGE_VERSION: v });
  if (!fresh(DEB)) run('bash', [join(REPO, 'scripts/package.sh'), '--no-build'], env(VERSION));
  if (!fresh(UPGRADE_DEB)) run('bash', [join(REPO, 'scripts/package.sh'), '--no-build'], env(UPGRADE_VERSION));
  await setUpNetwork(NET);
  fleet = await bootFleet(`/tmp/${NET.prefix}-ansible-test`);
});
after(() => removeNetwork(NET));

const inventory = (groupVars: Record<string, string> = {}) =>
  fleet.inventory('inventory', (m) => ({ zookeeper_id: m.id }), { zookeeper_package_file: DEB, ...groupVars });
const ok = (r: PlaybookRun) => {
  assert.equal(r.code, 0, r.output);
  for (const m of MEMBERS) assert.equal(r.recap[m.hostname]?.failed, 0, r.output);
};
const modes = async () => Object.fromEntries(await Promise.all(MEMBERS.map(async (m) =>
  [m.hostname, /^Mode: (\w+)$/m.exec(await fourLetterWord(m.address, 2181, 'srvr').catch(() => ''))?.[1] ?? ''])));
const sshLogins = async () => Promise.all(fleet.hosts.map(async (h) =>
  (await h.run('journalctl --unit ssh.service --no-pager --output cat | grep -c "Accepted publickey for ops" || true')).stdout.trim()));

test('a wrong variable fails before any host is touched: no ssh login on any host', async () => {
  const before = await sshLogins();
  const inv = fleet.inventory('bad-inventory', (m) => ({ zookeeper_id: m.id === 3 ? 1 : m.id }), { zookeeper_package_file: DEB });
  const r = await playbook(fleet, inv, 'site.yml');
  assert.notEqual(r.code, 0, r.output);
  assert.match(r.output, /zk-kfk03: zookeeper_id 1 is also the zookeeper_id of\s+zk-kfk01/, r.output);
  assert.deepEqual(await sshLogins(), before);
  for (const h of fleet.hosts) assert.equal((await h.run('test -e /etc/zookeeper')).code, 1, `${h.hostname} has /etc/zookeeper`);
});

test('site.yml from nothing: one leader and two followers, a write on one read on the others', async () => {
  ok(await playbook(fleet, inventory(), 'site.yml'));
  const seen: string[] = [];
  for (const h of fleet.hosts) {
    const status = await h.check('zookeeper-ts status');
    const mode = /^Mode: (leader|follower)$/m.exec(status.stdout)?.[1];
    assert.ok(mode, `${h.hostname}: ${status.stdout}`);
    seen.push(mode);
    // The operator's view: service status says the unit runs and, as zkServer.sh status
    // does, the member's Mode (the unit's status text, which the server keeps current).
    const service = (await h.run('service zookeeper status')).stdout;
    assert.match(service, /Active: active \(running\)/);
    assert.match(service, new RegExp(`^\\s+Status: "Mode: ${mode}"$`, 'm'), `${h.hostname}: ${service}`);
    assert.equal((await h.check('systemctl is-enabled zookeeper.service')).stdout.trim(), 'enabled');
    assert.equal((await h.check('cat /var/lib/zookeeper/myid')).stdout.trim(), `${MEMBERS.find((m) => m.hostname === h.hostname)!.id}`);
    const cfg = (await h.check('cat /etc/zookeeper/zoo.cfg')).stdout;
    assert.deepEqual(cfg.split('\n').filter((l) => l.startsWith('server.')), ['server.1=zk-kfk01:2888:3888', 'server.2=zk-kfk02:2888:3888', 'server.3=zk-kfk03:2888:3888']);
  }
  assert.deepEqual(seen.sort(), ['follower', 'follower', 'leader']);

  const writer = await ZooKeeperClient.connect(`${MEMBERS[0].address}:2181`);
  await writer.create('/written-on-kfk01', Buffer.from('hello'));
  await writer.close();
  for (const m of MEMBERS.slice(1)) {
    const reader = await ZooKeeperClient.connect(`${m.address}:2181`);
    await reader.sync('/written-on-kfk01');
    assert.equal((await reader.getData('/written-on-kfk01')).data?.toString(), 'hello', m.hostname);
    await reader.close();
  }
});

test('site.yml again: changed=0 on every host', async () => {
  const r = await playbook(fleet, inventory(), 'site.yml');
  ok(r);
  for (const m of MEMBERS) assert.equal(r.recap[m.hostname]?.changed, 0, r.output);
});

/** Runs a playbook under load and the watch; checks the one-at-a-time restart and the load's writes and session. */
async function underLoad(file: string, inv: string, args: string[] = []): Promise<PlaybookRun> {
  const before = await modes();
  const leader = Object.entries(before).find(([, mode]) => mode === 'leader')?.[0];
  assert.ok(leader, `no leader before ${file}: ${JSON.stringify(before)}`);
  const load = await startLoad();
  const watch = watchMembers();
  const r = await playbook(fleet, inv, file, args);
  const seen = await watch.stop();
  const done = await load.stop();
  // For a failure's post-mortem: the play, the watch, and each member's service starts and stops.
  const journals = await Promise.all(fleet.hosts.map(async (h) => `== ${h.hostname}\n` +
    (await h.run('journalctl --unit zookeeper.service --no-pager -o short-iso | grep -E "systemd\\[1\\]|LEADING|FOLLOWING"')).stdout));
  writeFileSync(join(fleet.dir, `${file}-${Date.now()}.log`), `${r.output}\n${JSON.stringify(seen)}\nacks=${done.acks.length} unknown=${done.unknown}\n${journals.join('')}\n${done.output}`);
  ok(r);
  // Never two members down; each restarted once; the leader of before the play last.
  assert.ok(seen.maxDown <= 1, `two members down at once: ${JSON.stringify(seen.downs)}`);
  for (const m of MEMBERS) assert.equal(seen.downs[m.hostname].length, 1, `${m.hostname} down ${JSON.stringify(seen.downs[m.hostname])} (${seen.rounds} rounds)`);
  const othersEnd = Math.max(...MEMBERS.filter((m) => m.hostname !== leader).map((m) => seen.downs[m.hostname][0].to));
  assert.ok(seen.downs[leader][0].from > othersEnd, `the leader ${leader} was not last: ${JSON.stringify(seen.downs)}`);
  // The session kept, its ephemeral there, no expiry; every acknowledged create on every member.
  assert.ok(done.acks.length > 0, done.output);
  assert.equal(done.endSession, done.session, done.output);
  assert.equal(done.ephemeral, true, done.output);
  assert.ok(!done.states.includes('LOST') && !done.states.includes('EXPIRED'), done.output);
  for (const m of MEMBERS) {
    const c = await ZooKeeperClient.connect(`${m.address}:2181`);
    await c.sync('/load');
    const children = new Set(await c.getChildren('/load'));
    await c.close();
    const lost = done.acks.filter((p) => !children.has(p.slice('/load/'.length)));
    assert.deepEqual(lost, [], `${m.hostname} lacks acknowledged writes`);
  }
  const after = await modes();
  assert.deepEqual(Object.values(after).sort(), ['follower', 'follower', 'leader'], JSON.stringify(after));
  return r;
}

test('a changed variable restarts the members through the handlers, one at a time, under load', async () => {
  const inv = inventory({ zookeeper_max_client_cnxns: '100' });
  const r = await underLoad('site.yml', inv);
  for (const m of MEMBERS) assert.ok((r.recap[m.hostname]?.changed ?? 0) > 0, r.output);
  for (const h of fleet.hosts) assert.match((await h.check('cat /etc/zookeeper/zoo.cfg')).stdout, /^maxClientCnxns=100$/m);
});

test('rolling-restart.yml under load: one member at a time, followers first, the leader last', async () => {
  await underLoad('rolling-restart.yml', inventory({ zookeeper_max_client_cnxns: '100' }));
});

test('upgrade.yml to a higher version under load: one member at a time, the leader last', async () => {
  await underLoad('upgrade.yml', inventory({ zookeeper_max_client_cnxns: '100' }), ['-e', `zookeeper_package_file=${UPGRADE_DEB}`]);
  for (const h of fleet.hosts) {
    assert.equal((await h.check("dpkg-query -W -f '${Version}' zookeeper-ts")).stdout, UPGRADE_VERSION, h.hostname);
  }
});

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  const r = spawnSync(cmd, args, { cwd: REPO, env, encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stdout}${r.stderr}`);
}
