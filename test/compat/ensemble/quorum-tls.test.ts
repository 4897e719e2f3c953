// TLS between ensemble members (sslQuorum, ssl.quorum.*) in mixed ensembles of real
// processes, Apache ZooKeeper 3.8 members beside ours on the same key stores (PKCS12 key
// store, PEM trust store, made by openssl): elected over TLS election connections, synced
// and replicating over TLS quorum connections, with a leader of each flavour; a member whose
// certificate another CA signed is refused by both flavours; members serving clients on
// secureClientPort alone. Addresses 127.0.51.1-4.
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { ZooKeeperClient } from '../../../src/client/zookeeper-client';
import { srvrOnceServing, startMember, type Member, type MemberSpec } from '../../support/ensemble';
import { makeTlsStores, quorumTlsLines, type TlsStores } from '../../support/tls-stores';
import { rmSync } from 'node:fs';

const members: MemberSpec[] = [1, 2, 3].map((myid) => ({ myid, host: `127.0.51.${myid}` }));
let stores: TlsStores;
const running: { stop(): unknown }[] = [];
const started: Member[] = [];

before(() => {
  stores = makeTlsStores(members.map((m) => m.host));
});
after(() => rmSync(stores.dir, { recursive: true, force: true }));
afterEach(async (t) => {
  if ((t as { passed?: boolean }).passed === false) for (const m of started) console.error(`--- member ${m.myid}:\n${m.log().split('\n').slice(-40).join('\n')}`);
  started.length = 0;
  for (const r of running.splice(0).reverse()) await r.stop();
});

/** Member `myid`'s quorum TLS lines, its certificate signed by `signer`. */
function quorumTls(myid: number, signer: 'ca' | 'otherca' = 'ca'): Record<string, string> {
  return quorumTlsLines(stores, `m${myid}-${signer}`, members[myid - 1]!.host, signer);
}

async function member(flavour: 'apache' | 'ours', myid: number, extra: Record<string, string | number | undefined> = quorumTls(myid)): Promise<Member> {
  const m = await startMember(flavour, members[myid - 1]!, members, extra);
  running.push(m);
  started.push(m);
  return m;
}

function mode(srvr: string): string {
  return /Mode: (\w+)/.exec(srvr)?.[1] ?? `no mode in ${JSON.stringify(srvr)}`;
}

/** A write through every member (of `on`), each read back on every one of them. */
async function writesEverywhere(tag: string, on: MemberSpec[] = members): Promise<void> {
  const clients = await Promise.all(
    on.map(async (m) => {
      const c = await ZooKeeperClient.connect(`${m.host}:2181`, { sessionTimeout_ms: 8000 });
      running.push({ stop: () => c.close() });
      return c;
    }),
  );
  for (const [i, c] of clients.entries()) await c.create(`/${tag}-${i + 1}`, Buffer.from(`${tag} via ${i + 1}`));
  for (const c of clients) {
    await c.sync('/');
    for (let i = 1; i <= on.length; i++) assert.equal((await c.getData(`/${tag}-${i}`)).data?.toString(), `${tag} via ${i}`);
  }
}

/** Every member's election and quorum connections are TLS: each logged a TLS accept or a handshake. */
function assertTlsLogged(m: Member, flavour: 'apache' | 'ours'): void {
  const pattern = flavour === 'apache' ? /Accepted TLS connection from|SSL handshake complete with/ : /Accepted TLS connection from/;
  assert.match(m.log(), pattern, `member ${m.myid} (${flavour}) logged no TLS connection`);
}

test('{Apache, Apache, ours} over quorum TLS: ours (myid 3) leads two Apache followers', { timeout: 180_000 }, async () => {
  await member('ours', 3);
  const a1 = await member('apache', 1);
  const a2 = await member('apache', 2);
  assert.equal(mode(await srvrOnceServing(members[2]!.host)), 'leader');
  assert.equal(mode(await srvrOnceServing(members[0]!.host)), 'follower');
  assert.equal(mode(await srvrOnceServing(members[1]!.host)), 'follower');
  await writesEverywhere('tls-led-by-ours');
  // Apache's learners dialled our quorum port over TLS (Learner: startHandshake).
  for (const a of [a1, a2]) assertTlsLogged(a, 'apache');
  assertTlsLogged(started[0]!, 'ours');
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

for (const strangerFlavour of ['apache', 'ours'] as const) {
  test(`a member (${strangerFlavour}) whose certificate another CA signed is refused by both flavours, and the ensemble serves on`, { timeout: 180_000 }, async () => {
    const a1 = await member('apache', 1);
    await a1.waitForLog(/is accepting connections now/, 60_000);
    const o2 = await member('ours', 2);
    assert.equal(mode(await srvrOnceServing(members[1]!.host)), 'leader');
    assert.equal(mode(await srvrOnceServing(members[0]!.host)), 'follower');
    // Member 3 trusts the ensemble's CA, but its own certificate is the other CA's.
    const stranger = await member(strangerFlavour, 3, { ...quorumTls(3, 'otherca') });
    // Each good member refuses it when it dials them and when they dial it.
    await a1.waitForLog(APACHE_REFUSED, 60_000);
    await o2.waitForLog(OURS_REFUSED, 60_000);
    assert.match(await srvrOnceServing(members[2]!.host, 2181, 3000), NOT_SERVING);
    assert.doesNotMatch(o2.log(), /Synchronizing with Learner sid: 3/);
    await writesEverywhere(`refused-${strangerFlavour}`, members.slice(0, 2));
    assert.match(await srvrOnceServing(members[2]!.host, 2181, 3000), NOT_SERVING);
    assert.match(stranger.log(), strangerFlavour === 'apache' ? /SSLHandshakeException|certificate_unknown|bad_certificate|PKIX path/ : /Cannot open secure channel to [12] at election address|Unsuccessful TLS handshake/);
  });
}
