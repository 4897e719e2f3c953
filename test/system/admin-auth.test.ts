// Admin command authentication as ZooKeeper 3.9 documents it (Commands.runCommand: an
// Authorization header "digest user:pw", "x509" or "ip"; 401 "Auth info is missing for the
// command" without one, 401 "Not authenticated" for a scheme or header that proves nothing,
// 403 "Not authorized" when the ids lack the permission on the ACL of "/"), on our
// server with admin.auth.enabled=true; no 3.9 server is at hand, so the statuses and words
// are 3.9's sources'. Off (the default), a guarded command answers without auth as Apache
// 3.8 answers it, compared with Apache. Addresses 127.0.52.11 (auth on), .12 (the source
// of the ip-authenticated curl), .13 (ours, auth off), .14 (Apache 3.8).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { ZooKeeperClient } from '../../src/client/zookeeper-client';
import { Perms } from '../../src/jute/constants';
import { generateDigest } from '../../src/tree/auth';
import { startServer, type Flavour, type RunningServer } from '../support/servers';
import { makeTlsStores, STORE_PASSWORD, type ClientCert, type TlsStores } from '../support/tls-stores';

const AUTH_HOST = '127.0.52.11';
const IP_CLIENT = '127.0.52.12';
const OFF: Record<Flavour, string> = { ours: '127.0.52.13', apache: '127.0.52.14' };
const ADMIN_PORT = 8080;
/** curl's budget per request: every answer here comes at once. */
const CURL_MAX_s = 10;
const ADMIN_PASSWORD = 'admin-Pw-3';

let stores: TlsStores;
const servers: RunningServer[] = [];

before(async () => {
  stores = makeTlsStores([AUTH_HOST]);
  const auth = await startServer('ours', {
    host: AUTH_HOST,
    cfg: {
      'admin.enableServer': 'true',
      'admin.serverAddress': AUTH_HOST,
      'admin.serverPort': ADMIN_PORT,
      'admin.auth.enabled': 'true',
      'admin.portUnification': 'true',
      'admin.needClientAuth': 'true',
      'ssl.quorum.keyStore.location': stores.serverP12,
      'ssl.quorum.keyStore.password': STORE_PASSWORD,
      // A PKCS12 trust store as Java 9+'s keytool makes it: x509 auth below proves it is read.
      'ssl.quorum.trustStore.location': stores.trustP12(),
      'ssl.quorum.trustStore.password': STORE_PASSWORD,
      'authProvider.x509': 'org.apache.zookeeper.server.auth.X509AuthenticationProvider',
    },
  });
  servers.push(auth);
  // The root's ACL says who may: a digest user, alice's certificate, one source address.
  const zk = await ZooKeeperClient.connect(auth.connectString);
  await zk.setACL('/', [
    { perms: Perms.ALL, id: { scheme: 'digest', id: generateDigest(`admin:${ADMIN_PASSWORD}`) } },
    { perms: Perms.ALL, id: { scheme: 'x509', id: stores.client('alice').subject } },
    { perms: Perms.ALL, id: { scheme: 'ip', id: IP_CLIENT } },
  ]);
  await zk.close();
  for (const f of ['ours', 'apache'] as const) {
    servers.push(await startServer(f, { host: OFF[f], cfg: { 'admin.enableServer': 'true', 'admin.serverAddress': OFF[f], 'admin.serverPort': ADMIN_PORT } }));
  }
});

after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

interface As {
  authorization?: string;
  /** HTTPS with this client certificate (else plain HTTP). */
  cert?: ClientCert;
  /** curl's source address. */
  from?: string;
}

function admin(host: string, command: string, as: As = {}): Promise<Answer> {
  const args = ['-sS', '-m', String(CURL_MAX_s), '-w', '\n%{http_code}'];
  if (as.authorization !== undefined) args.push('-H', `Authorization: ${as.authorization}`);
  if (as.from) args.push('--interface', as.from);
  if (as.cert) args.push('--cacert', stores.caFile, '--cert', as.cert.certFile, '--key', as.cert.keyFile);
  args.push(`${as.cert ? 'https' : 'http'}://${host}:${ADMIN_PORT}/commands/${command}`);
  return new Promise((resolve, reject) => {
    execFile('curl', args, (err, stdout, stderr) => {
      if (err) return reject(new Error(`curl ${args.join(' ')}: ${stderr}`));
      const cut = stdout.lastIndexOf('\n');
      resolve({ status: Number(stdout.slice(cut + 1)), body: JSON.parse(stdout.slice(0, cut)) as Record<string, unknown> });
    });
  });
}

