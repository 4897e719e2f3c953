// The ensemble rules of zoo.cfg as Apache ZooKeeper 3.8's QuorumPeerConfig applies them. Each
// refusal was measured by starting Apache's QuorumPeerMain on the same zoo.cfg/myid (its
// message is quoted beside the case); ours names the file, line and key instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, parseConfig, type ServerConfig } from '../../../src/config/server-config';
import { quorumConfigText } from '../../../src/config/quorum-verifier';

const LIMITS = 'tickTime=2000\ninitLimit=5\nsyncLimit=2\n';
const THREE = 'server.1=127.0.6.1:2888:3888\nserver.2=127.0.6.2:2888:3888\nserver.3=127.0.6.3:2888:3888\n';

/** myid's text, or null for no myid file. */
function parse(text: string, myid: string | null = '1', files: Record<string, string> = {}): ServerConfig {
  const dir = mkdtempSync(join(tmpdir(), 'zk-qcfg-'));
  try {
    for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);
    return parseConfig(text.replaceAll('$DIR', dir), join(dir, 'zoo.cfg'), () => myid ?? undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function refuses(text: string, message: RegExp, myid: string | null = '1', files: Record<string, string> = {}): void {
  assert.throws(() => parse(text, myid, files), (e: unknown) => e instanceof ConfigError && message.test(e.message), `expected ${message}`);
}

test('three server lines and myid make an ensemble; the client port comes from zoo.cfg', () => {
  const c = parse(`${LIMITS}dataDir=$DIR\nclientPort=2181\n${THREE}`, '2\n');
  assert.equal(c.standaloneMode, false);
  assert.equal(c.serverId, 2);
  assert.equal(c.ensemble!.peerType, 'participant');
  assert.equal(c.ensemble!.electionPortBindRetry, 3, "QuorumCnxManager's default");
  assert.equal(c.ensemble!.quorumListenOnAllIPs, false);
  assert.equal(c.reconfigEnabled, false, 'reconfig is off by default');
  assert.equal(c.clientPort, 2181);
});

for (const [myid, message] of [
  [' 1', /myid: must hold the server id as a number.*got " 1"/], // "serverid  1 is not a number"
  ['1 \n', /got "1 "/], // "serverid 1  is not a number"
  ['abc', /got "abc"/], // "serverid abc is not a number"
  ['\n', /got ""/], // "serverid  is not a number"
  [null, /myid file is missing/], // "myid file is missing"
] as const) {
  test(`myid ${JSON.stringify(myid)} is refused, as Apache's setupMyId/checkValidity refuse it`, () => {
    refuses(`${LIMITS}dataDir=$DIR\nclientPort=2181\n${THREE}`, message, myid);
  });
}

test('myid is Long.parseLong of its first line: "+1" then anything is 1 (Apache started with it)', () => {
  assert.equal(parse(`${LIMITS}dataDir=$DIR\nclientPort=2181\n${THREE}`, '+1\ngarbage').serverId, 1);
});

test('a bad myid is refused even standalone (Apache: "serverid abc is not a number" with no server lines)', () => {
  refuses('dataDir=$DIR\nclientPort=2181\n', /myid: must hold the server id/, 'abc');
  assert.equal(parse('dataDir=$DIR\nclientPort=2181\n', null).standaloneMode, true);
});

test('initLimit and syncLimit are required in an ensemble (Apache: "initLimit is not set", "syncLimit is not set")', () => {
  refuses(`tickTime=2000\nsyncLimit=2\ndataDir=$DIR\nclientPort=2181\n${THREE}`, /initLimit is not set/);
  refuses(`tickTime=2000\ninitLimit=5\ndataDir=$DIR\nclientPort=2181\n${THREE}`, /syncLimit is not set/);
  assert.equal(parse('dataDir=$DIR\nclientPort=2181\n').standaloneMode, true, 'standalone needs neither');
});

test('electionAlg other than 3 is refused (Apache: "Invalid electionAlg value. Only 3 is supported.")', () => {
  refuses(`${LIMITS}dataDir=$DIR\nclientPort=2181\nelectionAlg=1\n${THREE}`, /zoo\.cfg:6: electionAlg must be 3 /);
  assert.equal(parse(`${LIMITS}dataDir=$DIR\nclientPort=2181\nelectionAlg=3\n${THREE}`).standaloneMode, false);
});

test("peerType: its own server line decides, a disagreeing peerType warns (Apache: \"Peer type from servers list (PARTICIPANT) doesn't match peerType (OBSERVER). Defaulting to servers list.\")", () => {
  const c = parse(`${LIMITS}dataDir=$DIR\nclientPort=2181\npeerType=observer\n${THREE}`);
  assert.equal(c.ensemble!.peerType, 'participant');
  assert.ok(c.warnings.some((w) => /zoo\.cfg:6: peerType observer does not match server\.1's line \(participant\)/.test(w)), c.warnings.join('\n'));
  const o = parse(`${LIMITS}dataDir=$DIR\nclientPort=2181\npeerType=observer\n${THREE}server.4=127.0.6.4:2888:3888:observer\n`, '4');
  assert.equal(o.ensemble!.peerType, 'observer');
  refuses(`${LIMITS}dataDir=$DIR\nclientPort=2181\npeerType=foo\n${THREE}`, /peerType must be participant or observer/); // "Unrecognised peertype: foo"
});

test('group.N/weight.N (hierarchical quorums) are refused by name, never read as a majority quorum', () => {
  refuses(`${LIMITS}dataDir=$DIR\nclientPort=2181\n${THREE}group.1=1:2:3\nweight.1=1\n`, /zoo\.cfg:9: group\.1 is not supported: hierarchical quorums/);
});

test('server.x is refused (Apache: NumberFormatException For input string: "x"); a repeated id too', () => {
  refuses(`${LIMITS}dataDir=$DIR\nclientPort=2181\n${THREE}server.x=127.0.6.4:2888:3888\n`, /zoo\.cfg:9: server\.x must be named server\.N/);
  refuses(`${LIMITS}dataDir=$DIR\nclientPort=2181\n${THREE}server.01=127.0.6.4:2888:3888\n`, /server\.01 names server 1 again \(also server\.1 on line 6\)/);
  assert.equal(parse(`${LIMITS}dataDir=$DIR\nclientPort=2181\n${THREE}server.3=127.0.6.9:2888:3888\n`).servers.find((s) => s.id === 3)!.addresses[0]!.host, '127.0.6.9', 'the same key twice: the last wins (java.util.Properties)');
});

test('a bad server line names file, line and key (Apache: "Client and election port must be different!")', () => {
  refuses(`${LIMITS}dataDir=$DIR\nclientPort=2181\nserver.1=127.0.6.1:2888:2888\nserver.2=127.0.6.2:2888:3888\n`, /zoo\.cfg:6: server\.1 must have different quorum and election ports \(got "127\.0\.6\.1:2888:2888"\)/);
});

test('| addresses need multiAddress.enabled (Apache: "Multiple address feature is disabled, but multiple addresses were specified for sid 1")', () => {
  const cfg = `${LIMITS}dataDir=$DIR\nclientPort=2181\nserver.1=127.0.6.1:2888:3888|127.0.6.11:2888:3888\nserver.2=127.0.6.2:2888:3888\n`;
  refuses(cfg, /server\.1 has several addresses \(\|\) but the multiple address feature is disabled/);
  const c = parse(`multiAddress.enabled=true\n${cfg}`);
  assert.equal(c.ensemble!.multiAddressEnabled, true);
  assert.equal(c.servers.find((s) => s.id === 1)!.addresses.length, 2);
});

test('observers need a quorum (Apache: "Observers w/o participants", "Observers w/o quorum is an invalid configuration")', () => {
  refuses(`${LIMITS}dataDir=$DIR\nclientPort=2181\nserver.1=127.0.6.1:2888:3888:observer\n`, /observers without participants/);
  refuses(`${LIMITS}dataDir=$DIR\nclientPort=2181\nserver.1=127.0.6.1:2888:3888\nserver.2=127.0.6.2:2888:3888:observer\n`, /observers without a quorum/);
});

test('one server line is standalone unless standaloneEnabled=false (QuorumPeerConfig.isDistributed)', () => {
  const one = parse(`${LIMITS}dataDir=$DIR\nclientPort=2181\nserver.1=127.0.6.1:2888:3888\n`);
  assert.equal(one.standaloneMode, true);
  assert.ok(one.warnings.some((w) => /only one server/.test(w)));
  assert.equal(parse(`${LIMITS}dataDir=$DIR\nclientPort=2181\nstandaloneEnabled=false\nserver.1=127.0.6.1:2888:3888\n`).standaloneMode, false);
});

test('clientPort: from the server line when zoo.cfg has none; both must agree (Apache: "client address for this server (id = 1) in static config file is /127.0.6.1:2181 is different from client address found in dynamic file: /127.0.6.1:2182")', () => {
  const fromLine = parse(`${LIMITS}dataDir=$DIR\nserver.1=127.0.6.1:2888:3888;127.0.6.1:2182\nserver.2=127.0.6.2:2888:3888\n`);
  assert.deepEqual([fromLine.clientPortAddress, fromLine.clientPort], ['127.0.6.1', 2182]);
  refuses(`${LIMITS}dataDir=$DIR\nclientPort=2181\nclientPortAddress=127.0.6.1\nserver.1=127.0.6.1:2888:3888;127.0.6.1:2182\nserver.2=127.0.6.2:2888:3888\n`, /client address of server 1 in zoo\.cfg \(127\.0\.6\.1:2181\) differs from its server line/);
  // Measured: a zoo.cfg address that is not a wildcard must equal the line's, 0.0.0.0 included.
  refuses(`${LIMITS}dataDir=$DIR\nclientPort=2181\nclientPortAddress=127.0.6.1\nserver.1=127.0.6.1:2888:3888;2181\nserver.2=127.0.6.2:2888:3888\n`, /differs from its server line/);
  const wildcard = parse(`${LIMITS}dataDir=$DIR\nclientPort=2182\nserver.1=127.0.6.1:2888:3888;127.0.6.1:2182\nserver.2=127.0.6.2:2888:3888\n`);
  assert.deepEqual([wildcard.clientPortAddress, wildcard.clientPort], ['127.0.6.1', 2182], "a wildcard zoo.cfg address agrees on the port; the line's address wins");
  refuses(`${LIMITS}dataDir=$DIR\nclientPortAddress=127.0.6.1\nserver.1=127.0.6.1:2888:3888;127.0.6.1:2181\nserver.2=127.0.6.2:2888:3888\n`, /clientPortAddress is set but clientPort is not set/);
});

test('the config text leaves out the client address taken from zoo.cfg (isClientAddrFromStatic)', () => {
  const c = parse(`${LIMITS}dataDir=$DIR\nclientPort=2181\n${THREE}`);
  assert.equal(quorumConfigText(c.ensemble!.verifier), 'server.1=127.0.6.1:2888:3888:participant\nserver.2=127.0.6.2:2888:3888:participant\nserver.3=127.0.6.3:2888:3888:participant\nversion=0');
});

test('dynamicConfigFile: server lines come from it, its version from its name', () => {
  const c = parse(`${LIMITS}dataDir=$DIR\nclientPort=2181\ndynamicConfigFile=$DIR/zoo.cfg.dynamic.100000000\n`, '1', { 'zoo.cfg.dynamic.100000000': THREE });
  assert.equal(c.ensemble!.verifier.version, 0x100000000n);
  assert.equal(c.servers.length, 3);
  assert.match(c.ensemble!.dynamicConfigFile!, /zoo\.cfg\.dynamic\.100000000$/);
  assert.equal(parse(`${LIMITS}dataDir=$DIR\nclientPort=2181\ndynamicConfigFile=$DIR/zoo.cfg.dynamic\n`, '1', { 'zoo.cfg.dynamic': THREE }).ensemble!.verifier.version, 0n, 'no hex suffix: version 0');
});

test('dynamicConfigFile rules (Apache: "parameter: server.2 must be in a separate dynamic config file", "dynamic file shouldn\'t have version inside", "Unrecognised parameter: tickTime")', () => {
  const files = { 'zoo.cfg.dynamic': THREE };
  refuses(`${LIMITS}dataDir=$DIR\nclientPort=2181\ndynamicConfigFile=$DIR/zoo.cfg.dynamic\nserver.1=127.0.6.1:2888:3888\n`, /zoo\.cfg:7: server\.1 must be in the dynamic config file/, '1', files);
  refuses(`${LIMITS}dataDir=$DIR\nclientPort=2181\ndynamicConfigFile=$DIR/zoo.cfg.dynamic\n`, /zoo\.cfg\.dynamic:4: version must not be in a dynamic config file/, '1', { 'zoo.cfg.dynamic': `${THREE}version=100000000\n` });
  refuses(`${LIMITS}dataDir=$DIR\nclientPort=2181\ndynamicConfigFile=$DIR/zoo.cfg.dynamic\n`, /zoo\.cfg\.dynamic:4: tickTime is not allowed in a dynamic config file/, '1', { 'zoo.cfg.dynamic': `${THREE}tickTime=5\n` });
  refuses(`${LIMITS}dataDir=$DIR\nclientPort=2181\ndynamicConfigFile=$DIR/nowhere\n`, /zoo\.cfg:6: dynamicConfigFile must name a readable file/);
});

test('electionPortBindRetry: 0 retries forever; a bad value warns and keeps 3 (Apache: Integer.getInteger, "must be >= 0 ... Use default value of 3")', () => {
  assert.equal(parse(`${LIMITS}dataDir=$DIR\nclientPort=2181\nelectionPortBindRetry=0\n${THREE}`).ensemble!.electionPortBindRetry, 0);
  const bad = parse(`${LIMITS}dataDir=$DIR\nclientPort=2181\nelectionPortBindRetry=-1\n${THREE}`);
  assert.equal(bad.ensemble!.electionPortBindRetry, 3);
  assert.ok(bad.warnings.some((w) => /zoo\.cfg:6: electionPortBindRetry must be an integer >= 0/.test(w)));
});

test("quorumListenOnAllIPs is Apache's strict boolean (\"Invalid option maybe for quorumListenOnAllIPs. Choose 'true' or 'false.'\")", () => {
  assert.equal(parse(`${LIMITS}dataDir=$DIR\nclientPort=2181\nquorumListenOnAllIPs=TRUE\n${THREE}`).ensemble!.quorumListenOnAllIPs, true);
  refuses(`${LIMITS}dataDir=$DIR\nclientPort=2181\nquorumListenOnAllIPs=maybe\n${THREE}`, /zoo\.cfg:6: quorumListenOnAllIPs must be true or false/);
});
