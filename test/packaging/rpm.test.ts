// The .rpm: what it holds, its scripts and dependencies, rpmlint, and an install with
// `rpm --root` into a throwaway root (a Debian one: it has the sh, getent, groupadd and
// useradd the scripts use), then an erase.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { debianRoot, ensurePackages, REPO, RPM, sh, VERSION } from './support';

before(() => ensurePackages());

test('the .rpm holds the executable, config, unit, init script, directories, docs and monitoring files', () => {
  const files = sh('rpm', ['-qlp', RPM]).out.trim().split('\n').sort();
  assert.deepEqual(files, [
    '/etc/logrotate.d/zookeeper-ts',
    '/etc/rc.d/init.d/zookeeper',
    '/etc/sysconfig/zookeeper',
    '/etc/zookeeper',
    '/etc/zookeeper/zoo.cfg',
    '/usr/bin/zookeeper-ts',
    '/usr/lib/systemd/system/zookeeper.service',
    '/usr/share/doc/zookeeper-ts/README.md',
    '/usr/share/man/man1/zookeeper-ts.1.gz',
    '/usr/share/zookeeper-ts',
    '/usr/share/zookeeper-ts/bin',
    '/usr/share/zookeeper-ts/bin/wait-serving',
    '/usr/share/zookeeper-ts/bin/zkCleanup.sh',
    '/usr/share/zookeeper-ts/bin/zkCli.sh',
    '/usr/share/zookeeper-ts/bin/zkEnv.sh',
    '/usr/share/zookeeper-ts/bin/zkServer.sh',
    '/usr/share/zookeeper-ts/monitoring',
    '/usr/share/zookeeper-ts/monitoring/grafana-dashboard.json',
    '/usr/share/zookeeper-ts/monitoring/zookeeper-alerts.yml',
    '/var/lib/zookeeper',
    '/var/log/zookeeper',
  ]);
  const configs = sh('rpm', ['-qcp', RPM]).out.trim().split('\n').sort();
  assert.deepEqual(configs, ['/etc/logrotate.d/zookeeper-ts', '/etc/sysconfig/zookeeper', '/etc/zookeeper/zoo.cfg']);
  const owners = sh('rpm', ['-qp', '--qf', '[%{FILENAMES} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILEMODES:perms}\n]', RPM]).out;
  assert.match(owners, /^\/var\/lib\/zookeeper zookeeper:zookeeper drwxr-x---$/m);
  assert.match(owners, /^\/var\/log\/zookeeper zookeeper:zookeeper drwxr-x---$/m);
  assert.match(sh('rpm', ['-qp', '--qf', '%{NAME} %{VERSION} %{RELEASE} %{ARCH}', RPM]).out, new RegExp(`^zookeeper-ts ${VERSION} 1 x86_64$`));
});

test('it depends on glibc and libstdc++ only (and what its scripts run)', () => {
  const requires = sh('rpm', ['-qpR', RPM]).out.trim().split('\n').map((l) => l.trim());
  const libs = requires.filter((r) => r.includes('.so'));
  for (const r of libs) assert.match(r, /^(libc|libm|libdl|libpthread|libstdc\+\+|libgcc_s|ld-linux-x86-64)\.so/, r);
  assert.ok(libs.some((r) => r.startsWith('libstdc++.so.6')), 'libstdc++ found by rpmbuild');
  // glibc 2.28 at most: RHEL 8 and Debian 10 have it.
  const glibc = libs.flatMap((r) => /GLIBC_(\d+)\.(\d+)/.exec(r) ?? []).filter((_, i) => i % 3 === 2).map(Number);
  assert.ok(glibc.length > 0 && Math.max(...glibc) <= 28, `needs GLIBC_2.${Math.max(...glibc)}`);
  const others = new Set(requires.filter((r) => !r.includes('.so') && !/^(rpmlib|rtld|config)\(/.test(r)));
  // bash: Apache's zkServer.sh, zkCli.sh and zkCleanup.sh are bash scripts, and ours too.
  assert.deepEqual([...others].sort(), ['/bin/bash', '/bin/sh', 'shadow-utils']);
});

test("its scripts create the user and follow RHEL's systemd conventions: presets decide enablement", () => {
  const scripts = sh('rpm', ['-qp', '--scripts', RPM]).out;
  const scriptlet = (name: string) => new RegExp(`${name} scriptlet[^\\n]*\\n([\\s\\S]*?)(?=\\n\\w+ scriptlet|$)`).exec(scripts)?.[1] ?? '';
  assert.match(scriptlet('preinstall'), /useradd -r -g zookeeper/);
  // What %systemd_post, %systemd_preun and %systemd_postun_with_restart expand to on RHEL 8.
  assert.match(scriptlet('postinstall'), /if \[ \$1 -eq 1 \]; then[\s\S]*systemctl --no-reload preset zookeeper\.service/);
  assert.doesNotMatch(scriptlet('postinstall'), /systemctl (--\S+ )*(enable|start)/, 'enabling is for the presets');
  assert.match(scriptlet('postinstall'), /chkconfig --add zookeeper/);
  assert.match(scriptlet('preuninstall'), /if \[ \$1 -eq 0 \]; then[\s\S]*systemctl --no-reload disable --now zookeeper\.service/);
  assert.match(scriptlet('preuninstall'), /chkconfig --del zookeeper/);
  assert.match(scriptlet('postuninstall'), /if \[ \$1 -ge 1 \]; then[\s\S]*systemctl try-restart zookeeper\.service/);
  assert.match(sh('rpm', ['-qpi', RPM]).out, /Supported: distributions with glibc 2\.28 or later \(RHEL, Rocky and Alma 8\s+and 9; Debian 10 and later; Ubuntu 20\.04 and later\)/);
});

test('rpmlint finds nothing beyond the filtered, explained findings', () => {
  const { out } = sh('rpmlint', ['-r', join(REPO, 'packaging/rpm/rpmlintrc'), RPM], { allowFail: true });
  assert.match(out, /0 errors, 0 warnings/, out);
});

test('rpm --root installs it into a throwaway root, where it runs; rpm -e removes it', () => {
  const d = debianRoot();
  try {
    sh('rpm', ['--root', d.root, '--initdb']);
    // --nodeps: that root's rpm database knows none of the Debian packages that are there.
    sh('rpm', ['--root', d.root, '-i', '--nodeps', RPM]);
    assert.match(d.chroot(['getent', 'passwd', 'zookeeper']).out, /^zookeeper:x:\d+:\d+:.*:\/var\/lib\/zookeeper:\/sbin\/nologin$/m);
    assert.equal(d.chroot(['stat', '-c', '%U:%G %a', '/var/lib/zookeeper']).out.trim(), 'zookeeper:zookeeper 750');
    assert.match(d.chroot(['/usr/bin/zookeeper-ts', 'version']).out, new RegExp(`zookeeper-ts .*${VERSION.replaceAll('.', '\\.')}`));
    assert.match(sh('rpm', ['--root', d.root, '-q', 'zookeeper-ts']).out, new RegExp(`zookeeper-ts-${VERSION}-1\\.x86_64`));
    const erase = sh('rpm', ['--root', d.root, '-e', '--nodeps', 'zookeeper-ts']).out;
    assert.match(erase, /Kept: the data under \/var\/lib\/zookeeper/);
    assert.ok(!existsSync(join(d.root, 'usr/bin/zookeeper-ts')));
  } finally {
    d.dispose();
  }
});
