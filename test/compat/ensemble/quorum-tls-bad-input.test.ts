// Bad input on the quorum ports under sslQuorum, beside Apache ZooKeeper 3.8: garbage, a
// connection that says nothing, and a TLS handshake that stalls each close that connection
// only — within the handshake detection timeout (ssl.quorum.handshakeDetectionTimeoutMillis,
// X509Util's 5000 ms) or the handshake's own bound (Apache's socket timeout there) — and the
// mixed ensemble keeps serving with the leader it had. A member whose quorum key store cannot
// be opened stops at start naming the key and the file. Addresses 127.0.51.21-23.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { rmSync } from 'node:fs';
import { DEFAULT_HANDSHAKE_DETECTION_TIMEOUT_ms } from '../../../src/config/tls-config';
import { srvrOnceServing, type Member, type MemberSpec } from '../../support/ensemble';
import { ensembleScope } from '../../support/ensemble-scope';
import { makeTlsStores, quorumTlsLines, type TlsStores } from '../../support/tls-stores';

const members: MemberSpec[] = [1, 2, 3].map((myid) => ({ myid, host: `127.0.51.${20 + myid}` }));
/** The ensemble's tickTime and limits (test/support/ensemble.ts): the handshake bounds follow from them. */
const TICK_ms = 500;
const SYNC_LIMIT = 5;
const INIT_LIMIT = 10;
/** Slack for a loaded machine on top of a bound, before a connection still open counts as held. */
const SLACK_ms = 4000;

let stores: TlsStores;
const scope = ensembleScope();
/** The members the running test started, for the count of elections they logged. */
const started: Member[] = [];

before(() => {
  stores = makeTlsStores(members.map((m) => m.host));
});
after(() => rmSync(stores.dir, { recursive: true, force: true }));

async function member(flavour: 'apache' | 'ours', myid: number): Promise<Member> {
  const m = await scope.start(flavour, members[myid - 1]!, members, quorumTlsLines(stores, `m${myid}`, members[myid - 1]!.host));
  started.push(m);
  return m;
}

/**
 * Connects, writes `send` (if any) and resolves with the ms until the member closed the
 * connection; rejects if it is still open after `deadline_ms`.
 */
function closedAfter(host: string, port: number, send: Buffer | undefined, deadline_ms: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    let opened = 0;
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`${host}:${port} still held the connection after ${deadline_ms} ms`));
    }, deadline_ms);
    s.on('connect', () => {
      opened = performance.now();
      if (send) s.write(send);
    });
    s.on('data', () => {});
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      if (opened === 0) return reject(new Error(`${host}:${port} refused the connection`));
      resolve(performance.now() - opened);
    });
  });
}

/** Not a TLS record: the first bytes of no protocol the quorum ports speak. */
const GARBAGE = Buffer.from('GET / HTTP/1.1\r\nHost: zk\r\n\r\n' + 'x'.repeat(64));
/** A TLS handshake record header announcing 100 bytes that never come. */
const STALLED_HANDSHAKE = Buffer.from([22, 3, 1, 0, 100]);

test('garbage, silence and a stalled handshake on the quorum ports close that connection only, on Apache\'s and on ours, and the ensemble serves on', { timeout: 180_000 }, async (t) => {
  const a1 = await member('apache', 1);
  await a1.waitForLog(/is accepting connections now/, 60_000);
  await member('ours', 3);
  // 2 starts once 3 leads with 1: started before, it could win an election 3 had not joined yet.
  assert.match(await srvrOnceServing(members[2]!.host), /Mode: leader/);
  const o2 = await member('ours', 2);
  for (const m of members.slice(0, 2)) assert.match(await srvrOnceServing(m.host), /Mode: follower/);
  const electionsBefore = started.map((m) => (m.log().match(/LEADER ELECTION TOOK/g) ?? []).length);

  const election = (myid: number) => ({ host: members[myid - 1]!.host, port: 3888 });
  const quorum = { host: members[2]!.host, port: 2888 }; // our leader's
  // Garbage: refused at once by both (not TLS, and sslQuorum takes TLS only).
  for (const at of [election(1), election(2), quorum]) {
    const ms = await closedAfter(at.host, at.port, GARBAGE, SLACK_ms);
    assert.ok(ms < SLACK_ms, `${at.host}:${at.port} closed garbage after ${ms} ms`);
  }
  assert.match(o2.log(), /Socket mode is not TLS: closing the connection from/);
  await a1.waitForLog(/Blocked insecure connection attempt|Exception handling connection/, 10_000);

  // Silence: held for the detection timeout, then taken for plain text and closed.
  const silent = await Promise.all([election(1), election(2), quorum].map((at) => closedAfter(at.host, at.port, undefined, DEFAULT_HANDSHAKE_DETECTION_TIMEOUT_ms + SLACK_ms)));
  t.diagnostic(`silent: closed after ${silent.map(Math.round).join(', ')} ms (Apache's election port, ours, our quorum port)`);
  for (const ms of silent) assert.ok(ms >= DEFAULT_HANDSHAKE_DETECTION_TIMEOUT_ms - 100, `a silent connection closed after ${ms} ms, before the detection timeout`);
  await a1.waitForLog(/Socket mode detection timed out after 5000 ms, assuming PLAINTEXT/, 10_000);

  // A handshake that stalls after its first record header: the handshake's own bound —
  // the election port's socket timeout (tickTime * syncLimit), the quorum port's
  // (tickTime * initLimit) — on Apache's and on ours.
  const stalled = await Promise.all(
    [
      [election(1), TICK_ms * SYNC_LIMIT],
      [election(2), TICK_ms * SYNC_LIMIT],
      [quorum, TICK_ms * INIT_LIMIT],
    ].map(([at, bound]) => {
      const { host, port } = at as { host: string; port: number };
      return closedAfter(host, port, STALLED_HANDSHAKE, (bound as number) + SLACK_ms);
    }),
  );
  t.diagnostic(`stalled handshake: closed after ${stalled.map(Math.round).join(', ')} ms (Apache's election port, ours, our quorum port)`);
  for (const ms of stalled) assert.ok(ms >= TICK_ms * SYNC_LIMIT - 100, `a stalled handshake closed after ${ms} ms, before its bound`);
  assert.match(o2.log(), /Unsuccessful TLS handshake with .* on the quorum: TLS handshake timeout/);

  // The ensemble never noticed: no new election anywhere, and a write through each member reads back on each.
  assert.deepEqual(started.map((m) => (m.log().match(/LEADER ELECTION TOOK/g) ?? []).length), electionsBefore);
  await scope.writesEverywhere(members.map((m) => `${m.host}:2181`), 'after-bad-input');
});

test('a member whose quorum key store cannot be opened (wrong password) stops at start naming the key and the file', { timeout: 60_000 }, async () => {
  const lines: Record<string, string> = { ...quorumTlsLines(stores, 'bad-password', members[0]!.host), 'ssl.quorum.keyStore.password': 'not-the-password' };
  const m = await scope.start('ours', members[0]!, members, lines);
  const exitLine = await m.waitForLog(/ERROR .*ssl\.quorum\.keyStore\.location (\S+) \(ssl\.quorum\.keyStore\.type PKCS12\) cannot be used: (.*)/, 30_000);
  assert.equal(exitLine[1], lines['ssl.quorum.keyStore.location']);
  assert.match(exitLine[2]!, /wrong password/);
  assert.doesNotMatch(m.log(), /not-the-password/);
  // It stopped: nothing listens on its election port.
  await assert.rejects(closedAfter(members[0]!.host, 3888, undefined, 2000), /refused/);
});
