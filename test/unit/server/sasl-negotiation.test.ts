// One connection's SASL steps as ZooKeeperServer.processSasl takes them (read from Apache
// 3.8's sources; the common paths are compared with Apache in test/compat/sasl): the ids a
// login adds (sasl:<id>, and super for zookeeper.superUser), the password of "super" from
// zookeeper.SASLAuthenticationProvider.superPassword, a failure answered AUTHFAILED, or
// SESSIONCLOSEDREQUIRESASLAUTH when SASL is required, or kept with allowSaslFailedClients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NO_SASL, type SaslConfig } from '../../../src/config/sasl-config';
import { Code } from '../../../src/jute/keeper-error';
import { DigestMd5Client, ZOOKEEPER_SASL_PROTOCOL, ZOOKEEPER_SASL_SERVER_NAME } from '../../../src/sasl/digest-md5';
import { authenticationEnforced, SaslNegotiation, type SaslStep } from '../../../src/server/sasl-negotiation';

const LOGIN = { jaasFile: '/etc/zk/jaas.conf', section: 'Server', credentials: new Map([['bob', 'bob-pw'], ['super', 'jaas-super-pw']]) };

function login(cfg: SaslConfig, username: string, password: string): { steps: SaslStep[]; lines: string[] } {
  const lines: string[] = [];
  const n = new SaslNegotiation(cfg, { info: (l) => lines.push(`INFO ${l}`), warn: (l) => lines.push(`WARN ${l}`), error: (l) => lines.push(`ERROR ${l}`) });
  const c = new DigestMd5Client({ protocol: ZOOKEEPER_SASL_PROTOCOL, serverName: ZOOKEEPER_SASL_SERVER_NAME, username, password });
  const steps: SaslStep[] = [];
  let token = c.evaluateChallenge(Buffer.alloc(0));
  for (let i = 0; i < 2; i++) {
    const step = n.step(token, '/127.0.0.1:5000', '1a');
    steps.push(step);
    if (step.kind !== 'token' || step.token === null || i === 1) break;
    token = c.evaluateChallenge(step.token);
  }
  return { steps, lines };
}

test('a login adds sasl:<user>; zookeeper.superUser adds super too, logged as Apache logs it', () => {
  const { steps, lines } = login({ ...NO_SASL, login: LOGIN, superUsers: ['bob'] }, 'bob', 'bob-pw');
  const last = steps.at(-1)!;
  assert.equal(last.kind, 'token');
  assert.deepEqual(last.kind === 'token' ? last.ids : [], [{ scheme: 'sasl', id: 'bob' }, { scheme: 'super', id: '' }]);
  assert.ok(lines.includes("INFO Session 0x1a: Authenticated Id 'bob' as super user"), lines.join('\n'));
});

test('the user "super" logs in with SASLAuthenticationProvider.superPassword when it is set, not with the JAAS password', () => {
  const cfg = { ...NO_SASL, login: LOGIN, superPassword: 'prop-super-pw' };
  assert.equal(login(cfg, 'super', 'prop-super-pw').steps.at(-1)!.kind, 'token');
  assert.deepEqual(login(cfg, 'super', 'jaas-super-pw').steps.at(-1), { kind: 'failed', err: Code.AUTHFAILED });
  assert.equal(login({ ...NO_SASL, login: LOGIN }, 'super', 'jaas-super-pw').steps.at(-1)!.kind, 'token');
  // Not in the JAAS section: unknown, whatever superPassword says.
  const noSuper = { ...LOGIN, credentials: new Map([['bob', 'bob-pw']]) };
  assert.deepEqual(login({ ...cfg, login: noSuper }, 'super', 'prop-super-pw').steps.at(-1), { kind: 'failed', err: Code.AUTHFAILED });
});

test('a failed login: AUTHFAILED; SESSIONCLOSEDREQUIRESASLAUTH when SASL is required; kept (OK, no token) with allowSaslFailedClients unless required', () => {
  const enforced = { enabled: true, schemes: ['sasl'], saslRequired: true };
  assert.deepEqual(login({ ...NO_SASL, login: LOGIN }, 'bob', 'wrong').steps.at(-1), { kind: 'failed', err: Code.AUTHFAILED });
  assert.deepEqual(login({ ...NO_SASL, login: LOGIN, enforceAuth: enforced }, 'bob', 'wrong').steps.at(-1), { kind: 'failed', err: Code.SESSIONCLOSEDREQUIRESASLAUTH });
  assert.deepEqual(login({ ...NO_SASL, login: LOGIN, allowSaslFailedClients: true }, 'bob', 'wrong').steps.at(-1), { kind: 'token', token: null, ids: [] });
  assert.deepEqual(login({ ...NO_SASL, login: LOGIN, allowSaslFailedClients: true, enforceAuth: enforced }, 'bob', 'wrong').steps.at(-1), { kind: 'failed', err: Code.SESSIONCLOSEDREQUIRESASLAUTH });
  const { lines } = login({ ...NO_SASL, login: LOGIN }, 'bob', 'wrong');
  assert.doesNotMatch(lines.join('\n'), /bob-pw|wrong/, 'no password in the log');
});

test('enforced authentication: a connection with one of the schemes passes; one without is refused with an ERROR line naming both lists', () => {
  const lines: string[] = [];
  const log = { info: () => undefined, warn: () => undefined, error: (l: string) => lines.push(l) };
  const enforce = { enabled: true, schemes: ['sasl', 'digest'], saslRequired: true };
  assert.equal(authenticationEnforced(enforce, [{ scheme: 'ip', id: '127.0.0.1' }, { scheme: 'digest', id: 'u:x' }], log), true);
  assert.equal(authenticationEnforced(enforce, [{ scheme: 'ip', id: '127.0.0.1' }], log), false);
  assert.equal(authenticationEnforced(NO_SASL.enforceAuth, [], log), true);
  assert.deepEqual(lines, ['Client authentication scheme(s) [ip] does not match with any of the expected authentication scheme [sasl, digest], closing session.']);
});

test("a GSSAPI (Kerberos) client's first token fails as any initial response does, and the log names GSSAPI", () => {
  const lines: string[] = [];
  const n = new SaslNegotiation({ ...NO_SASL, login: LOGIN }, { info: () => undefined, warn: (l) => lines.push(l), error: (l) => lines.push(l) });
  // The head of a Kerberos InitialContextToken: [APPLICATION 0], length, OID 1.2.840.113554.1.2.2.
  const krb5 = Buffer.from([0x60, 0x82, 0x02, 0x10, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02, 0x01, 0x00]);
  assert.deepEqual(n.step(krb5, '/127.0.0.1:5000', '1a'), { kind: 'failed', err: Code.AUTHFAILED });
  assert.match(lines.join('\n'), /DIGEST-MD5 must not have an initial response: the client offered GSSAPI \(Kerberos\), which zookeeper-ts does not serve/);
});
