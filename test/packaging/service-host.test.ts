// The .deb's service on a Debian 12 host booted with systemd (test/support/booted-host.ts),
// as an operator meets it: `systemctl restart` returns once the server serves and fails on a
// bad zoo.cfg or a taken port with the reason in `systemctl status`; `service zookeeper
// status` and the init script show the Mode; /etc/default/zookeeper's settings and -D
// options reach the server; the host_* gauges read from inside the unit; and after
// `apt remove` (not purge) the kept init script leaves the next boot clean.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ZooKeeperClient } from '../../src/client/zookeeper-client';
import { bootHost, removeNetwork, setUpNetwork, type BootedHost, type HostNetwork } from '../support/booted-host';
import { DEB, ensurePackages } from './support';

const NET: HostNetwork = { prefix: 'zks', subnet: '10.73.0' };
const ADDRESS = '10.73.0.11';
const SUPER_PASSWORD = 'from-the-env-file';
const SUPER_DIGEST = `super:${createHash('sha1').update(`super:${SUPER_PASSWORD}`).digest('base64')}`;
/** How long a restart may take on 2 loaded cores: the server serves in well under a second idle. */
const RESTART_BOUND_ms = 30_000;

let host: BootedHost;
before(async () => {
  ensurePackages();
  await setUpNetwork(NET);
  host = await bootHost(NET, { hostname: 'zk-svc01', address: ADDRESS });
  const install = await host.installDeb(DEB);
  assert.equal(install.code, 0, install.stdout + install.stderr);
});
after(() => removeNetwork(NET));

/** The running server's environment, one VAR=value a line. */
const serverEnviron = async () => (await host.check(['sh', '-c', 'tr "\\0" "\\n" < /proc/$(systemctl show -p MainPID --value zookeeper)/environ'])).stdout;
const status = () => host.run(['systemctl', 'status', '--no-pager', 'zookeeper']);
/** The Mode srvr gives right now, as zkServer.sh status prints it ('' when none). */
const mode = async () => (await host.run(['zookeeper-ts', 'status', '/etc/zookeeper/zoo.cfg'])).stdout.split('\n').find((l) => l.startsWith('Mode: ')) ?? '';

/**
 * systemctl restart, after reset-failed: the tests restart the unit more often than its
 * start limit (systemd's default, 5 starts in 10 s) allows on a fast machine, which would
 * refuse the start with "attempted too often" — a limit for crash loops, not for this.
 */
async function restartService(): Promise<void> {
  await host.check(['systemctl', 'reset-failed', 'zookeeper']);
  await host.check(['systemctl', 'restart', 'zookeeper'], { timeout_ms: RESTART_BOUND_ms });
}

