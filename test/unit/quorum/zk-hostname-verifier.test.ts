// ZKHostnameVerifier's rules, which both ends of a quorum connection apply to the other's
// certificate: an IP address only against IP subject alternative names, a name against DNS
// ones (one wildcard label), the CN only when there is no subject alternative name at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verifyHostname } from '../../../src/quorum/zk-hostname-verifier';

const cert = (subjectaltname: string | undefined, CN?: string) => ({ subjectaltname, subject: { CN } as never });

test('an IP address matches an IP subject alternative name only (v6 normalised), never a DNS one or the CN', () => {
  assert.equal(verifyHostname('127.0.51.1', cert('DNS:zk1, IP Address:127.0.51.1')), true);
  assert.equal(verifyHostname('::1', cert('IP Address:0:0:0:0:0:0:0:1')), true);
  assert.match(String(verifyHostname('127.0.51.2', cert('IP Address:127.0.51.1', '127.0.51.2'))), /doesn't match any of the subject alternative names: \[IP:127\.0\.51\.1\]/);
  assert.match(String(verifyHostname('127.0.0.1', cert('DNS:127.0.0.1'))), /doesn't match/);
});

test('a name matches a DNS subject alternative name, case-insensitively, a wildcard standing for one label', () => {
  assert.equal(verifyHostname('ZK1.example.org', cert('DNS:zk1.example.org')), true);
  assert.equal(verifyHostname('zk1.example.org', cert('DNS:*.example.org')), true);
  assert.notEqual(verifyHostname('a.zk1.example.org', cert('DNS:*.example.org')), true);
  assert.notEqual(verifyHostname('localhost', cert('IP Address:127.0.0.1')), true);
});

test('the CN only when the certificate has no subject alternative name', () => {
  assert.equal(verifyHostname('127.0.0.1', cert(undefined, '127.0.0.1')), true);
  assert.equal(verifyHostname('localhost', cert(undefined, 'localhost')), true);
  assert.match(String(verifyHostname('zk2', cert(undefined, 'zk1'))), /doesn't match common name of the certificate subject: zk1/);
  assert.match(String(verifyHostname('zk2', cert(undefined))), /doesn't contain a common name/);
});
