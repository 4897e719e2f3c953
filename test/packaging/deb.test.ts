// The .deb, end to end in a throwaway Debian 12 root: lintian has nothing to say; apt
// installs it (user, directories, rc.d links, the systemd unit enabled); the SysV script
// starts a server a client can use and `service zookeeper status` says Mode: standalone;
// an upgrade restarts it keeping the edited zoo.cfg and the data; remove stops it; purge
// removes what the package made except the data, and says so.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ZooKeeperClient } from '../../src/client/zookeeper-client';
import { debianRoot, DEB, ensurePackages, REPO, sh, VERSION } from './support';

const HOST = '127.0.0.71';
const UPGRADE_VERSION = `${VERSION}+upgrade1`;
const UPGRADE_DEB = join(REPO, `dist/zookeeper-ts_${UPGRADE_VERSION}_amd64.deb`);

let d: ReturnType<typeof debianRoot>;
before(() => {
  ensurePackages();
  sh('bash', [join(REPO, 'scripts/package.sh'), '--no-build'], { env: { ...process.env, ZK_PACKAGE_VERSION: UPGRADE_VERSION, ZK_PACKAGE_ONLY: 'deb' } });
  d = debianRoot();
});
after(() => d?.dispose());

const allowServices = (yes: boolean) => writeFileSync(join(d.root, 'usr/sbin/policy-rc.d'), `#!/bin/sh\nexit ${yes ? 0 : 101}\n`, { mode: 0o755 });
/** Running, and not a zombie waiting for its new parent to reap it. */
const isRunning = (p: string) => existsSync(`/proc/${p}/status`) && !/^State:\s*Z/m.test(readFileSync(`/proc/${p}/status`, 'utf8'));
const pid = () => readFileSync(join(d.root, 'run/zookeeper/zookeeper.pid'), 'utf8').trim();

test('lintian reports no errors and no warnings', () => {
  const { out } = sh('lintian', ['--fail-on', 'error,warning', DEB], { allowFail: false });
  assert.doesNotMatch(out, /^[EW]: /m, out);
});