test('systemctl restart returns once the server serves, and fails on a bad zoo.cfg with the error in systemctl status', async () => {
  const started = Date.now();
  const restart = await host.run(['systemctl', 'restart', 'zookeeper'], { timeout_ms: RESTART_BOUND_ms });
  assert.equal(restart.code, 0, restart.stderr);
  // At once, with no wait of the test's own: the server answers with its Mode.
  assert.equal(await mode(), 'Mode: standalone');
  // The unit's environment: glibc's malloc arenas capped (docs/benchmarks.md).
  assert.match(await serverEnviron(), /^MALLOC_ARENA_MAX=2$/m);
  console.log(`systemctl restart zookeeper: ${Date.now() - started} ms until it returned, serving`);

  await host.check(['cp', '/etc/zookeeper/zoo.cfg', '/root/zoo.cfg.good']);
  await host.check(['sh', '-c', 'echo tickTime=never >> /etc/zookeeper/zoo.cfg']);
  try {
    const bad = await host.run(['systemctl', 'restart', 'zookeeper'], { timeout_ms: RESTART_BOUND_ms });
    assert.notEqual(bad.code, 0, 'restart must fail on a bad zoo.cfg');
    assert.match(bad.stderr, /Job for zookeeper\.service failed/);
    const s = await status();
    assert.match(s.stdout, /Active: failed/);
    assert.match(s.stdout, /zoo\.cfg:\d+: tickTime must be a positive integer \(got "never"\)/);
  } finally {
    await host.check(['cp', '/root/zoo.cfg.good', '/etc/zookeeper/zoo.cfg']);
    await host.check(['systemctl', 'reset-failed', 'zookeeper']);
  }
  // The init script hands over to systemctl, so it fails alike on a port another program holds.
  await host.check([
    'sh',
    '-c',
    'mkdir -p /var/tmp/sq && printf "dataDir=/var/tmp/sq\\nclientPort=2181\\nadmin.enableServer=false\\n" > /var/tmp/sq/zoo.cfg && chown -R nobody /var/tmp/sq' +
      ' && systemctl stop zookeeper && systemd-run --unit=squatter --uid=nobody /usr/bin/zookeeper-ts server /var/tmp/sq/zoo.cfg',
  ]);
  try {
    // The squatter serves on 2181 (it answers srvr with a Mode too).
    for (let i = 0; i < 100 && (await mode()) === ''; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await mode(), 'Mode: standalone', 'the squatter serves');
    const taken = await host.run(['/etc/init.d/zookeeper', 'start'], { timeout_ms: RESTART_BOUND_ms });
    assert.notEqual(taken.code, 0, `start must fail on a taken port: ${taken.stdout}${taken.stderr}`);
    // (The journal rather than the status's last lines: this machine's cgroups make systemd
    // log four lines of its own about every failed start, and the unit retries the start.)
    assert.match((await host.check(['journalctl', '-u', 'zookeeper', '--no-pager', '-n', '200', '-o', 'cat'])).stdout, /0\.0\.0\.0:2181 is already in use/);
  } finally {
    await host.run(['systemctl', 'stop', 'squatter']);
    await host.check(['systemctl', 'reset-failed', 'zookeeper']);
  }
  assert.equal((await host.run(['/etc/init.d/zookeeper', 'start'], { timeout_ms: RESTART_BOUND_ms })).code, 0);
  assert.equal(await mode(), 'Mode: standalone');
});

test('service zookeeper status shows the Mode with the state; /etc/init.d/zookeeper status prints it as zkServer.sh', async () => {
  const service = await host.run(['service', 'zookeeper', 'status']);
  assert.equal(service.code, 0, service.stdout);
  assert.match(service.stdout, /Active: active \(running\)/);
  assert.match(service.stdout, /^\s+Status: "Mode: standalone"$/m);
  const script = await host.run(['/etc/init.d/zookeeper', 'status']);
  assert.equal(script.code, 0, script.stdout);
  assert.match(script.stdout, /Active: active \(running\)/);
  assert.match(script.stdout, /^Client port found: 2181\. Client address: localhost\. Client SSL: false\.\nMode: standalone$/m);
  await host.check(['systemctl', 'stop', 'zookeeper']);
  try {
    assert.equal((await host.run(['/etc/init.d/zookeeper', 'status'])).code, 3, 'LSB: not running');
  } finally {
    await host.check(['systemctl', 'start', 'zookeeper']);
  }
});

