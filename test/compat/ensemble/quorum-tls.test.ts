// TLS between ensemble members (sslQuorum, ssl.quorum.*) in mixed ensembles of real
// processes, Apache ZooKeeper 3.8 members beside ours on the same key stores (PKCS12 key
// store, PEM trust store, made by openssl): elected over TLS election connections, synced
// and replicating over TLS quorum connections, with a leader of each flavour; members whose
// certificate another CA signed, or whose certificate does not name the address they dial
// from, refused by both flavours alike; members serving clients on secureClientPort alone.
// Addresses 127.0.51.1-3.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { srvrOnceServing, startMember, type Member, type MemberSpec } from '../../support/ensemble';
import { ensembleScope, modeOf as mode } from '../../support/ensemble-scope';
import { fourLetterWord, fourLetterWordOverTls } from '../../support/servers';
import { makeTlsStores, quorumTlsLines, type TlsStores } from '../../support/tls-stores';
import { run, SYSTEM_PYTHON } from '../real-clients/transcript';

const members: MemberSpec[] = [1, 2, 3].map((myid) => ({ myid, host: `127.0.51.${myid}` }));
let stores: TlsStores;
const scope = ensembleScope();

before(() => {
  stores = makeTlsStores(members.map((m) => m.host));
});
after(() => rmSync(stores.dir, { recursive: true, force: true }));

/** Member `myid`'s quorum TLS lines, its certificate signed by `signer`. */
function quorumTls(myid: number, signer: 'ca' | 'otherca' = 'ca'): Record<string, string> {
  return quorumTlsLines(stores, `m${myid}-${signer}`, members[myid - 1]!.host, signer);
}

function member(flavour: 'apache' | 'ours', myid: number, extra: Record<string, string | number | undefined> = quorumTls(myid)): Promise<Member> {
  return scope.start(flavour, members[myid - 1]!, members, extra);
}

/** A write through every member (of `on`), each read back on every one of them. */
function writesEverywhere(tag: string, on: MemberSpec[] = members): Promise<void> {
  return scope.writesEverywhere(on.map((m) => `${m.host}:2181`), tag);
}

/** Every member's election and quorum connections are TLS: each logged a TLS accept or a handshake. */
function assertTlsLogged(m: Member, flavour: 'apache' | 'ours'): void {
  const pattern = flavour === 'apache' ? /Accepted TLS connection from|SSL handshake complete with/ : /Accepted TLS connection from/;
  assert.match(m.log(), pattern, `member ${m.myid} (${flavour}) logged no TLS connection`);
}

test('{Apache, Apache, ours} over quorum TLS: ours (myid 3) leads two Apache followers', { timeout: 180_000 }, async () => {
  // 3 and 1 make the first quorum, and 2 joins the leader they have: started together, the
  // two JVMs may settle on 2 before their TLS connections to 3 are up (three lanes load the machine).
  const o3 = await member('ours', 3);
  const a1 = await member('apache', 1);
  assert.equal(mode(await srvrOnceServing(members[2]!.host)), 'leader');
  const a2 = await member('apache', 2);
  assert.equal(mode(await srvrOnceServing(members[0]!.host)), 'follower');
  assert.equal(mode(await srvrOnceServing(members[1]!.host)), 'follower');
  await writesEverywhere('tls-led-by-ours');
  // Apache's learners dialled our quorum port over TLS (Learner: startHandshake).
  for (const a of [a1, a2]) assertTlsLogged(a, 'apache');
  assertTlsLogged(o3, 'ours');
});