test('apt installs it: the zookeeper user, its directories, rc.d links and the enabled unit', () => {
  copyFileSync(DEB, join(d.root, 'tmp/zk.deb'));
  allowServices(false);
  d.chroot(['apt-get', 'install', '-y', '-q', '/tmp/zk.deb']);
  assert.match(d.chroot(['getent', 'passwd', 'zookeeper']).out, /^zookeeper:x:\d+:\d+:.*:\/var\/lib\/zookeeper:\/usr\/sbin\/nologin$/m);
  for (const dir of ['var/lib/zookeeper', 'var/log/zookeeper']) {
    const owner = d.chroot(['stat', '-c', '%U:%G %a', `/${dir}`]).out.trim();
    assert.equal(owner, 'zookeeper:zookeeper 750', dir);
  }
  assert.equal(readlinkSync(join(d.root, 'etc/rc2.d/S01zookeeper')), '../init.d/zookeeper');
  assert.equal(readlinkSync(join(d.root, 'etc/systemd/system/multi-user.target.wants/zookeeper.service')), '/lib/systemd/system/zookeeper.service');
  assert.match(readFileSync(join(d.root, 'etc/init.d/zookeeper'), 'utf8'), /^# chkconfig: 2345 20 90$/m);
  assert.ok(statSync(join(d.root, 'usr/bin/zookeeper-ts')).mode & 0o111);
  // The unit as installed: systemd's own checker has nothing to say about it.
  const verify = d.chroot(['systemd-analyze', 'verify', '/lib/systemd/system/zookeeper.service'], true);
  assert.equal(verify.out.trim(), '', verify.out);
});

test('/etc/init.d/zookeeper starts a server a client uses; service status says Mode: standalone', async () => {
  const cfg = join(d.root, 'etc/zookeeper/zoo.cfg');
  writeFileSync(cfg, readFileSync(cfg, 'utf8').replace(/^#clientPortAddress=.*$/m, `clientPortAddress=${HOST}`));
  const start = d.chroot(['/etc/init.d/zookeeper', 'start']);
  assert.match(start.out, /started \(pid \d+\)/);
  const zk = await ZooKeeperClient.connect(`${HOST}:2181`);
  await zk.create('/kept', Buffer.from('across the upgrade'));
  await zk.close();
  const status = d.chroot(['service', 'zookeeper', 'status']);
  assert.match(status.out, /^Mode: standalone$/m);
  assert.match(status.out, /Client port found: 2181\. Client address: 127\.0\.0\.71\./);
  // The init script's environment: glibc's malloc arenas capped (docs/benchmarks.md).
  assert.match(readFileSync(`/proc/${pid()}/environ`, 'utf8'), /(^|\0)MALLOC_ARENA_MAX=2\0/);
  // The server runs as the zookeeper user.
  const uid = d.chroot(['id', '-u', 'zookeeper']).out.trim();
  assert.equal(sh('ps', ['-o', 'uid=', '-p', pid()]).out.trim(), uid);
  // The shipped zoo.cfg moves the AdminServer to 8888.
  const ruok = (await (await fetch('http://127.0.0.1:8888/commands/ruok')).json()) as Record<string, unknown>;
  assert.deepEqual(ruok, { command: 'ruok', error: null });
  // The init script's log: one event per line, time, level and component.
  const log = readFileSync(join(d.root, 'var/log/zookeeper/zookeeper.log'), 'utf8');
  assert.match(log, /^\S+Z INFO  \[server\] binding to port 127\.0\.0\.71:2181/m);
  assert.ok(existsSync(join(d.root, 'usr/share/zookeeper-ts/monitoring/zookeeper-alerts.yml')));
  // Apache's scripts, where Apache's Debian package has its own, working on the package's zoo.cfg.
  const zkStatus = d.chroot(['/usr/share/zookeeper-ts/bin/zkServer.sh', 'status'], true);
  assert.deepEqual(zkStatus, { code: 0, out: `Client port found: 2181. Client address: ${HOST}. Client SSL: false.\nMode: standalone\nUsing config: /etc/zookeeper/zoo.cfg\n` });
});

test('an upgrade restarts the service, keeps the edited zoo.cfg and the data', async () => {
  const before = pid();
  copyFileSync(UPGRADE_DEB, join(d.root, 'tmp/zk-upgrade.deb'));
  allowServices(true);
  const out = d.chroot(['apt-get', 'install', '-y', '-q', '/tmp/zk-upgrade.deb']).out;
  assert.match(out, /Stopping zookeeper: stopped/);
  assert.match(out, /Starting zookeeper: started/);
  assert.notEqual(pid(), before, 'the server was restarted');
  assert.match(d.chroot(['dpkg-query', '-W', 'zookeeper-ts']).out, new RegExp(`zookeeper-ts\\s+${UPGRADE_VERSION.replace('+', '\\+')}`));
  assert.match(readFileSync(join(d.root, 'etc/zookeeper/zoo.cfg'), 'utf8'), new RegExp(`^clientPortAddress=${HOST}$`, 'm'));
  const zk = await ZooKeeperClient.connect(`${HOST}:2181`);
  const { data } = await zk.getData('/kept');
  await zk.close();
  assert.equal(data?.toString(), 'across the upgrade');
});

test('remove stops the service; purge removes what the package made but the data, and says so', () => {
  const running = pid();
  d.chroot(['apt-get', 'remove', '-y', '-q', 'zookeeper-ts']);
  assert.ok(!isRunning(running), 'the server was stopped');
  assert.ok(!existsSync(join(d.root, 'usr/bin/zookeeper-ts')));
  assert.ok(existsSync(join(d.root, 'etc/zookeeper/zoo.cfg')), 'remove keeps the conffiles');
  // The kept init script, as at the next boot: success and silence (Debian policy 9.3.2),
  // and status says not running (LSB's 3).
  for (const action of ['start', 'stop', 'restart']) {
    assert.deepEqual(d.chroot(['/etc/init.d/zookeeper', action], true), { code: 0, out: '' }, action);
  }
  assert.equal(d.chroot(['/etc/init.d/zookeeper', 'status'], true).code, 3);
  const purge = d.chroot(['apt-get', 'purge', '-y', '-q', 'zookeeper-ts']).out;
  assert.match(purge, /Kept: the data under \/var\/lib\/zookeeper/);
  for (const gone of ['etc/zookeeper', 'var/log/zookeeper', 'etc/rc2.d/S01zookeeper', 'etc/init.d/zookeeper']) {
    assert.ok(!existsSync(join(d.root, gone)), `${gone} is gone after purge`);
  }
  assert.ok(existsSync(join(d.root, 'var/lib/zookeeper/version-2')), 'the data is kept');
});
