// DIGEST-MD5 (RFC 2831) against an exchange recorded from Apache ZooKeeper 3.8 (Java's
// DigestMD5Server) and kazoo (pure-sasl): the same response proves the same password and
// earns the same rspauth; our client and server agree with each other; every way a
// response can be wrong fails with Java's message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DigestMd5Client, DigestMd5Server, SaslError, ZOOKEEPER_SASL_PROTOCOL, ZOOKEEPER_SASL_SERVER_NAME } from '../../../src/sasl/digest-md5';

const USERS = new Map([['bob', 'bob-pw']]);
// Apache 3.8's challenge nonce and kazoo's response for bob/bob-pw, and Apache's rspauth to it.
const NONCE = 'AEwBRLt3r4YBaZH0sh5lEB1YjcQv5su75h9Ep3GO';
const KAZOO_RESPONSE =
  'qop=auth,realm="zk-sasl-md5",username="bob",nonce="AEwBRLt3r4YBaZH0sh5lEB1YjcQv5su75h9Ep3GO",cnonce="711019977617299",nc=00000001,digest-uri="zookeeper/zk-sasl-md5",response=f2bab98fb8b69562404f057d9d09a1a2';
const APACHE_RSPAUTH = 'rspauth=36b1dc64a7f2067a27ac475d7ee17b40';

function server(warnings: string[] = []): DigestMd5Server {
  return new DigestMd5Server({
    protocol: ZOOKEEPER_SASL_PROTOCOL,
    serverName: ZOOKEEPER_SASL_SERVER_NAME,
    passwordOf: (u) => USERS.get(u),
    authorizedId: (u) => u,
    warn: (l) => warnings.push(l),
  });
}

/** A server whose challenge carried Apache's recorded nonce. */
function serverAtRecordedNonce(warnings: string[] = []): DigestMd5Server {
  const s = server(warnings);
  const challenge = s.evaluateResponse(Buffer.alloc(0)).toString();
  assert.match(challenge, /^realm="zk-sasl-md5",nonce="[A-Za-z0-9+/]{40}",charset=utf-8,algorithm=md5-sess$/);
  // The nonce is random; the recorded exchange needs Apache's.
  Object.assign(s, { nonce: NONCE });
  return s;
}

test("kazoo's response recorded against Apache proves bob's password here too, and earns Apache's rspauth", () => {
  const s = serverAtRecordedNonce();
  assert.equal(s.evaluateResponse(Buffer.from(KAZOO_RESPONSE)).toString(), APACHE_RSPAUTH);
  assert.equal(s.isComplete, true);
  assert.equal(s.authorizationId, 'bob');
  assert.throws(() => s.evaluateResponse(Buffer.alloc(0)), /DIGEST-MD5 authentication already complete/);
});

test('our client and server complete an exchange; a wrong password fails with Mismatched response', () => {
  for (const [password, ok] of [['bob-pw', true], ['wrong', false]] as const) {
    const s = server();
    const c = new DigestMd5Client({ protocol: ZOOKEEPER_SASL_PROTOCOL, serverName: ZOOKEEPER_SASL_SERVER_NAME, username: 'bob', password });
    const first = c.evaluateChallenge(Buffer.alloc(0));
    assert.equal(first.length, 0, 'no initial response');
    const response = c.evaluateChallenge(s.evaluateResponse(first));
    if (!ok) {
      assert.throws(() => s.evaluateResponse(response), (e: Error) => e instanceof SaslError && e.message === 'DIGEST-MD5: digest response format violation. Mismatched response.');
      continue;
    }
    c.evaluateChallenge(s.evaluateResponse(response));
    assert.equal(c.isComplete, true);
    assert.equal(s.authorizationId, 'bob');
  }
});

test('our client refuses an rspauth that does not prove the server knows the password', () => {
  const c = new DigestMd5Client({ protocol: ZOOKEEPER_SASL_PROTOCOL, serverName: ZOOKEEPER_SASL_SERVER_NAME, username: 'bob', password: 'bob-pw' });
  c.evaluateChallenge(Buffer.from(`realm="zk-sasl-md5",nonce="${NONCE}",charset=utf-8,algorithm=md5-sess`));
  assert.throws(() => c.evaluateChallenge(Buffer.from('rspauth=00000000000000000000000000000000')), /rspauth/);
});

test('an unknown user is warned about (by name, never a password) and fails as a wrong password does', () => {
  const warnings: string[] = [];
  const s = serverAtRecordedNonce(warnings);
  assert.throws(() => s.evaluateResponse(Buffer.from(KAZOO_RESPONSE.replace('username="bob"', 'username="mallory"'))), /Mismatched response\.$/);
  assert.deepEqual(warnings, ["User 'mallory' not found in list of DIGEST-MD5 authenticateable users."]);
});

test('each malformed response fails with the violation Java names', () => {
  const cases: [string, RegExp][] = [
    [KAZOO_RESPONSE.replace(NONCE, 'other'), /Mismatched nonce\.$/],
    [KAZOO_RESPONSE.replace('zookeeper/zk-sasl-md5', 'http/zk-sasl-md5'), /Mismatched URI: http\/zk-sasl-md5; expecting: zookeeper\/zk-sasl-md5$/],
    [KAZOO_RESPONSE.replace('qop=auth', 'qop=auth-conf'), /Invalid QOP: auth-conf$/],
    [KAZOO_RESPONSE.replace('nc=00000001', 'nc=00000002'), /Nonce count does not match: 00000002$/],
    [KAZOO_RESPONSE.replace('realm="zk-sasl-md5"', 'realm="other"'), /Nonexistent realm: other$/],
    [KAZOO_RESPONSE.replace('username="bob",', ''), /Missing username\.$/],
    [KAZOO_RESPONSE + ',username="bob"', /Duplicate directive: username$/],
    ['x'.repeat(4097), /more than 4096/],
  ];
  for (const [response, message] of cases) assert.throws(() => serverAtRecordedNonce().evaluateResponse(Buffer.from(response)), message, response.slice(0, 60));
  assert.throws(() => server().evaluateResponse(Buffer.from('x')), /must not have an initial response/);
});