const refused = (command: string, status: number, error: string): Answer => ({ status, body: { command, error } });

describe('admin.auth.enabled: guarded commands need auth as 3.9 answers', () => {
  test('no Authorization header: 401 "Auth info is missing for the command", under any alias; ruok and srvr stay open', async () => {
    assert.deepEqual(await admin(AUTH_HOST, 'dump'), refused('dump', 401, 'Auth info is missing for the command'));
    assert.deepEqual(await admin(AUTH_HOST, 'wchc'), refused('wchc', 401, 'Auth info is missing for the command'));
    assert.deepEqual(await admin(AUTH_HOST, 'ruok'), { status: 200, body: { command: 'ruok', error: null } });
    assert.equal((await admin(AUTH_HOST, 'srvr')).status, 200);
  });

  test('digest: the right password gets the answer; a wrong one proves another id (403); none, or an unknown scheme, proves nothing (401)', async () => {
    const ok = await admin(AUTH_HOST, 'dump', { authorization: `digest admin:${ADMIN_PASSWORD}` });
    assert.equal(ok.status, 200);
    assert.deepEqual(Object.keys(ok.body), ['expiry_time_to_session_ids', 'session_id_to_ephemeral_paths', 'command', 'error']);
    assert.deepEqual(await admin(AUTH_HOST, 'dump', { authorization: 'digest admin:wrong' }), refused('dump', 403, 'Not authorized'));
    for (const authorization of ['digest', 'sasl admin', 'digest admin pw', 'super admin:x']) {
      assert.deepEqual(await admin(AUTH_HOST, 'dump', { authorization }), refused('dump', 401, 'Not authenticated'), authorization);
    }
  });

  test('ip: the request\'s source address is the id; the address the ACL names gets the answer, another gets 403', async () => {
    assert.equal((await admin(AUTH_HOST, 'connections', { authorization: 'ip', from: IP_CLIENT })).status, 200);
    assert.deepEqual(await admin(AUTH_HOST, 'connections', { authorization: 'ip', from: '127.0.0.1' }), refused('connections', 403, 'Not authorized'));
  });

  test('x509 over HTTPS (admin.needClientAuth): alice\'s certificate gets the answer, bob\'s 403; over plain HTTP there is no certificate (401)', async () => {
    assert.equal((await admin(AUTH_HOST, 'stats', { authorization: 'x509', cert: stores.client('alice') })).status, 200);
    assert.deepEqual(await admin(AUTH_HOST, 'stats', { authorization: 'x509', cert: stores.client('bob') }), refused('stats', 403, 'Not authorized'));
    assert.deepEqual(await admin(AUTH_HOST, 'stats', { authorization: 'x509' }), refused('stats', 401, 'Not authenticated'));
  });

  test('a refused set_trace_mask changes nothing; an authorized one does', async () => {
    const before = (await admin(AUTH_HOST, 'gtmk')).body.tracemask;
    assert.deepEqual(await admin(AUTH_HOST, 'stmk?traceMask=0'), refused('stmk', 401, 'Auth info is missing for the command'));
    assert.equal((await admin(AUTH_HOST, 'gtmk')).body.tracemask, before);
    assert.equal((await admin(AUTH_HOST, 'stmk?traceMask=0', { authorization: `digest admin:${ADMIN_PASSWORD}` })).status, 200);
    assert.equal((await admin(AUTH_HOST, 'gtmk')).body.tracemask, 0);
  });
});

describe('admin.auth.enabled off (the default): as Apache 3.8', () => {
  test('guarded commands answer without auth and ignore an Authorization header, on both alike', async () => {
    const got: Partial<Record<Flavour, unknown[]>> = {};
    for (const f of ['apache', 'ours'] as const) {
      got[f] = [];
      for (const command of ['dump', 'stat_reset', 'initial_configuration']) {
        for (const authorization of [undefined, 'digest nobody:x']) {
          const a = await admin(OFF[f], command, authorization === undefined ? {} : { authorization });
          got[f]!.push([command, authorization ?? '-', a.status, a.body.error]);
        }
      }
    }
    assert.deepEqual(got.apache, [
      ['dump', '-', 200, null],
      ['dump', 'digest nobody:x', 200, null],
      ['stat_reset', '-', 200, null],
      ['stat_reset', 'digest nobody:x', 200, null],
      ['initial_configuration', '-', 200, null],
      ['initial_configuration', 'digest nobody:x', 200, null],
    ]);
    assert.deepEqual(got.ours, got.apache);
  });
});
