// Turning quorum TLS on in a running mixed ensemble, member by member, as Apache's admin
// guide describes it ("Upgrading existing non-TLS cluster with no downtime"): a plain
// ensemble (Apache 1, ours 2 and 3); each member restarted with the ssl.quorum.* stores and
// portUnification=true (it still dials in plain text, and accepts both); then each with
// sslQuorum=true (it dials over TLS, and still accepts both); then each with
// portUnification=false (TLS only). A writer keeps writing throughout, and its writes are
// acknowledged in every phase and all there on every member at the end. After the switch
// the ports speak TLS: a raw TLS handshake with a member's certificate succeeds on the
// leader's quorum port and every election port, and plain text is closed. Addresses
// 127.0.51.11-13. Nine member restarts (30 s on a quiet machine, 80 s on a busy one): not
// part of npm test; `npm run test:quorum-tls-rolling` runs it.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { after, afterEach, before, test } from 'node:test';
import { srvrOnceServing, startMember, type Member, type MemberSpec } from '../../support/ensemble';
import { rollThroughPhases } from '../../support/acked-writer';
import { makeTlsStores, quorumTlsLines, STORE_PASSWORD, type TlsStores } from '../../support/tls-stores';

const members: MemberSpec[] = [1, 2, 3].map((myid) => ({ myid, host: `127.0.51.${10 + myid}` }));
const FLAVOUR: Record<number, 'apache' | 'ours'> = { 1: 'apache', 2: 'ours', 3: 'ours' };

let stores: TlsStores;
let probeStore: { p12Store: string } | undefined;
const running = new Map<number, Member>();

before(() => {
  stores = makeTlsStores(members.map((m) => m.host));
});
after(() => rmSync(stores.dir, { recursive: true, force: true }));
afterEach(async (t) => {
  if ((t as { passed?: boolean }).passed === false) for (const m of running.values()) console.error(`--- member ${m.myid}:\n${m.log().split('\n').slice(-40).join('\n')}`);
  for (const m of running.values()) await m.stop();
  running.clear();
});

const PHASES = ['plain', 'portUnification', 'sslQuorum', 'tlsOnly'] as const;
type Phase = (typeof PHASES)[number];

function linesFor(myid: number, phase: Phase): Record<string, string> {
  if (phase === 'plain') return {};
  const tls = quorumTlsLines(stores, `m${myid}`, members[myid - 1]!.host);
  return {
    ...tls,
    sslQuorum: phase === 'portUnification' ? 'false' : 'true',
    portUnification: phase === 'tlsOnly' ? 'false' : 'true',
  };
}

/** Starts member `myid` (over its old directory, if it ran before) in `phase`. */
async function start(myid: number, phase: Phase): Promise<Member> {
  const old = running.get(myid);
  if (old) await old.stop({ keepDir: true, signal: 'SIGTERM' });
  const m = await startMember(FLAVOUR[myid]!, members[myid - 1]!, members, linesFor(myid, phase), old?.dir);
  running.set(myid, m);
  return m;
}

/** A TLS handshake with a certificate of the ensemble's CA: resolves with the protocol, rejects if refused. */
function tlsHandshake(host: string, port: number): Promise<string> {
  const store = (probeStore ??= stores.member('probe', ['127.0.0.1']));
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host, port, pfx: readFileSync(store.p12Store), passphrase: STORE_PASSWORD, ca: readFileSync(stores.caFile), checkServerIdentity: () => undefined });
    s.setTimeout(10_000, () => s.destroy(new Error('no handshake within 10 s')));
    s.once('secureConnect', () => {
      const p = s.getProtocol() ?? '';
      s.destroy();
      resolve(p);
    });
    s.once('error', reject);
  });
}

/** Plain bytes (an election initial message's first long): resolves once the member closes the connection. */
function plainClosed(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port }, () => s.write(Buffer.from([0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])));
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`${host}:${port} kept a plain connection open`));
    }, 10_000);
    s.on('data', () => {});
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

test('quorum TLS turned on member by member (portUnification, then sslQuorum, then TLS only) with writes acknowledged all the way', { timeout: 420_000 }, async (t) => {
  const perPhase = await rollThroughPhases(members, PHASES, start);
  t.diagnostic(`writes acknowledged: ${[...perPhase].map(([p, n]) => `${p} ${n}`).join(', ')}`);

  // The ports speak TLS now, and TLS only.
  const leader = (await Promise.all(members.map(async (m) => ((await srvrOnceServing(m.host)).includes('Mode: leader') ? m : undefined)))).find((m) => m)!;
  assert.equal(await tlsHandshake(leader.host, 2888), 'TLSv1.2', 'the leader\'s quorum port');
  for (const m of members) {
    assert.equal(await tlsHandshake(m.host, 3888), 'TLSv1.2', `${m.host}'s election port`);
    await plainClosed(m.host, 3888);
  }
  await plainClosed(leader.host, 2888);
  // Each member says so: Apache's learners and election connections did handshakes, and ours logged TLS accepts.
  assert.match(running.get(1)!.log(), /SSL handshake complete with|Accepted TLS connection from/);
  for (const myid of [2, 3]) assert.match(running.get(myid)!.log(), /Accepted TLS connection from/);
});
