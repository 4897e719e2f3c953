// dist/zookeeper-ts is one file that needs no Node.js and nothing beside it: copied alone
// into an empty directory and run with a PATH that holds no node, it prints its version
// and serves clients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZooKeeperClient } from '../../src/client/zookeeper-client';
import { fourLetterWord } from '../support/servers';
import { EXE, ensurePackages, REPO, VERSION } from './support';

const HOST = '127.0.0.72';

test('the executable runs alone, without node on PATH: version, then a server that serves', async () => {
  ensurePackages();
  const dir = mkdtempSync(join(tmpdir(), 'zk-exe-'));
  try {
    copyFileSync(EXE, join(dir, 'zookeeper-ts'));
    spawnSync('chmod', ['755', join(dir, 'zookeeper-ts')]);
    // Only the directory itself on PATH: no node, no shell tools.
    const env = { PATH: dir, HOME: dir };
    assert.notEqual(spawnSync('node', ['--version'], { env }).status, 0, 'node must not be reachable');
    const version = spawnSync(join(dir, 'zookeeper-ts'), ['version'], { env, cwd: dir, encoding: 'utf8' });
    assert.equal(version.status, 0, version.stderr);
    assert.match(version.stdout, new RegExp(`^zookeeper-ts 3\\.8\\.0-zookeeper-ts-${VERSION.replaceAll('.', '\\.')}`));

    // The AdminServer and Prometheus too: their libraries must be inside the executable.
    writeFileSync(
      join(dir, 'zoo.cfg'),
      [
        `dataDir=${join(dir, 'data')}`,
        'clientPort=2181',
        `clientPortAddress=${HOST}`,
        `admin.serverAddress=${HOST}`,
        'admin.serverPort=8080',
        'metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider',
        `metricsProvider.httpHost=${HOST}`,
        'metricsProvider.httpPort=7000',
      ].join('\n') + '\n',
    );
    const server = spawn(join(dir, 'zookeeper-ts'), ['server', join(dir, 'zoo.cfg')], { env, cwd: dir, stdio: 'ignore' });
    try {
      let srvr = '';
      for (let i = 0; i < 100 && !srvr.includes('Mode: standalone'); i++) {
        srvr = await fourLetterWord(HOST, 2181, 'srvr', 1000).catch(() => '');
        if (!srvr) await new Promise((r) => setTimeout(r, 100));
      }
      assert.match(srvr, /Mode: standalone/);
      const zk = await ZooKeeperClient.connect(`${HOST}:2181`);
      await zk.create('/alone', Buffer.from('yes'));
      assert.equal((await zk.getData('/alone')).data?.toString(), 'yes');
      await zk.close();
      const monitor = (await (await fetch(`http://${HOST}:8080/commands/monitor`)).json()) as Record<string, unknown>;
      assert.equal(monitor.znode_count, 6);
      const metrics = await (await fetch(`http://${HOST}:7000/metrics`)).text();
      assert.match(metrics, /^znode_count 6$/m);
      // No shell tools on PATH: host facts are missing, and the server says so instead of failing.
      const envi = (await (await fetch(`http://${HOST}:8080/commands/environment`)).json()) as Record<string, unknown>;
      assert.equal(envi.error, null);
    } finally {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the bundle inside the executable is ASCII, so V8 holds its source at one byte per char', () => {
  // One char past Latin-1 anywhere (a comment, a library's regex) makes V8 keep all 2.4 MB
  // of the running script as two bytes per char: 2.4 MB more RSS in every server.
  const bundle = readFileSync(join(REPO, 'dist/zookeeper-ts.cjs'));
  const at = bundle.findIndex((byte) => byte > 0x7f);
  assert.equal(at, -1, `a byte past ASCII at offset ${at}: ${bundle.subarray(Math.max(0, at - 40), at + 20).toString('utf8')}`);
});
