// test/support/booted-host.ts, which the Ansible tests (and the service tests) stand on: a
// booted host has systemd as PID 1, its own hostname, address and /etc/hosts, answers on
// its address from this machine, runs commands as root with their exit code and output,
// takes files and a .deb, survives a reboot with its files, and leaves nothing behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootHosts, removeNetwork, setUpNetwork, type BootedHost, type HostNetwork } from '../support/booted-host';

const NET: HostNetwork = { prefix: 'zka', subnet: '10.72.0' };
let hosts: BootedHost[] = [];
before(async () => {
  await setUpNetwork(NET);
  hosts = await bootHosts(NET, [
    { hostname: 'zk-bh01', address: '10.72.0.21' },
    { hostname: 'zk-bh02', address: '10.72.0.22' },
  ]);
});
after(() => removeNetwork(NET));

const tcpOpen = (host: string, port: number) =>
  new Promise<boolean>((done) => {
    const s = connect({ host, port }, () => { s.destroy(); done(true); });
    s.on('error', () => done(false));
  });

test('each host boots systemd as PID 1 with its hostname, address and every host in /etc/hosts', async () => {
  const [a, b] = hosts;
  assert.equal((await a.check('cat /proc/1/comm')).stdout.trim(), 'systemd');
  assert.match((await a.run(['systemctl', 'is-system-running'])).stdout, /^(running|degraded)$/m);
  assert.equal((await a.check('hostname')).stdout.trim(), 'zk-bh01');
  assert.match((await b.check('ip -4 -o addr show dev eth0')).stdout, /inet 10\.72\.0\.22\/24/);
  assert.equal((await a.check('getent hosts zk-bh02')).stdout.trim().split(/\s+/)[0], '10.72.0.22');
  // sshd listens on the host's address, reached from this machine over the bridge.
  assert.equal(await tcpOpen('10.72.0.21', 22), true);
  // The hosts reach each other: b's sshd from a (bash's /dev/tcp; no client installed).
  assert.equal((await a.run(['bash', '-c', 'exec 3<>/dev/tcp/zk-bh02/22 && head -c 4 <&3'])).stdout, 'SSH-');
});

test('run gives the exit code and both outputs; stdin, as root in a clean environment', async () => {
  const r = await hosts[0].run('echo out; echo err >&2; id -u; echo "${NODE_OPTIONS-unset}"; cat; exit 7', { input: 'typed' });
  assert.deepEqual(r, { code: 7, stdout: 'out\n0\nunset\ntyped', stderr: 'err\n' });
  await assert.rejects(hosts[0].check(['false']), /zk-bh01: false exited 1/);
});

test('copyIn and installDeb; a reboot keeps them, comes back with systemd running', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zka-deb-'));
  try {
    // The smallest real package: one file, built with dpkg-deb.
    mkdirSync(join(dir, 'pkg/DEBIAN'), { recursive: true });
    mkdirSync(join(dir, 'pkg/usr/share/zka-probe'), { recursive: true });
    writeFileSync(join(dir, 'pkg/DEBIAN/control'), 'Package: zka-probe\nVersion: 1.2-3\nArchitecture: all\nMaintainer: t <t@example.org>\nDescription: probe\n');
    writeFileSync(join(dir, 'pkg/usr/share/zka-probe/hello'), 'hello\n');
    execFileSync('dpkg-deb', ['--root-owner-group', '--build', join(dir, 'pkg'), join(dir, 'zka-probe.deb')]);
    writeFileSync(join(dir, 'secret'), 's3cret\n');

    const h = hosts[1];
    await h.copyIn(join(dir, 'secret'), '/etc/zka/secret', 0o600);
    assert.equal((await h.check('stat -c "%a %U" /etc/zka/secret; cat /etc/zka/secret')).stdout, '600 root\ns3cret\n');
    const installed = await h.installDeb(join(dir, 'zka-probe.deb'));
    assert.equal(installed.code, 0, installed.stdout + installed.stderr);
    assert.equal((await h.check("dpkg-query -W -f '${Version}' zka-probe")).stdout, '1.2-3');

    // The kernel is this machine's, so its monotonic clock goes on: a new boot reaches
    // multi-user.target at a later monotonic time.
    const reached = async () => Number((await h.check('systemctl show -p ActiveEnterTimestampMonotonic --value multi-user.target')).stdout);
    const first = await reached();
    await h.reboot();
    assert.ok((await reached()) > first, 'multi-user.target reached again after the reboot');
    assert.match((await h.run(['systemctl', 'is-system-running'])).stdout, /^(running|degraded)$/m);
    assert.match(h.console(), /Reached target.*Multi-User System/);
    assert.equal((await h.check('cat /etc/zka/secret /usr/share/zka-probe/hello')).stdout, 's3cret\nhello\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('remove leaves no namespace, link, mount or directory behind', async () => {
  const h = hosts[0];
  await h.remove();
  hosts = hosts.slice(1);
  assert.equal(existsSync(h.netns), false);
  assert.doesNotMatch(execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }), /zka-v21/);
  assert.doesNotMatch(readFileSync('/proc/mounts', 'utf8'), /zka-host-zk-bh01/);
  assert.equal(existsSync('/tmp/zka-host-zk-bh01'), false);
  assert.equal(await tcpOpen('10.72.0.21', 22), false);
});