test('{ours, ours, Apache} over quorum TLS: the Apache member (myid 3) leads two of ours', { timeout: 180_000 }, async () => {
  // The JVM starts slower than ours: two of ours alone would elect 2. Apache's election port
  // first, then 1 (3 and 1 make the first quorum, which 3 leads), then 2.
  const a3 = await member('apache', 3);
  await a3.waitForLog(/is accepting connections now/, 60_000);
  const o1 = await member('ours', 1);
  assert.equal(mode(await srvrOnceServing(members[0]!.host)), 'follower');
  const o2 = await member('ours', 2);
  assert.equal(mode(await srvrOnceServing(members[2]!.host)), 'leader');
  assert.equal(mode(await srvrOnceServing(members[0]!.host)), 'follower');
  assert.equal(mode(await srvrOnceServing(members[1]!.host)), 'follower');
  await writesEverywhere('tls-led-by-apache');
  assertTlsLogged(a3, 'apache');
  for (const o of [o1, o2]) assertTlsLogged(o, 'ours');
});

/** srvr on a member that is up but serves no one (still LOOKING): Apache's and our answer alike. */
const NOT_SERVING = /This ZooKeeper instance is not currently serving requests/;
/** Apache, refusing a peer's certificate on its election port: the handshake ends with no session. */
const APACHE_REFUSED = /Accepted TLS connection from \S+ - NONE - SSL_NULL_WITH_NULL_NULL/;
/** Ours, the same (the stranger, id 3, dials both good members). */
const OURS_REFUSED = /Unsuccessful TLS handshake with \/127\.0\.0\.1:\d+ on the quorum: (its certificate is not trusted|no certificate shown)/;

