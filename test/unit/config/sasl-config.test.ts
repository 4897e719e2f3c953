// The SASL keys: the JAAS file named by -Djava.security.auth.login.config (its Server section
// or the one zookeeper.sasl.serverconfig names), GSSAPI refused at start, enforced
// authentication validated as AuthenticationHelper validates it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../../src/config/server-config';
import { readJvmFlags } from '../../../src/config/jvm-flags';
import { parseJaasConfig } from '../../../src/config/jaas-config';
import { saslAuthorizedId } from '../../../src/config/sasl-config';

const ZOO_CFG = 'dataDir=/tmp/zk-sasl-config\nclientPort=2181\n';
const SASL_PROVIDER = 'authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider\n';
const DIGEST = 'org.apache.zookeeper.server.auth.DigestLoginModule';

function withJaas(text: string, run: (file: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'zk-jaas-'));
  try {
    const file = join(dir, 'jaas.conf');
    writeFileSync(file, text);
    run(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const parse = (jaasFile: string | undefined, extra = '', flags = '') =>
  parseConfig(ZOO_CFG + extra, 'zoo.cfg', undefined, readJvmFlags({ SERVER_JVMFLAGS: `${jaasFile ? `-Djava.security.auth.login.config=${jaasFile}` : ''} ${flags}` }));

test('a JAAS file: sections, quoted values with escapes, comments of three kinds', () => {
  const jaas = parseJaasConfig(
    `/* a block\ncomment */ Server {\n  ${DIGEST} required\n  user_bob="p\\"w" // the bob\n  user_alice='a;b';\n};\n# another\nClient { ${DIGEST} optional username="bob" password="x"; };\n`,
    'j.conf',
  );
  assert.deepEqual([...jaas.keys()], ['Server', 'Client']);
  assert.deepEqual([...jaas.get('Server')![0]!.options], [['user_bob', 'p"w'], ['user_alice', 'a;b']]);
  assert.equal(jaas.get('Client')![0]!.flag, 'optional');
  assert.throws(() => parseJaasConfig(`Server { ${DIGEST} required user_bob="x" };`, 'j.conf'), /^ConfigError: j\.conf:1: expected "="/);
  assert.throws(() => parseJaasConfig(`Server { ${DIGEST} always; };`, 'j.conf'), /login module flag must be required, requisite, sufficient or optional/);
});

test('-Djava.security.auth.login.config in SERVER_JVMFLAGS: the Server section users, or the section sasl.serverconfig names; no password in any message', () => {
  withJaas(`Server { ${DIGEST} required user_bob="Secret-1"; };\nOther { ${DIGEST} required user_carol="Secret-2"; };\n`, (file) => {
    const c = parse(file, SASL_PROVIDER);
    assert.equal(c.sasl.provider, true);
    assert.deepEqual([...c.sasl.login!.credentials], [['bob', 'Secret-1']]);
    assert.deepEqual(c.warnings, []);
    assert.deepEqual([...parse(file, 'sasl.serverconfig=Other\n').sasl.login!.credentials], [['carol', 'Secret-2']]);
    assert.deepEqual([...parse(file, '', '-Dzookeeper.sasl.serverconfig=Other').sasl.login!.credentials], [['carol', 'Secret-2']]);
    // A file without the section: no SASL login, as ServerCnxnFactory.configureSaslLogin.
    assert.equal(parse(file, 'sasl.serverconfig=Missing\n').sasl.login, undefined);
  });
});

test('-Dzookeeper.authProvider.N and -Dzookeeper.superUser.N in SERVER_JVMFLAGS count as the zoo.cfg lines (ProviderRegistry and ZooKeeperServer read them by prefix)', () => {
  const c = parse(undefined, '', '-Dzookeeper.authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider -Dzookeeper.superUser.1=alice');
  assert.equal(c.sasl.provider, true);
  assert.deepEqual(c.sasl.superUsers, ['alice']);
  assert.deepEqual(c.warnings, []);
});

test('java.security.auth.login.config in zoo.cfg is ignored with a warning, as Apache ignores it there', () => {
  const c = parse(undefined, 'java.security.auth.login.config=/etc/zk/jaas.conf\n');
  assert.equal(c.sasl.login, undefined);
  assert.match(c.warnings.join('\n'), /java\.security\.auth\.login\.config is ignored in zoo\.cfg.*SERVER_JVMFLAGS/);
});

test('Krb5LoginModule (GSSAPI) in the Server section is a config error naming the mechanism; an unreadable JAAS file names itself', () => {
  withJaas(`Server {\n  com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true keyTab="/k" principal="zookeeper/h@R";\n};\n`, (file) => {
    assert.throws(() => parse(file), (e: Error) => e.name === 'ConfigError' && e.message === `${file}:2: section Server asks for com.sun.security.auth.module.Krb5LoginModule (SASL mechanism GSSAPI, Kerberos), which zookeeper-ts does not serve; use ${DIGEST} (DIGEST-MD5)`);
  });
  assert.throws(() => parse('/nonexistent/jaas.conf'), /^ConfigError: SERVER_JVMFLAGS:1: java\.security\.auth\.login\.config: cannot read \/nonexistent\/jaas\.conf/);
});

test('enforced authentication: sessionRequireClientSASLAuth means sasl; enforce.auth.enabled needs schemes that exist, as AuthenticationHelper checks', () => {
  assert.deepEqual(parse(undefined, SASL_PROVIDER + 'sessionRequireClientSASLAuth=true\nenforce.auth.schemes=digest\n').sasl.enforceAuth, { enabled: true, schemes: ['sasl'], saslRequired: true });
  assert.deepEqual(parse(undefined, 'enforce.auth.enabled=TRUE\nenforce.auth.schemes=digest, ip\n').sasl.enforceAuth, { enabled: true, schemes: ['digest', 'ip'], saslRequired: false });
  assert.deepEqual(parse(undefined, '', '-Dzookeeper.enforce.auth.enabled=true -Dzookeeper.enforce.auth.schemes=digest').sasl.enforceAuth.schemes, ['digest']);
  assert.throws(() => parse(undefined, 'enforce.auth.enabled=true\n'), /^ConfigError: zoo\.cfg:3: zookeeper\.enforce\.auth\.enabled is true zookeeper\.enforce\.auth\.schemes must be configured\.$/);
  assert.throws(() => parse(undefined, 'sessionRequireClientSASLAuth=true\n'), /Authentication scheme sasl is not available\./);
  assert.equal(parse(undefined, 'enforce.auth.enabled=yes\nenforce.auth.schemes=nope\n').sasl.enforceAuth.enabled, false, 'Boolean.parseBoolean: only "true" is on');
});

test('superUser and superUser.N; kerberos.remove*FromPrincipal shape the authorization id of a name with a host or realm', () => {
  const c = parse(undefined, 'superUser=alice\nsuperUser.2=carol\n');
  assert.deepEqual(c.sasl.superUsers, ['alice', 'carol']);
  assert.equal(saslAuthorizedId('bob', c.sasl), 'bob');
  assert.equal(saslAuthorizedId('zk/host1@EXAMPLE.COM', c.sasl), 'zk/host1@EXAMPLE.COM');
  const stripped = parse(undefined, 'kerberos.removeHostFromPrincipal=true\nkerberos.removeRealmFromPrincipal=true\n').sasl;
  assert.equal(saslAuthorizedId('zk/host1@EXAMPLE.COM', stripped), 'zk');
});

test('quorum.auth.*: a require without enableSasl is refused as QuorumPeerConfig refuses it; standalone ignores enableSasl', () => {
  assert.throws(() => parse(undefined, 'quorum.auth.serverRequireSasl=true\n'), /^ConfigError: zoo\.cfg: quorum\.auth\.enableSasl is disabled, so cannot enable quorum\.auth\.serverRequireSasl$/);
  assert.throws(() => parse(undefined, 'quorum.auth.learnerRequireSasl=true\n'), /cannot enable quorum\.auth\.learnerRequireSasl$/);
  const standalone = parse(undefined, 'quorum.auth.enableSasl=true\n');
  assert.equal(standalone.standaloneMode, true);
  assert.equal(standalone.quorumSasl, undefined);
});

const ENSEMBLE = 'initLimit=10\nsyncLimit=5\nserver.1=127.0.50.1:2888:3888\nserver.2=127.0.50.2:2888:3888\nserver.3=127.0.50.3:2888:3888\nquorum.auth.enableSasl=true\n';
const member = (jaasFile: string | undefined, extra = '') =>
  parseConfig(ZOO_CFG + ENSEMBLE + extra, 'zoo.cfg', () => '1', readJvmFlags({ SERVER_JVMFLAGS: jaasFile ? `-Djava.security.auth.login.config=${jaasFile}` : '' }));
const QUORUM_JAAS = `QuorumServer { ${DIGEST} required user_q="pw1"; };\nQuorumLearner { ${DIGEST} required username="q" password="pw1"; };\n`;

test('quorum.auth.enableSasl in an ensemble: the QuorumServer users and the QuorumLearner login, the requires as set', () => {
  withJaas(QUORUM_JAAS, (file) => {
    const q = member(file, 'quorum.auth.learnerRequireSasl=true\n').quorumSasl!;
    assert.deepEqual([...q.credentials], [['q', 'pw1']]);
    assert.deepEqual(q.learner, { username: 'q', password: 'pw1' });
    assert.equal(q.learnerRequired, true);
    assert.equal(q.serverRequired, false);
  });
  withJaas(QUORUM_JAAS.replace('QuorumServer', 'QS').replace('QuorumLearner', 'QL'), (file) => {
    const c = member(file, 'quorum.auth.server.saslLoginContext=QS\nquorum.auth.learner.saslLoginContext=QL\nquorum.auth.kerberos.servicePrincipal=zkquorum/localhost\n');
    assert.deepEqual(c.quorumSasl!.learner, { username: 'q', password: 'pw1' });
    // Known keys, not "unknown key"; the Kerberos principal is said to be of no use here.
    assert.deepEqual(c.warnings.filter((w) => /unknown key/.test(w)), []);
    assert.ok(c.warnings.some((w) => /quorum\.auth\.kerberos\.servicePrincipal is for Kerberos \(GSSAPI\) only/.test(w)), c.warnings.join('\n'));
  });
});

test('quorum.auth.enableSasl: no JAAS file, a missing section, Kerberos or no learner login is refused at start, naming it', () => {
  assert.throws(() => member(undefined), /quorum\.auth\.enableSasl=true needs a JAAS file .*-Djava\.security\.auth\.login\.config=FILE/);
  withJaas(`QuorumServer { ${DIGEST} required user_q="pw1"; };\n`, (file) => {
    assert.throws(() => member(file), /the specified JAAS configuration section 'QuorumLearner' could not be found/);
  });
  withJaas(QUORUM_JAAS.replace(`QuorumLearner { ${DIGEST}`, 'QuorumLearner { com.sun.security.auth.module.Krb5LoginModule'), (file) => {
    assert.throws(() => member(file), /:2: section QuorumLearner asks for com\.sun\.security\.auth\.module\.Krb5LoginModule \(SASL mechanism GSSAPI, Kerberos\)/);
  });
  withJaas(QUORUM_JAAS.replace(' password="pw1"', ''), (file) => {
    assert.throws(
      (): unknown => member(file),
      (e: Error) => /section QuorumLearner needs username="\.\.\." and password="\.\.\."/.test(e.message) && !e.message.includes('pw1'),
    );
  });
});
