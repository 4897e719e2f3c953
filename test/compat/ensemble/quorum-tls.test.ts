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
import { makeTlsStores, STORE_PASSWORD, type TlsStores } from '../../support/tls-stores';
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

/**
 * The zoo.cfg lines of quorum TLS for member `myid`: its own certificate (its address and
 * 127.0.0.1, where loopback dials come from, which the other end checks), the CA's trust store.
 */
export function quorumTls(myid: number, signer: 'ca' | 'otherca' = 'ca'): Record<string, string> {
  const store = stores.member(`m${myid}-${signer}`, [`127.0.51.${myid}`, '127.0.0.1'], signer);
  return {
    sslQuorum: 'true',
    'ssl.quorum.keyStore.location': store.p12Store,
    'ssl.quorum.keyStore.password': STORE_PASSWORD,
    'ssl.quorum.trustStore.location': stores.caFile,
    'ssl.quorum.trustStore.type': 'PEM',
  };
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

/** A write through every member, each read back on every member. */
async function writesEverywhere(tag: string): Promise<void> {
  const clients = await Promise.all(
    members.map(async (m) => {
      const c = await ZooKeeperClient.connect(`${m.host}:2181`, { sessionTimeout_ms: 8000 });
      running.push({ stop: () => c.close() });
      return c;
    }),
  );
  for (const [i, c] of clients.entries()) await c.create(`/${tag}-${i + 1}`, Buffer.from(`${tag} via ${i + 1}`));
  for (const c of clients) {
    await c.sync('/');
    for (let i = 1; i <= 3; i++) assert.equal((await c.getData(`/${tag}-${i}`)).data?.toString(), `${tag} via ${i}`);
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