/** Resolves once `m` logs `pattern` after its first `from` characters of log. */
async function loggedAfter(m: Member, from: number, pattern: RegExp, timeout_ms: number): Promise<void> {
  const deadline = Date.now() + timeout_ms;
  while (!pattern.test(m.log().slice(from))) {
    if (Date.now() > deadline) throw new Error(`member ${m.myid} did not log ${pattern} within ${timeout_ms} ms; its log ends:\n${m.log().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Outsider {
  what: string;
  flavour: 'apache' | 'ours';
  lines: () => Record<string, string>;
  /** What Apache's member and ours log when they refuse it. */
  apacheRefuses: RegExp;
  oursRefuses: RegExp;
}

/**
 * Two outsiders, one of each flavour, each refused for another reason; either way both good
 * members (Apache's and ours) must refuse it — that is what is compared.
 */
const OUTSIDERS: Outsider[] = [
  {
    what: 'an Apache member whose certificate another CA signed',
    flavour: 'apache',
    lines: () => quorumTls(3, 'otherca'),
    apacheRefuses: APACHE_REFUSED,
    oursRefuses: OURS_REFUSED,
  },
  {
    // Dials over loopback come from 127.0.0.1, which its certificate does not name: the member
    // it dials refuses it (QuorumX509Util checks a client's address too, by default).
    what: 'our member whose certificate does not name the address it dials from',
    flavour: 'ours',
    lines: () => quorumTlsLines(stores, 'm3-own-address-only', members[2]!.host, 'ca', [members[2]!.host]),
    apacheRefuses: /Failed to verify host address: 127\.0\.0\.1/,
    oursRefuses: /TLS connection from 127\.0\.0\.1: Failed to verify both host address and host name: Certificate for <localhost> doesn't match any of the subject alternative names: \[IP:127\.0\.51\.3\]/,
  },
];

test('refused alike by Apache\'s member and ours, while the ensemble serves on: ' + OUTSIDERS.map((o) => o.what).join('; '), { timeout: 300_000 }, async (t) => {
  const a1 = await member('apache', 1);
  await a1.waitForLog(/is accepting connections now/, 60_000);
  const o2 = await member('ours', 2);
  assert.equal(mode(await srvrOnceServing(members[1]!.host)), 'leader');
  assert.equal(mode(await srvrOnceServing(members[0]!.host)), 'follower');
  for (const [i, o] of OUTSIDERS.entries()) {
    const from = [a1.log().length, o2.log().length] as const;
    const outsider = await startMember(o.flavour, members[2]!, members, o.lines());
    try {
      await loggedAfter(a1, from[0], o.apacheRefuses, 60_000);
      await loggedAfter(o2, from[1], o.oursRefuses, 60_000);
      assert.match(await srvrOnceServing(members[2]!.host, 2181, 3000), NOT_SERVING, o.what);
      assert.doesNotMatch(o2.log(), /Synchronizing with Learner sid: 3/, o.what);
      await writesEverywhere(`outsider-${i}`, members.slice(0, 2));
      t.diagnostic(`${o.what}: Apache logged ${o.apacheRefuses}, ours ${o.oursRefuses}`);
    } finally {
      await outsider.stop();
    }
  }
});

/** The secure client port of the TLS-only members. */
const SECURE_PORT = 2281;

/** srvr over TLS once the member serves; '' if it never does within timeout_ms. */
async function secureSrvrOnceServing(host: string, timeout_ms = 60_000): Promise<string> {
  const alice = stores.client('alice');
  const tls = { port: SECURE_PORT, ca: readFileSync(stores.caFile), cert: readFileSync(alice.certFile), key: readFileSync(alice.keyFile) };
  const deadline = Date.now() + timeout_ms;
  for (;;) {
    const out = await fourLetterWordOverTls(host, tls, 'srvr').catch(() => '');
    if (out.includes('Mode:') || Date.now() > deadline) return out;
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('members serving clients on secureClientPort alone (no clientPort), over quorum TLS: a TLS client writes through one and reads on each', { timeout: 180_000 }, async () => {
  const clientTls = (myid: number) => ({
    ...quorumTls(myid),
    clientPort: undefined,
    clientPortAddress: undefined,
    secureClientPort: SECURE_PORT,
    secureClientPortAddress: members[myid - 1]!.host,
    serverCnxnFactory: 'org.apache.zookeeper.server.NettyServerCnxnFactory',
    'authProvider.x509': 'org.apache.zookeeper.server.auth.X509AuthenticationProvider',
    'ssl.keyStore.location': stores.serverPem,
    'ssl.trustStore.location': stores.caFile,
  });
  const a3 = await member('apache', 3, clientTls(3));
  await a3.waitForLog(/is accepting connections now/, 60_000);
  await member('ours', 1, clientTls(1));
  assert.equal(mode(await secureSrvrOnceServing(members[0]!.host)), 'follower');
  await member('ours', 2, clientTls(2));
  assert.equal(mode(await secureSrvrOnceServing(members[2]!.host)), 'leader');
  assert.equal(mode(await secureSrvrOnceServing(members[1]!.host)), 'follower');
  // No plain client port anywhere.
  for (const m of members) await assert.rejects(fourLetterWord(m.host, 2181, 'srvr', 2000), `${m.host}:2181 answered in plain text`);
  // kazoo over TLS (the certificate's x509 identity in the node's ACL): created through our
  // member 1, read back through every member.
  const alice = stores.client('alice');
  const steps = (action: string[]) => ({ as: 'alice', cert: alice.certFile, key: alice.keyFile, timeout: 10, do: [action] });
  const created = await kazooTls(members[0]!.host, [steps(['create-x509', '/tls-only', alice.subject])]);
  assert.deepEqual(created, [{ as: 'alice', connect: 'ok', results: [['created', [['x509', alice.subject, 31]]]] }]);
  for (const m of members) {
    assert.deepEqual(await kazooTls(m.host, [steps(['get', '/tls-only'])]), [{ as: 'alice', connect: 'ok', results: [['get', 'secret']] }], `read on ${m.host}`);
  }
});

/** kazoo_steps.py over TLS (the secure client port tests' driver) against host:SECURE_PORT. */
async function kazooTls(host: string, steps: unknown[]): Promise<unknown[]> {
  const { code, output } = await run(SYSTEM_PYTHON, [join(import.meta.dirname, '../../support/kazoo_steps.py'), `${host}:${SECURE_PORT}`, JSON.stringify(steps), stores.caFile], { timeout_ms: 60_000 });
  assert.equal(code, 0, output);
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as unknown);
}
