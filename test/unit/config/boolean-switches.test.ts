// Each on/off switch of zoo.cfg read by the rule Apache ZooKeeper 3.8 reads it with
// (QuorumPeerConfig's true/false, Boolean.parseBoolean, "yes".equals, !"false".equals), keys
// with a zookeeper. prefix ignored as Apache ignores them, superDigest under Apache's
// spelling, and clientPort=0 refused as "not set".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfig, type ServerConfig } from '../../../src/config/server-config';

const FILE = '/etc/zookeeper/zoo.cfg';
const parse = (lines: string): ServerConfig => parseConfig(`dataDir=/tmp/zk-unit\nclientPort=2181\n${lines}\n`, FILE);

const cases: [line: string, field: keyof ServerConfig, expected: boolean][] = [
  // ZooKeeperServer: skipACL = "yes".equals(System.getProperty("zookeeper.skipACL", "no"))
  ['skipACL=yes', 'skipACL', true],
  ['skipACL=YES', 'skipACL', false],
  ['skipACL=true', 'skipACL', false],
  ['skipACL=no', 'skipACL', false],
  // the prefixed key becomes zookeeper.zookeeper.skipACL in Apache: read by nobody
  ['zookeeper.skipACL=yes', 'skipACL', false],
  // AdminServerFactory: !"false".equals(System.getProperty("zookeeper.admin.enableServer"))
  ['admin.enableServer=false', 'adminEnableServer', false],
  ['admin.enableServer=FALSE', 'adminEnableServer', true],
  ['admin.enableServer=no', 'adminEnableServer', true],
  ['admin.enableServer=true', 'adminEnableServer', true],
  // EphemeralType: Boolean.getBoolean("zookeeper.extendedTypesEnabled")
  ['extendedTypesEnabled=TRUE', 'extendedTypesEnabled', true],
  ['extendedTypesEnabled=yes', 'extendedTypesEnabled', false],
  ['zookeeper.extendedTypesEnabled=true', 'extendedTypesEnabled', false],
  // ZooKeeperServer: Boolean.parseBoolean(System.getProperty("zookeeper.enforceQuota", "false"))
  ['enforceQuota=True', 'enforceQuota', true],
  ['enforceQuota=yes', 'enforceQuota', false],
  ['zookeeper.enforceQuota=true', 'enforceQuota', false],
  // PrometheusMetricsProvider: Boolean.parseBoolean(exportJvmInfo, default "true")
  ['metricsProvider.exportJvmInfo=False', 'metricsProviderExportJvmInfo', false],
  ['metricsProvider.exportJvmInfo=no', 'metricsProviderExportJvmInfo', false],
  ['metricsProvider.exportJvmInfo=TRUE', 'metricsProviderExportJvmInfo', true],
  // QuorumPeerConfig.parseBoolean: true/false in any case (standaloneEnabled=false needs server lines: see quorum-config.test.ts)
  ['standaloneEnabled=True', 'standaloneEnabled', true],
  ['reconfigEnabled=True', 'reconfigEnabled', true],
];

for (const [line, field, expected] of cases) {
  test(`${line} reads as ${expected ? 'on' : 'off'}, as Apache ZooKeeper reads it`, () => {
    assert.equal(parse(line)[field], expected);
  });
}

for (const line of ['standaloneEnabled=yes', 'reconfigEnabled=1', 'syncEnabled=on', 'quorumListenOnAllIPs=yes', 'localSessionsEnabled=', 'sslQuorum=y', 'portUnification=no']) {
  test(`${line}: a QuorumPeerConfig switch that is not true or false stops the start, as in Apache`, () => {
    const key = line.split('=')[0]!;
    assert.throws(() => parse(line), (e: unknown) => e instanceof ConfigError && e.message.startsWith(`${FILE}:3: ${key} must be true or false`));
  });
}

test('a value that reads other than it looks (skipACL=true is off) is a warning naming the line and the rule', () => {
  assert.deepEqual(parse('skipACL=true').warnings, [`${FILE}:3: skipACL=true reads as off (as Apache ZooKeeper reads it: only the exact value yes is on)`]);
  assert.deepEqual(parse('skipACL=yes').warnings, []);
});

test('a zookeeper.-prefixed key is ignored with a warning saying what to write', () => {
  const c = parse('zookeeper.snapCount=10');
  assert.equal(c.snapCount, 100000);
  assert.deepEqual(c.warnings, [`${FILE}:3: zookeeper.snapCount is ignored, as ZooKeeper ignores it in zoo.cfg (it reads keys without the prefix: write snapCount)`]);
});

test("DigestAuthenticationProvider.superDigest in zoo.cfg is the super user's digest, as in Apache", () => {
  assert.equal(parse('DigestAuthenticationProvider.superDigest=super:abc=').superDigest, 'super:abc=');
  assert.equal(parse('zookeeper.DigestAuthenticationProvider.superDigest=super:abc=').superDigest, undefined);
  assert.equal(parse('DigestAuthenticationProvider.superDigest=').superDigest, undefined);
});

test('clientPort=0 is "not set", as in Apache: refused, with clientPortAddress in Apache\'s words', () => {
  assert.throws(
    () => parseConfig('dataDir=/tmp/zk-unit\nclientPort=0\n', FILE),
    (e: unknown) => e instanceof ConfigError && /clientPort is not set \(clientPort=0 means not set/.test(e.message),
  );
  assert.throws(
    () => parseConfig('dataDir=/tmp/zk-unit\nclientPort=0\nclientPortAddress=127.0.0.1\n', FILE),
    (e: unknown) => e instanceof ConfigError && e.message.includes('clientPortAddress is set but clientPort is not set'),
  );
});
