// The ensemble's membership as Apache ZooKeeper 3.8 holds it: server.N values as
// QuorumServer parses them, QuorumMaj's config text (what FLE notifications and
// /zookeeper/config carry) byte for byte, its parser, and the majority rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../src/config/server-config';
import {
  containsQuorum,
  javaHostString,
  parseQuorumConfigText,
  parseServerValue,
  quorumConfigText,
  quorumVerifier,
} from '../../../src/config/quorum-verifier';

const BASE = 'tickTime=500\ninitLimit=10\nsyncLimit=5\ndataDir=/tmp/zk-qv\n';

function ensembleOf(text: string, myid = '1') {
  const cfg = parseConfig(text, 'zoo.cfg', () => myid);
  assert.ok(cfg.ensemble, 'an ensemble');
  return cfg.ensemble;
}

// Measured: a 3-member Apache 3.8 ensemble (members 1..3 on 127.0.6.1-3, run with
// -Dzookeeper.multiAddress.enabled=true) started from exactly these lines, then
// `get /zookeeper/config` through zkCli on member 1. Its order is Apache's HashMap order
// (server.17 before server.1, server.100 between 4 and 5), IP literals as Java prints them,
// server.1's client address (from clientPort, not its line) left out.
const MEASURED_CFG =
  'tickTime=500\ninitLimit=10\nsyncLimit=5\ndataDir=/tmp/cfgexp/ens/1\nclientPort=2181\nclientPortAddress=127.0.6.1\nadmin.enableServer=false\n' +
  'server.1=127.0.6.1:2888:3888\nserver.2=127.0.6.2:2888:3888:participant;127.0.6.2:2181\nserver.3=127.0.6.3:2888:3888;2184\n' +
  'server.4=[::1]:2890:3890:observer\nserver.5=zk-nowhere.invalid:2888:3888|127.0.6.5:2889:3889:participant;2181\n' +
  'server.17=127.0.6.17:2888:3888:observer\nserver.100=localhost:2891:3891:OBSERVER;[::1]:2183\nversion=10000001a\nmultiAddress.enabled=true\n';
const MEASURED_TEXT = [
  'server.17=127.0.6.17:2888:3888:observer',
  'server.1=127.0.6.1:2888:3888:participant',
  'server.2=127.0.6.2:2888:3888:participant;127.0.6.2:2181',
  'server.3=127.0.6.3:2888:3888:participant;0.0.0.0:2184',
  'server.4=[0:0:0:0:0:0:0:1]:2890:3890:observer',
  'server.100=localhost:2891:3891:observer;[0:0:0:0:0:0:0:1]:2183',
  'server.5=127.0.6.5:2889:3889|zk-nowhere.invalid:2888:3888:participant;0.0.0.0:2181',
  'version=10000001a',
].join('\n');

test("the config text is Apache's /zookeeper/config byte for byte (QuorumMaj.toString, measured)", () => {
  // (The measured file had no multiAddress.enabled line; it adds one key, which leaves these
  // keys' Properties bins unchanged: 16 keys and 15 both give a 32-bin table.)
  assert.equal(quorumConfigText(ensembleOf(MEASURED_CFG).verifier), MEASURED_TEXT);
});

test('the config text of a plain 3-member ensemble: ascending ids, participant spelt out, version=0', () => {
  const e = ensembleOf(`${BASE}clientPort=2181\nserver.1=zk-kfk01:2888:3888\nserver.2=zk-kfk02:2888:3888;2181\nserver.3=zk-kfk03:2888:3888:observer;0.0.0.0:2182\nserver.4=zk-kfk04:2888:3888\n`);
  assert.equal(
    quorumConfigText(e.verifier),
    'server.1=zk-kfk01:2888:3888:participant\nserver.2=zk-kfk02:2888:3888:participant;0.0.0.0:2181\nserver.3=zk-kfk03:2888:3888:observer;0.0.0.0:2182\nserver.4=zk-kfk04:2888:3888:participant\nversion=0',
  );
});

test('version is printed as Long.toHexString: a negative version is its 64-bit two\'s complement', () => {
  const qv = quorumVerifier([parseServerValue(1, 'a:1:2', false)], -1n, 2);
  assert.equal(quorumConfigText(qv), 'server.1=a:1:2:participant\nversion=ffffffffffffffff');
});

