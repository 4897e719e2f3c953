// SERVER_JVMFLAGS/JVMFLAGS as zoo.cfg lines: -Dzookeeper.<key> for the keys Apache reads as
// system properties, JVMFLAGS after SERVER_JVMFLAGS (zkServer.sh's order: the later -D wins
// on java's command line), zoo.cfg over both, and a warning naming whatever is not read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../src/config/server-config';
import { readJvmFlags } from '../../../src/config/jvm-flags';

const ZOO_CFG = 'dataDir=/tmp/zk-jvm-flags\nclientPort=2181\n';
const parse = (env: NodeJS.ProcessEnv, extra = '') => parseConfig(ZOO_CFG + extra, 'zoo.cfg', undefined, readJvmFlags(env));

test('-Dzookeeper.* options set what the zoo.cfg keys set; JVMFLAGS wins over SERVER_JVMFLAGS', () => {
  const c = parse({
    SERVER_JVMFLAGS: '-Dzookeeper.snapCount=5000 -Dzookeeper.4lw.commands.whitelist=srvr -Dzookeeper.skipACL=yes',
    JVMFLAGS: '-Dzookeeper.4lw.commands.whitelist=srvr,mntr -Dzookeeper.admin.serverPort=9999',
  });
  assert.equal(c.snapCount, 5000);
  assert.deepEqual(c.fourLetterWordsWhitelist, ['srvr', 'mntr']);
  assert.equal(c.adminServerPort, 9999);
  assert.equal(c.skipACL, true);
  assert.deepEqual(c.warnings, []);
  assert.equal(c.properties.has('snapCount'), false, 'properties holds what zoo.cfg says');
});

test('zoo.cfg wins over -Dzookeeper.<key>; -Djute.maxbuffer wins over zoo.cfg (Apache reads only the option)', () => {
  const c = parse({ SERVER_JVMFLAGS: '-Dzookeeper.snapCount=5000 -Djute.maxbuffer=4194304' }, 'snapCount=700\njute.maxbuffer=1000\n');
  assert.equal(c.snapCount, 700);
  assert.equal(c.juteMaxBuffer, 4194304);
});

test('options not read here are named in one warning each kind', () => {
  const c = parse({ SERVER_JVMFLAGS: '-Xmx1g -Dzookeeper.electionPortBindRetry=3 -Dcom.sun.management.jmxremote', JVMFLAGS: '-XX:+UseG1GC' });
  assert.deepEqual(c.warnings, [
    'SERVER_JVMFLAGS/JVMFLAGS: -Dzookeeper.electionPortBindRetry=3 -Dcom.sun.management.jmxremote ignored: zookeeper-ts does not read these system properties',
    'SERVER_JVMFLAGS/JVMFLAGS: -Xmx1g -XX:+UseG1GC ignored: JVM options mean nothing to zookeeper-ts',
  ]);
});

test('a bad value in an option is refused as the zoo.cfg line would be, naming the variable', () => {
  assert.throws(() => parse({ JVMFLAGS: '-Dzookeeper.admin.serverPort=http' }), /^ConfigError: JVMFLAGS:1: admin\.serverPort must be a port number/);
});
