// zoo.cfg's quorum TLS keys as Apache 3.8 reads them: sslQuorum and portUnification
// (QuorumPeerConfig: true or false), the ssl.quorum.* keys through the same reader as the
// client port's ssl.* (X509Util under another prefix), and the refusals at start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfig } from '../../../src/config/server-config';
import { DEFAULT_HANDSHAKE_DETECTION_TIMEOUT_ms } from '../../../src/config/tls-config';

const ENSEMBLE = 'tickTime=500\ninitLimit=10\nsyncLimit=5\ndataDir=/tmp/zk-q\nclientPort=2181\nserver.1=127.0.0.1:2888:3888\nserver.2=127.0.0.2:2888:3888\n';
const parse = (extra: string) => parseConfig(ENSEMBLE + extra, 'zoo.cfg', () => '1');

test('ssl.quorum.* is read apart from ssl.*: its own stores, protocols, suites, clientAuth and detection timeout', () => {
  const c = parseConfig(
    ENSEMBLE +
      'sslQuorum=true\n' +
      'ssl.quorum.keyStore.location=/k/quorum.p12\nssl.quorum.keyStore.password=qpw\n' +
      'ssl.quorum.trustStore.location=/k/ca.pem\n' +
      'ssl.quorum.enabledProtocols=TLSv1.2,TLSv1.3\nssl.quorum.ciphersuites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\n' +
      'ssl.quorum.clientAuth=want\nssl.quorum.hostnameVerification=false\nssl.quorum.handshakeDetectionTimeoutMillis=1500\n' +
      'ssl.keyStore.location=/k/client.pem\n',
    'zoo.cfg',
    () => '1',
  );
  assert.equal(c.sslQuorum, true);
  assert.equal(c.portUnification, false);
  const q = c.tls.quorum!;
  assert.deepEqual(
    { sslQuorum: q.sslQuorum, portUnification: q.portUnification, prefix: q.x509.prefix, key: q.x509.keyStore, trust: q.x509.trustStore?.type },
    { sslQuorum: true, portUnification: false, prefix: 'ssl.quorum', key: { key: 'ssl.quorum.keyStore', location: '/k/quorum.p12', password: 'qpw', type: 'PKCS12' }, trust: 'PEM' },
  );
  assert.deepEqual(q.x509.enabledProtocols, ['TLSv1.2', 'TLSv1.3']);
  assert.deepEqual(q.x509.cipherSuites, ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256']);
  assert.equal(q.x509.clientAuth, 'want');
  assert.equal(q.x509.hostnameVerification, false);
  assert.equal(q.x509.handshakeDetectionTimeout_ms, 1500);
  assert.equal(c.tls.secureClient, undefined, 'ssl.* alone serves no secure client port');
});

test('Apache\'s defaults for the quorum: TLSv1.2, clientAuth need, hostnames verified, 5000 ms detection timeout', () => {
  const q = parse('portUnification=true\nssl.quorum.keyStore.location=/k/q.pem\n').tls.quorum!;
  assert.equal(q.sslQuorum, false);
  assert.equal(q.portUnification, true);
  assert.deepEqual([q.x509.protocol, q.x509.enabledProtocols, q.x509.clientAuth, q.x509.hostnameVerification, q.x509.handshakeDetectionTimeout_ms], ['TLSv1.2', ['TLSv1.2'], 'need', true, DEFAULT_HANDSHAKE_DETECTION_TIMEOUT_ms]);
  assert.equal(DEFAULT_HANDSHAKE_DETECTION_TIMEOUT_ms, 5000);
});

test('neither sslQuorum nor portUnification: no quorum TLS, whatever ssl.quorum.* says', () => {
  assert.equal(parse('ssl.quorum.keyStore.location=/k/q.pem\n').tls.quorum, undefined);
  assert.equal(parse('sslQuorum=false\n').tls.quorum, undefined);
});

test('refused at start: sslQuorum without a key store, a bad switch, a detection timeout Apache would ignore', () => {
  assert.throws(() => parse('sslQuorum=true\n'), (e: Error) => e instanceof ConfigError && /zoo\.cfg: sslQuorum=true but ssl\.quorum\.keyStore\.location is not set/.test(e.message));
  assert.throws(() => parse('sslQuorum=yes\n'), (e: Error) => e instanceof ConfigError && /sslQuorum must be true or false/.test(e.message));
  for (const v of ['0', '-1', 'soon']) {
    assert.throws(() => parse(`portUnification=true\nssl.quorum.handshakeDetectionTimeoutMillis=${v}\n`), (e: Error) => e instanceof ConfigError && /ssl\.quorum\.handshakeDetectionTimeoutMillis must be a number of milliseconds of at least 1/.test(e.message), v);
  }
});

test('an ensemble member with secureClientPort and no clientPort serves TLS only (conf: clientPort=-1)', () => {
  const c = parseConfig(ENSEMBLE.replace('clientPort=2181\n', '') + 'secureClientPort=2281\nssl.keyStore.location=/k/s.pem\n', 'zoo.cfg', () => '1');
  assert.equal(c.clientPort, -1);
  assert.equal(c.tls.secureClient?.port, 2281);
  assert.throws(() => parseConfig(ENSEMBLE.replace('clientPort=2181\n', ''), 'zoo.cfg', () => '1'), /clientPort is not set/);
});

test('sslQuorumReloadCertFiles=true is read (true or false) and warned about: the stores are read at start only', () => {
  assert.match(parse('sslQuorumReloadCertFiles=true\n').warnings.join('\n'), /sslQuorumReloadCertFiles=true is not supported: the ssl\.quorum\.\* stores are read at start/);
  assert.doesNotMatch(parse('sslQuorumReloadCertFiles=false\n').warnings.join('\n'), /sslQuorumReloadCertFiles/);
});
