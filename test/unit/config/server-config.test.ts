// zoo.cfg as ZooKeeper reads it: Java properties syntax, ZooKeeper's defaults, server.N
// lines and myid; a bad value names the file, line, key and what is allowed, and the
// server then exits non-zero before it writes anything to dataDir.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig } from '../../../src/config/server-config';

const BUNDLE = resolve(import.meta.dirname, '../../../dist/zookeeper-ts.cjs');

function withCfg(text: string, run: (file: string, dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'zk-cfg-'));
  try {
    const file = join(dir, 'zoo.cfg');
    writeFileSync(file, text.replaceAll('$DIR', dir));
    run(file, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('Java properties syntax: # and ! comments, trimmed values, ZooKeeper defaults', () => {
  withCfg('# comment\n! also a comment\n  tickTime = 3000  \ndataDir=$DIR/data\nclientPort=2181\n', (file, dir) => {
    const c = loadConfig(file);
    assert.equal(c.tickTime, 3000);
    assert.equal(c.dataDir, join(dir, 'data'));
    assert.equal(c.dataLogDir, join(dir, 'data'), 'dataLogDir defaults to dataDir');
    assert.equal(c.clientPort, 2181);
    assert.equal(c.minSessionTimeout, 6000, 'minSessionTimeout defaults to 2 ticks');
    assert.equal(c.maxSessionTimeout, 60000, 'maxSessionTimeout defaults to 20 ticks');
    assert.equal(c.maxClientCnxns, 60);
    assert.equal(c.globalOutstandingLimit, 1000);
    assert.equal(c.juteMaxBuffer, 0xfffff);
    assert.equal(c.snapCount, 100000);
    assert.equal(c.preAllocSize, 65536);
    assert.equal(c.autopurgeSnapRetainCount, 3);
    assert.equal(c.autopurgePurgeInterval, 0);
    assert.deepEqual(c.fourLetterWordsWhitelist, ['srvr']);
    assert.equal(c.adminServerPort, 8080);
  });
});

test('server.N lines and myid', () => {
  withCfg('initLimit=10\nsyncLimit=5\ndataDir=$DIR\nserver.1=zk-kfk01:2888:3888\nserver.2=zk-kfk02:2888:3888:participant;2181\nserver.3=zk-kfk03:2888:3888:observer;0.0.0.0:2182\n', (file, dir) => {
    writeFileSync(join(dir, 'myid'), '2\n');
    const c = loadConfig(file);
    assert.equal(c.serverId, 2);
    assert.deepEqual(
      c.servers.map((s) => [s.id, s.addresses[0]!.host, s.addresses[0]!.quorumPort, s.addresses[0]!.electionPort, s.type]),
      [
        [1, 'zk-kfk01', 2888, 3888, 'participant'],
        [2, 'zk-kfk02', 2888, 3888, 'participant'],
        [3, 'zk-kfk03', 2888, 3888, 'observer'],
      ],
    );
  });
});

test('an unknown key is a warning naming the file and line, as ZooKeeper', () => {
  withCfg('dataDir=$DIR\nnoSuchKey=1\nclientPort=2181\n', (file) => {
    assert.deepEqual(loadConfig(file).warnings, [`${file}:2: unknown key noSuchKey, ignored`]);
  });
});

for (const [line, key, allowed] of [
  ['tickTime=abc', 'tickTime', /whole number|integer/],
  ['clientPort=70000', 'clientPort', /port|65535/],
  ['maxClientCnxns=-1', 'maxClientCnxns', /an integer >= 0/],
  ['standaloneEnabled=maybe', 'standaloneEnabled', /true or false/],
  ['syncEnabled=yes', 'syncEnabled', /true or false/],
  ['admin.serverPort=http', 'admin.serverPort', /port number/],
  ['metricsProvider.className=com.example.Metrics', 'metricsProvider.className', /one of .*DefaultMetricsProvider, .*PrometheusMetricsProvider/],
  ['metricsProvider.httpPort=99999', 'metricsProvider.httpPort', /port number/],
  ['server.1=hostonly', 'server.1', /host:quorumPort:electionPort/],
] as const) {
  test(`a bad value (${line}) names file, line, key and what is allowed, and the server exits before touching dataDir`, () => {
    withCfg(`dataDir=$DIR/data\nclientPort=2181\n${line}\n`, (file, dir) => {
      assert.throws(
        () => loadConfig(file),
        (e: unknown) => e instanceof ConfigError && e.message.startsWith(`${file}:3: ${key} `) && allowed.test(e.message),
      );
      const run = spawnSync(process.execPath, [BUNDLE, 'server', file], { encoding: 'utf8', timeout: 20_000 });
      assert.equal(run.status, 2, run.stderr);
      assert.match(run.stderr, new RegExp(`${file.replaceAll('.', '\\.')}:3: ${key.replaceAll('.', '\\.')} `));
      assert.ok(!existsSync(join(dir, 'data')), 'nothing is written to dataDir');
    });
  });
}
