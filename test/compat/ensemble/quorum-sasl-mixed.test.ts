// Quorum SASL (DIGEST-MD5 between members: quorum.auth.enableSasl, learnerRequireSasl,
// serverRequireSasl, the JAAS QuorumServer/QuorumLearner sections) in mixed ensembles of real
// processes, Apache ZooKeeper 3.8 members beside ours: required both ways, {Apache, Apache,
// ours} elects ours and {ours, ours, Apache} elects Apache, and writes made through every
// member are read on every member; a member whose QuorumLearner password is wrong (ours, then
// Apache's) is refused by both flavours, logged as Apache logs it, while the other two keep
// serving; enableSasl without the requires lets a member with no quorum.auth.* in; quorum TLS
// (sslQuorum) and SASL together compose, the login inside the TLS connection.
// Addresses 127.0.55.1-3.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { srvrOnceServing, type Member, type MemberSpec } from '../../support/ensemble';
import { ensembleScope, leaderAmong, modeOf as mode } from '../../support/ensemble-scope';
import { fourLetterWord } from '../../support/servers';
import { makeTlsStores, quorumTlsLines } from '../../support/tls-stores';

const members: MemberSpec[] = [1, 2, 3].map((myid) => ({ myid, host: `127.0.55.${myid}` }));
const USER = 'zkquorum';
const PASSWORD = 'Quorum-secret-55';
const REQUIRED = { 'quorum.auth.enableSasl': 'true', 'quorum.auth.learnerRequireSasl': 'true', 'quorum.auth.serverRequireSasl': 'true' };
/** Apache redials a refused peer each election round (backing off up to 60 s, first rounds within seconds): within this. */
const REFUSAL_WAIT_ms = 30_000;

let dir: string;
const scope = ensembleScope();

/** A JAAS file whose QuorumLearner logs in with `learnerPassword`; QuorumServer knows the right one. */
function jaas(name: string, learnerPassword: string): string {
  const file = join(dir, `${name}.jaas`);
  const module = 'org.apache.zookeeper.server.auth.DigestLoginModule';
  writeFileSync(file, `QuorumServer {\n  ${module} required\n  user_${USER}="${PASSWORD}";\n};\nQuorumLearner {\n  ${module} required\n  username="${USER}"\n  password="${learnerPassword}";\n};\n`);
  return file;
}
let right: string;
let wrong: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'zk-quorum-sasl-mixed-'));
  right = jaas('right', PASSWORD);
  wrong = jaas('wrong', 'not-' + PASSWORD);
});
after(() => rmSync(dir, { recursive: true, force: true }));

function member(flavour: 'apache' | 'ours', myid: number, jaasFile: string | undefined, extra: Record<string, string> = REQUIRED): Promise<Member> {
  const spec = { ...members[myid - 1]!, ...(jaasFile ? { serverJvmFlags: [`-Djava.security.auth.login.config=${jaasFile}`] } : {}) };
  return scope.start(flavour, spec, members, extra);
}

/** A write through each member of `on`, each read back on every one of them. */
function writesEverywhere(tag: string, on: MemberSpec[] = members): Promise<void> {
  return scope.writesEverywhere(on.map((m) => `${m.host}:2181`), tag);
}

const LOGGED_IN = /Successfully completed the authentication using SASL\. server addr: \/127\.0\.55\.\d:\d+, status: SUCCESS/;
// Members dial from the host's default address (127.0.0.1), not from their own.
const AUTHENTICATED = /Successfully completed the authentication using SASL\. learner addr: \/[\d.]+:\d+/;

test('{Apache, Apache, ours} with quorum SASL required both ways: ours (myid 3) leads, writes replicate', { timeout: 120_000 }, async () => {
  // 3 and 1 make the first quorum, and 2 joins the leader they have (started together, the
  // two JVMs may settle on 2 before their logins to 3 are through).
  const ours = await member('ours', 3, right);
  const a1 = await member('apache', 1, right);
  assert.equal(mode(await srvrOnceServing(members[2]!.host)), 'leader');
  const a2 = await member('apache', 2, right);
  assert.equal(mode(await srvrOnceServing(members[0]!.host)), 'follower');
  assert.equal(mode(await srvrOnceServing(members[1]!.host)), 'follower');
  await writesEverywhere('sasl-led-by-ours');
  // Every member logged in to a peer and authenticated one: the connections went through SASL.
  for (const m of [ours, a1, a2]) {
    assert.match(m.log(), LOGGED_IN, `member ${m.myid} logged no SASL login`);
    assert.match(m.log(), AUTHENTICATED, `member ${m.myid} authenticated no learner`);
  }
});