test('/etc/default/zookeeper is read under systemd: ZOO_LOG4J_PROP, and -Dzookeeper.* options as Apache reads them', async () => {
  await host.check(['cp', '/etc/default/zookeeper', '/root/default.orig']);
  await host.check([
    'sh',
    '-c',
    `printf '%s\\n' 'ZOO_LOG4J_PROP=WARN,CONSOLE' 'MALLOC_ARENA_MAX=4' 'SERVER_JVMFLAGS="-Xmx1g -Dzookeeper.DigestAuthenticationProvider.superDigest=${SUPER_DIGEST}"' >> /etc/default/zookeeper`,
  ]);
  try {
    await restartService();
    const invocation = (await host.check(['systemctl', 'show', '-p', 'InvocationID', '--value', 'zookeeper'])).stdout.trim();
    assert.match(await serverEnviron(), /^MALLOC_ARENA_MAX=4$/m, 'the env file overrides the unit');
    const zk = await ZooKeeperClient.connect(`${ADDRESS}:2181`);
    try {
      await zk.addAuth('digest', 'owner:pw');
      await zk.create('/env-file', Buffer.from('kept'), { acl: [{ perms: 31, id: { scheme: 'auth', id: '' } }] });
    } finally {
      await zk.close();
    }
    const other = await ZooKeeperClient.connect(`${ADDRESS}:2181`);
    try {
      await assert.rejects(other.getData('/env-file'), /NOAUTH|Not authenticated|-102/i);
      await other.addAuth('digest', `super:${SUPER_PASSWORD}`);
      assert.equal((await other.getData('/env-file')).data?.toString(), 'kept');
    } finally {
      await other.close();
    }
    // This start's lines only (the stop of the one before logs at INFO).
    const journal = (await host.check(['journalctl', `_SYSTEMD_INVOCATION_ID=${invocation}`, '--no-pager', '-o', 'cat'])).stdout;
    assert.match(journal, /WARN .*-Xmx1g ignored: JVM options mean nothing to zookeeper-ts/);
    assert.doesNotMatch(journal, / INFO  \[/, 'ZOO_LOG4J_PROP=WARN: no INFO lines');
  } finally {
    await host.check(['cp', '/root/default.orig', '/etc/default/zookeeper']);
    await restartService();
  }
});

test('host_cpu_usage_ratio and the other host_* gauges are read from inside the unit', async () => {
  await host.check(['sh', '-c', 'echo metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider >> /etc/zookeeper/zoo.cfg']);
  await restartService();
  // Bounded retries: the endpoint of a server still starting refuses a moment.
  const scrape = async () => {
    for (let i = 0; ; i++) {
      try {
        return await (await fetch(`http://${ADDRESS}:7000/metrics`)).text();
      } catch (e) {
        if (i >= 50) throw e;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  };
  const gauge = async (name: string) => {
    const text = await scrape();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line === undefined ? undefined : Number(line.split(' ')[1]);
  };
  // The ratio is of the time between two readings (one per second at most): a few scrapes.
  let cpu: number | undefined;
  for (let i = 0; i < 10 && !(cpu! > 0); i++) {
    cpu = await gauge('host_cpu_usage_ratio');
    await new Promise((r) => setTimeout(r, 1100));
  }
  assert.ok(cpu! > 0 && cpu! <= 1, `host_cpu_usage_ratio ${cpu}`);
  assert.ok((await gauge('host_memory_available_bytes'))! > 0);
  assert.ok((await gauge('host_datadir_filesystem_available_bytes'))! > 0);
  const security = await host.run(['systemd-analyze', 'security', '--no-pager', 'zookeeper.service']);
  const exposure = /Overall exposure level for zookeeper\.service: (\d+\.\d+)/.exec(security.stdout);
  console.log(`systemd-analyze security: ${exposure?.[0]}`);
  assert.ok(exposure && Number(exposure[1]) <= 2.0, security.stdout.slice(-400));
});

test('after apt remove (not purge) the kept init script exits 0, and the host boots without a failed unit', async () => {
  const removed = await host.run(['apt-get', 'remove', '-y', '-q', 'zookeeper-ts'], { timeout_ms: 180_000 });
  assert.equal(removed.code, 0, removed.stdout + removed.stderr);
  assert.equal((await host.run(['test', '-x', '/etc/init.d/zookeeper'])).code, 0, 'remove keeps the init script (a conffile)');
  await host.reboot();
  const state = await host.run(['systemctl', 'is-system-running', '--wait']);
  const failed = (await host.run(['systemctl', '--failed', '--no-legend', '--plain'])).stdout;
  assert.equal(state.stdout.trim(), 'running', `failed units: ${failed}`);
  assert.doesNotMatch(failed, /zookeeper/);
});
