// secureClientPort against Apache ZooKeeper 3.8 (its NettyServerCnxnFactory) on the same
// key stores, made here with openssl and keytool: kazoo (use_ssl, ca, certfile, keyfile)
// and Apache's zkCli (client properties) connect to both; x509 identities in ACLs are
// enforced alike; a certificate from another CA, an expired one, no certificate under
// ssl.clientAuth=need and a plain-text client are refused alike. Addresses 127.0.46.x.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { fourLetterWord, fourLetterWordOverTls, type Flavour, type RunningServer } from '../../support/servers';
import { makeTlsStores, type ClientCert, type TlsStores } from '../../support/tls-stores';
import { CLOSE_DEADLINE_ms, connectRequest, kazooTls, startSecurePair, waitUntil, zkCliWhoami, type KazooStep as Step, type SecureLines } from './tls-clients';

const HOST: Record<Flavour, string> = { ours: '127.0.46.1', apache: '127.0.46.2' };
/** The pair with ssl.clientAuth=want and an x509 super user. */
const WANT_HOST: Record<Flavour, string> = { ours: '127.0.46.4', apache: '127.0.46.5' };
/** The pair with secureClientPort and no clientPort. */
const TLS_ONLY_HOST: Record<Flavour, string> = { ours: '127.0.46.6', apache: '127.0.46.7' };
/** The pair whose zoo.cfg names no auth provider: secureClientPort registers x509 itself. */
const NO_PROVIDER_HOST: Record<Flavour, string> = { ours: '127.0.46.8', apache: '127.0.46.9' };
const SECURE_PORT = 2281;
const FLAVOURS: Flavour[] = ['apache', 'ours'];

let stores: TlsStores;
const servers: Partial<Record<Flavour, RunningServer>> = {};

/** The server's PEM key store and the CA, with `extra` on top. */
function storeLines(extra: SecureLines = {}): SecureLines {
  return { 'ssl.keyStore.location': stores.serverPem, 'ssl.trustStore.location': stores.caFile, ...extra };
}

before(async () => {
  stores = makeTlsStores([...Object.values(HOST), ...Object.values(WANT_HOST), ...Object.values(TLS_ONLY_HOST), ...Object.values(NO_PROVIDER_HOST)]);
  Object.assign(servers, await startSecurePair(HOST, SECURE_PORT, () => storeLines()));
});

after(async () => {
  await Promise.all(Object.values(servers).map((s) => s?.stop()));
});

/**
 * How long kazoo tries to connect where the handshake is refused: it retries until then, so
 * this is what each refusal costs; 2 s covers several handshakes on a loaded machine.
 */
const REFUSED_CONNECT_s = 2;

function kazoo(flavour: Flavour, steps: Step[], host = HOST[flavour]): Promise<unknown[]> {
  return kazooTls(`${host}:${SECURE_PORT}`, stores.caFile, steps);
}