test('{ours, ours, Apache} with quorum SASL required both ways: Apache (myid 3) leads our two followers', { timeout: 120_000 }, async () => {
  // 3 and 1 make the first quorum, and 2 joins the leader they have: with our two started
  // together, they could elect each other (2 leads) while Apache's JVM is still logging in
  // (it did on a loaded CI machine).
  const a3 = await member('apache', 3, right);
  await a3.waitForLog(/New election\. My id = 3/, 30_000);
  const o1 = await member('ours', 1, right);
  assert.equal(mode(await srvrOnceServing(members[2]!.host)), 'leader');
  const o2 = await member('ours', 2, right);
  assert.equal(mode(await srvrOnceServing(members[0]!.host)), 'follower');
  assert.equal(mode(await srvrOnceServing(members[1]!.host)), 'follower');
  await writesEverywhere('sasl-led-by-apache');
  for (const m of [a3, o1, o2]) {
    assert.match(m.log(), LOGGED_IN, `member ${m.myid} logged no SASL login`);
    assert.match(m.log(), AUTHENTICATED, `member ${m.myid} authenticated no learner`);
  }
});

test('a member with a wrong QuorumLearner password, ours then Apache, is refused by both flavours; the other two keep serving', { timeout: 180_000 }, async () => {
  const a1 = await member('apache', 1, right);
  const o2 = await member('ours', 2, right);
  const leader = mode(await srvrOnceServing(members[1]!.host));
  assert.ok(leader === 'leader' || leader === 'follower', leader);
  // Members dial from the host's default address, so the refused peer is not named by its own; it is the only one refused.
  const refused = 'Exception handling connection, addr: /[\\d.]+:\\d+, closing server connection';
  /** The log holds one refusal more than it held before `bad` started. */
  const oneMore = (m: Member) => new RegExp(`(?:${refused}[\\s\\S]*?){${(m.log().match(new RegExp(refused, 'g'))?.length ?? 0) + 1}}`);
  for (const flavour of ['ours', 'apache'] as const) {
    const [more1, more2] = [oneMore(a1), oneMore(o2)];
    const bad = await member(flavour, 3, wrong);
    await a1.waitForLog(more1, REFUSAL_WAIT_ms);
    await o2.waitForLog(more2, REFUSAL_WAIT_ms);
    // Its own side of the refusal, as Apache's SaslQuorumAuthLearner says it.
    await bad.waitForLog(/Authentication failed against server addr: \/127\.0\.55\.[12]:3888/, REFUSAL_WAIT_ms);
    assert.match(await fourLetterWord(members[2]!.host, 2181, 'srvr'), /not currently serving requests/);
    await writesEverywhere(`sasl-refused-${flavour}`, members.slice(0, 2));
    await scope.stop(bad);
  }
});

test('quorum.auth.enableSasl without the requires: an Apache member with no quorum.auth.* joins ours and Apache', { timeout: 120_000 }, async () => {
  const enabled = { 'quorum.auth.enableSasl': 'true' };
  // 3 looking first: ours and the other JVM would elect 2 before 3's JVM is up.
  const a3 = await member('apache', 3, undefined, {});
  await a3.waitForLog(/New election\. My id = 3/, 30_000);
  await member('ours', 1, right, enabled);
  await member('apache', 2, right, enabled);
  // 3 likely leads; which one does is not the point, that 3 takes part (its write is read everywhere) is.
  await leaderAmong(members.map((m) => m.host));
  await writesEverywhere('sasl-enabled-only');
});

test('sslQuorum and quorum SASL together: {Apache, ours, ours} log in over TLS connections, writes replicate', { timeout: 120_000 }, async () => {
  const stores = makeTlsStores(members.map((m) => m.host));
  try {
    const tlsAndSasl = (myid: number) => ({ ...quorumTlsLines(stores, `m${myid}`, members[myid - 1]!.host), ...REQUIRED });
    const started3 = await member('ours', 3, right, tlsAndSasl(3));
    const a1 = await member('apache', 1, right, tlsAndSasl(1));
    assert.equal(mode(await srvrOnceServing(members[2]!.host)), 'leader');
    const o2 = await member('ours', 2, right, tlsAndSasl(2));
    for (const m of members.slice(0, 2)) assert.equal(mode(await srvrOnceServing(m.host)), 'follower');
    await writesEverywhere('sasl-over-tls');
    assert.match(a1.log(), /Accepted TLS connection from|SSL handshake complete with/, 'Apache made no TLS connection');
    for (const m of [started3, a1, o2]) assert.match(m.log(), LOGGED_IN, `member ${m.myid} logged no SASL login`);
  } finally {
    rmSync(stores.dir, { recursive: true, force: true });
  }
});
