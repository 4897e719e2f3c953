// zkCli's client properties and CLIENT_JVMFLAGS as ZKClientConfig reads them: the file's lines
// over the -D options; SASL only with a JAAS Client section (or zookeeper.sasl.clientconfig's),
// and not at all with zookeeper.sasl.client=false; GSSAPI refused naming the mechanism.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadClientSecurity } from '../../../src/client/client-config';

const DIGEST = 'org.apache.zookeeper.server.auth.DigestLoginModule';

function inDir(run: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'zk-client-config-'));
  try {
    run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the JAAS file from the properties file or CLIENT_JVMFLAGS; the Client section, or the one zookeeper.sasl.clientconfig names', () => {
  inDir((dir) => {
    const jaas = join(dir, 'jaas.conf');
    writeFileSync(jaas, `Client { ${DIGEST} required username="bob" password="pw-1"; };\nOther { ${DIGEST} required username="carol" password="pw-2"; };\n`);
    const props = join(dir, 'client.properties');
    writeFileSync(props, `java.security.auth.login.config=${jaas}\n`);
    assert.deepEqual(loadClientSecurity(props, {}).sasl, { username: 'bob', password: 'pw-1' });
    assert.deepEqual(loadClientSecurity(undefined, { CLIENT_JVMFLAGS: `-Djava.security.auth.login.config=${jaas} -Dzookeeper.sasl.clientconfig=Other` }).sasl, { username: 'carol', password: 'pw-2' });
    writeFileSync(props, `java.security.auth.login.config=${jaas}\nzookeeper.sasl.clientconfig=Missing\n`);
    assert.equal(loadClientSecurity(props, {}).sasl, undefined, 'no such section: no SASL');
    writeFileSync(props, `java.security.auth.login.config=${jaas}\nzookeeper.sasl.client=false\n`);
    assert.equal(loadClientSecurity(props, { CLIENT_JVMFLAGS: '-Dzookeeper.sasl.client=true' }).sasl, undefined, 'the file wins over CLIENT_JVMFLAGS');
  });
});

test('Krb5LoginModule in the Client section is refused naming GSSAPI; zookeeper.clientCnxnSocket is named as ignored', () => {
  inDir((dir) => {
    const jaas = join(dir, 'jaas.conf');
    writeFileSync(jaas, 'Client {\n  com.sun.security.auth.module.Krb5LoginModule required useTicketCache=true;\n};\n');
    assert.throws(() => loadClientSecurity(undefined, { CLIENT_JVMFLAGS: `-Djava.security.auth.login.config=${jaas}` }), /jaas\.conf:2: section Client asks for com\.sun\.security\.auth\.module\.Krb5LoginModule \(SASL mechanism GSSAPI, Kerberos\)/);
    const props = join(dir, 'client.properties');
    writeFileSync(props, 'zookeeper.clientCnxnSocket=org.apache.zookeeper.ClientCnxnSocketNetty\n');
    assert.deepEqual(loadClientSecurity(props, {}).warnings, [`${props}:1: zookeeper.clientCnxnSocket=org.apache.zookeeper.ClientCnxnSocketNetty ignored: zookeeper-ts's client has one socket of its own, over TLS when zookeeper.client.secure=true`]);
    assert.throws(() => loadClientSecurity(join(dir, 'none.properties'), {}), /none\.properties: cannot read the client configuration/);
  });
});

test('zookeeper.client.secure=true without stores still means TLS; zookeeper.ssl.hostnameVerification=false turns the check off', () => {
  assert.deepEqual(loadClientSecurity(undefined, { CLIENT_JVMFLAGS: '-Dzookeeper.client.secure=true' }).tls, {});
  const tls = loadClientSecurity(undefined, { CLIENT_JVMFLAGS: '-Dzookeeper.client.secure=true -Dzookeeper.ssl.hostnameVerification=false' }).tls!;
  assert.equal(typeof tls.checkServerIdentity, 'function');
  assert.equal(loadClientSecurity(undefined, {}).tls, undefined);
});