test("a peer's config text parses back to the same view; its order follows the new Properties' size, as Apache's would", () => {
  const qv = parseQuorumConfigText(MEASURED_TEXT, true);
  assert.equal(qv.version, 0x10000001an);
  assert.deepEqual(qv.servers.filter((s) => s.type === 'observer').map((s) => s.id).sort((a, b) => a - b), [4, 17, 100]);
  assert.deepEqual(qv.servers.find((s) => s.id === 5)!.addresses.map((a) => a.host), ['127.0.6.5', 'zk-nowhere.invalid']);
  // 8 keys make a 16-bin Properties table where "server.1" (bin 5) precedes "server.17" (bin 11).
  const reordered = MEASURED_TEXT.split('\n');
  [reordered[0], reordered[1]] = [reordered[1]!, reordered[0]!];
  assert.equal(quorumConfigText(qv), reordered.join('\n'));
  assert.throws(() => parseQuorumConfigText('server.1=a:1:2\ngroup.1=1\nversion=0', true), /group\.1: hierarchical quorums/);
  assert.throws(() => parseQuorumConfigText('server.1=a:1:1\nversion=0', true), /server\.1 must have different quorum and election ports/);
});

test('containsQuorum is a majority of the voting members (QuorumMaj: size > half); observers never count', () => {
  const qv = parseQuorumConfigText('server.1=a:1:2\nserver.2=b:1:2\nserver.3=c:1:2\nserver.4=d:1:2:observer\nversion=0', false);
  assert.equal(containsQuorum(qv, [1, 2]), true);
  assert.equal(containsQuorum(qv, [3]), false);
  assert.equal(containsQuorum(qv, [1, 4]), false, 'an observer is not a vote');
  assert.equal(containsQuorum(qv, [1, 1, 9]), false, 'repeats and strangers are not votes');
  const four = parseQuorumConfigText('server.1=a:1:2\nserver.2=b:1:2\nserver.3=c:1:2\nserver.4=d:1:2\nversion=0', false);
  assert.equal(containsQuorum(four, [1, 2]), false, '2 of 4 is not more than half');
  assert.equal(containsQuorum(four, [1, 2, 3]), true);
});

test('server values QuorumServer accepts: [v6] literals, a trailing colon, +ports, any-case type, empty client part', () => {
  const v6 = parseServerValue(1, '[fe80::1]:2888:3888:observer;[::1]:2181', false);
  assert.deepEqual(v6.addresses, [{ host: 'fe80::1', quorumPort: 2888, electionPort: 3888 }]);
  assert.equal(v6.type, 'observer');
  assert.deepEqual(v6.clientAddress, { host: '::1', port: 2181 });
  assert.deepEqual(parseServerValue(1, 'h:2888:3888:', false).addresses, [{ host: 'h', quorumPort: 2888, electionPort: 3888 }], 'String.split drops the empty field');
  assert.equal(parseServerValue(1, 'h:+2888:3888: Participant ', false).addresses[0]!.quorumPort, 2888);
  assert.equal(parseServerValue(1, 'h:2888:3888;', false).clientAddress, undefined);
  assert.deepEqual(parseServerValue(1, 'h:2888:3888;2181', false).clientAddress, { host: '0.0.0.0', port: 2181 });
});

for (const [value, reason] of [
  ['h:2888:2888', /different quorum and election ports/], // "Client and election port must be different!"
  ['h:2888:3888:witness', /:participant or :observer/], // "Unrecognised peertype"
  ['a:1:2|b:1:2', /multiple address feature is disabled/], // "Multiple address feature is disabled, ..."
  ['h:70000:3888', /quorum port from 0 to 65535/], // "port out of range:70000"
  ['h:28x8:3888', /quorum port from 0 to 65535/], // "Address unresolved: h:28x8"
  ['h::3888', /quorum port/], // Integer.parseInt("")
  ['h:2888', /host:quorumPort:electionPort/], // wrongFormat
  ['h:2888:3888;2181;x', /host:quorumPort:electionPort/], // wrongFormat: two ';'
  ['h:2888:3888;a:b:2181', /host:quorumPort:electionPort/], // wrongFormat: client part
  ['[::1:2888:3888', /IPv6 literal/], // "starts with '[' but has no matching ']:'"
] as const) {
  test(`QuorumServer refuses "${value}"`, () => {
    assert.throws(() => parseServerValue(1, value, false), (e: Error) => reason.test(e.message));
  });
}

test('multi-address with a role on one address only, and mismatched roles (Apache: "similar roles")', () => {
  assert.equal(parseServerValue(1, 'a:1:2:observer|b:1:2', true).type, 'observer');
  assert.throws(() => parseServerValue(1, 'a:1:2:observer|b:1:2:participant', true), /same role/);
});

test("host strings as Java's InetSocketAddress.getHostString prints them (measured with jshell)", () => {
  assert.equal(javaHostString(''), 'localhost');
  assert.equal(javaHostString('127.1'), '127.0.0.1');
  assert.equal(javaHostString('::ffff:1.2.3.4'), '1.2.3.4');
  assert.equal(javaHostString('::1.2.3.4'), '0:0:0:0:0:0:102:304');
  assert.equal(javaHostString('fe80::1%lo'), 'fe80::1%lo');
  assert.equal(javaHostString('zk-kfk01'), 'zk-kfk01');
});