describe('secureClientPort, beside Apache ZooKeeper 3.8 on the same key stores', () => {
  test('kazoo over TLS: an x509 ACL lets its subject in and keeps another certificate out, on both alike', async () => {
    const alice = stores.client('alice');
    const bob = stores.client('bob');
    const steps: Step[] = [
      { as: 'alice', cert: alice, do: [['create-x509', '/tls-acl', alice.subject], ['get', '/tls-acl']] },
      { as: 'bob', cert: bob, do: [['get', '/tls-acl'], ['set', '/tls-acl', 'x']] },
      { as: 'alice again', cert: alice, do: [['set', '/tls-acl', 'y'], ['get', '/tls-acl']] },
    ];
    const got: Partial<Record<Flavour, unknown[]>> = {};
    for (const f of FLAVOURS) got[f] = await kazoo(f, steps);
    // What Apache does, spelled out, so the comparison cannot pass on two empty answers.
    assert.deepEqual(got.apache, [
      { as: 'alice', connect: 'ok', results: [['created', [['x509', 'CN=alice,OU=ops,O=zkts', 31]]], ['get', 'secret']] },
      { as: 'bob', connect: 'ok', results: [['get', 'NoAuthError'], ['set', 'NoAuthError']] },
      { as: 'alice again', connect: 'ok', results: [['set', 'ok'], ['get', 'y']] },
    ]);
    assert.deepEqual(got.ours, got.apache);
  });

  test('another CA, an expired certificate and no certificate (ssl.clientAuth=need) are refused alike, and logged', async () => {
    const steps: Step[] = [
      { as: 'stranger', cert: stores.stranger, timeout: REFUSED_CONNECT_s, do: [['get', '/']] },
      { as: 'expired', cert: stores.expired, timeout: REFUSED_CONNECT_s, do: [['get', '/']] },
      { as: 'no certificate', timeout: REFUSED_CONNECT_s, do: [['get', '/']] },
    ];
    const got: Partial<Record<Flavour, unknown[]>> = {};
    for (const f of FLAVOURS) got[f] = await kazoo(f, steps);
    // kazoo gives up on every one (its handshake fails; it has no session to report).
    for (const r of got.apache!) assert.equal((r as { connect: string }).connect, 'KazooTimeoutError', JSON.stringify(got.apache));
    assert.deepEqual(got.ours, got.apache);
    // Each refusal is one log line on both: Apache's "Unsuccessful handshake" (ERROR), ours the same words (WARN).
    const count = (s: string) => (s.match(/Unsuccessful handshake/g) ?? []).length;
    await waitUntil(() => count(servers.apache!.log()) >= 3 && count(servers.ours!.log()) >= 3, 'three handshake failures logged by each server');
    assert.match(servers.ours!.log(), /Unsuccessful handshake with \/127\.0\.0\.1:\d+: .*certificate/i);
  });

  test('a plain-text client on the TLS port gets no answer: the connection is closed, on both alike', async () => {
    const got: Partial<Record<Flavour, { bytes: number; closed: boolean }>> = {};
    for (const f of FLAVOURS) got[f] = await plainConnect(HOST[f], SECURE_PORT);
    assert.deepEqual(got.apache, { bytes: 0, closed: true });
    assert.deepEqual(got.ours, got.apache);
    // The server serves on: the plain port still answers, the secure one still accepts.
    for (const f of FLAVOURS) assert.match(await fourLetterWord(HOST[f], 2181, 'ruok'), /imok/);
    const alice = stores.client('alice');
    for (const f of FLAVOURS) assert.deepEqual(await kazoo(f, [{ as: 'after', cert: alice, do: [['get', '/tls-acl']] }]), [{ as: 'after', connect: 'ok', results: [['get', 'y']] }]);
  });

  test("Apache's zkCli with client properties (Netty, TLS, a PEM key store): whoami prints the certificate's subject, on both alike", async () => {
    const alice = stores.client('alice');
    const got: Partial<Record<Flavour, string>> = {};
    for (const f of FLAVOURS) got[f] = await zkCliWhoami({ keyStore: alice.pemStore, trustStore: stores.caFile }, `${HOST[f]}:${SECURE_PORT}`);
    assert.equal(got.apache, 'Auth scheme: User\nx509: CN=alice,OU=ops,O=zkts\nip: 127.0.0.1\n');
    assert.equal(got.ours, got.apache);
  });

  test("ssl.protocol and the cipher suites by default: TLSv1.2 with Apache's GCM and CBC suites, on both alike", async () => {
    const alice = stores.client('alice');
    const offers: { name: string; opts: ConnectionOptions }[] = [
      { name: 'any version', opts: {} },
      { name: 'TLSv1.3 only', opts: { minVersion: 'TLSv1.3' } },
      { name: 'a CBC suite only', opts: { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA256' } },
      { name: 'ChaCha20 only', opts: { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-CHACHA20-POLY1305' } },
      { name: 'AES-256-GCM only', opts: { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' } },
    ];
    const got: Partial<Record<Flavour, string[]>> = {};
    for (const f of FLAVOURS) {
      got[f] = [];
      for (const o of offers) got[f]!.push(`${o.name}: ${await handshake(HOST[f], alice, o.opts)}`);
    }
    assert.deepEqual(got.apache, [
      'any version: TLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256',
      'TLSv1.3 only: refused',
      'a CBC suite only: TLSv1.2 ECDHE-ECDSA-AES128-SHA256',
      'ChaCha20 only: refused',
      'AES-256-GCM only: TLSv1.2 ECDHE-ECDSA-AES256-GCM-SHA384',
    ]);
    assert.deepEqual(got.ours, got.apache);
  });

  test('conf shows the secure port as Apache does', async () => {
    const line = async (f: Flavour) => (await fourLetterWord(HOST[f], 2181, 'conf')).split('\n').find((l) => l.startsWith('secureClientPort='));
    assert.equal(await line('apache'), `secureClientPort=${SECURE_PORT}`);
    assert.equal(await line('ours'), await line('apache'));
  });
});

describe('ssl.clientAuth=want and X509AuthenticationProvider.superUser, beside Apache', () => {
  const want: Partial<Record<Flavour, RunningServer>> = {};
  before(async () => {
    const extra = { 'ssl.clientAuth': 'want', 'X509AuthenticationProvider.superUser': 'CN=root,OU=ops,O=zkts' };
    Object.assign(want, await startSecurePair(WANT_HOST, SECURE_PORT, () => storeLines(extra)));
  });
  after(async () => {
    await Promise.all(Object.values(want).map((s) => s?.stop()));
  });

  test('no certificate connects without an x509 id; the super user reads what only alice may; another CA is still refused', async () => {
    const alice = stores.client('alice');
    const steps: Step[] = [
      { as: 'alice', cert: alice, do: [['create-x509', '/want', alice.subject]] },
      { as: 'no certificate', do: [['get', '/want'], ['get', '/zookeeper']] },
      { as: 'root', cert: stores.client('root'), do: [['get', '/want'], ['set', '/want', 'by root']] },
      { as: 'stranger', cert: stores.stranger, timeout: REFUSED_CONNECT_s, do: [['get', '/']] },
    ];
    const got: Partial<Record<Flavour, unknown[]>> = {};
    for (const f of FLAVOURS) got[f] = await kazoo(f, steps, WANT_HOST[f]);
    assert.deepEqual(got.apache, [
      { as: 'alice', connect: 'ok', results: [['created', [['x509', 'CN=alice,OU=ops,O=zkts', 31]]]] },
      { as: 'no certificate', connect: 'ok', results: [['get', 'NoAuthError'], ['get', '']] },
      { as: 'root', connect: 'ok', results: [['get', 'secret'], ['set', 'ok']] },
      { as: 'stranger', connect: 'KazooTimeoutError' },
    ]);
    assert.deepEqual(got.ours, got.apache);
  });
});

describe('secureClientPort with no authProvider line, beside Apache', () => {
  const bare: Partial<Record<Flavour, RunningServer>> = {};
  before(async () => {
    Object.assign(bare, await startSecurePair(NO_PROVIDER_HOST, SECURE_PORT, () => storeLines({ 'authProvider.x509': undefined })));
  });
  after(async () => {
    await Promise.all(Object.values(bare).map((s) => s?.stop()));
  });

  test('a client certificate is taken by the x509 provider the secure port registers (QuorumPeerConfig.configureSSLAuth): its subject is an id for ACLs, on both alike', async () => {
    const alice = stores.client('alice');
    const steps: Step[] = [
      { as: 'alice', cert: alice, do: [['create-x509', '/bare', alice.subject], ['get', '/bare']] },
      { as: 'bob', cert: stores.client('bob'), do: [['get', '/bare']] },
    ];
    const got: Partial<Record<Flavour, unknown[]>> = {};
    for (const f of FLAVOURS) got[f] = await kazoo(f, steps, NO_PROVIDER_HOST[f]);
    assert.deepEqual(got.apache, [
      { as: 'alice', connect: 'ok', results: [['created', [['x509', 'CN=alice,OU=ops,O=zkts', 31]]], ['get', 'secret']] },
      { as: 'bob', connect: 'ok', results: [['get', 'NoAuthError']] },
    ]);
    assert.deepEqual(got.ours, got.apache);
  });
});

describe('secureClientPort instead of clientPort, beside Apache', () => {
  const only: Partial<Record<Flavour, RunningServer>> = {};
  const tlsClient = () => {
    const alice = stores.client('alice');
    return { port: SECURE_PORT, ca: readFileSync(stores.caFile), key: readFileSync(alice.keyFile), cert: readFileSync(alice.certFile), checkServerIdentity: () => undefined };
  };
  before(async () => {
    Object.assign(only, await startSecurePair(TLS_ONLY_HOST, SECURE_PORT, () => storeLines(), tlsClient()));
  });
  after(async () => {
    await Promise.all(Object.values(only).map((s) => s?.stop()));
  });

  test('only the secure port serves: conf over TLS says clientPort=-1, kazoo connects, the plain port is closed, on both alike', async () => {
    const got: Partial<Record<Flavour, unknown>> = {};
    for (const f of FLAVOURS) {
      const conf = await fourLetterWordOverTls(TLS_ONLY_HOST[f], tlsClient(), 'conf');
      const ports = conf.split('\n').filter((l) => /^(clientPort|secureClientPort)=/.test(l));
      const plain = await new Promise<string>((resolve) => {
        const s = connect({ host: TLS_ONLY_HOST[f], port: 2181 }, () => {
          s.destroy();
          resolve('open');
        });
        s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      });
      const client = await kazoo(f, [{ as: 'alice', cert: stores.client('alice'), do: [['get', '/zookeeper']] }], TLS_ONLY_HOST[f]);
      got[f] = { ports, plain, client };
    }
    assert.deepEqual(got.apache, {
      ports: ['clientPort=-1', `secureClientPort=${SECURE_PORT}`],
      plain: 'ECONNREFUSED',
      client: [{ as: 'alice', connect: 'ok', results: [['get', '']] }],
    });
    assert.deepEqual(got.ours, got.apache);
  });
});

/** A TLS handshake with Node's client: the protocol and suite agreed, or "refused". */
function handshake(host: string, cert: ClientCert, opts: ConnectionOptions): Promise<string> {
  return new Promise((resolve) => {
    const sock = tlsConnect({
      host,
      port: SECURE_PORT,
      ca: readFileSync(stores.caFile),
      key: readFileSync(cert.keyFile),
      cert: readFileSync(cert.certFile),
      checkServerIdentity: () => undefined,
      ...opts,
    });
    const timer = setTimeout(() => finish('no answer'), CLOSE_DEADLINE_ms);
    const finish = (what: string) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(what);
    };
    sock.on('secureConnect', () => finish(`${sock.getProtocol()} ${sock.getCipher().name}`));
    sock.on('error', () => finish('refused'));
    sock.on('close', () => finish('refused'));
  });
}

function plainConnect(host: string, port: number): Promise<{ bytes: number; closed: boolean }> {
  return new Promise((resolve) => {
    let bytes = 0;
    const sock = connect({ host, port }, () => sock.write(connectRequest()));
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ bytes, closed: false });
    }, CLOSE_DEADLINE_ms);
    sock.on('data', (d: Buffer) => (bytes += d.length));
    sock.on('error', () => undefined);
    sock.on('close', () => {
      clearTimeout(timer);
      resolve({ bytes, closed: true });
    });
  });
}
