// Our shell (`zookeeper-ts cli -client-configuration FILE`) reaching a secured server, against
// Apache ZooKeeper 3.8 and ours, line for line as Apache's zkCli with the same settings prints: a SASL
// DIGEST-MD5 login from a JAAS Client section (named in the properties file), a wrong
// password failing as zkCli fails (AuthFailed, then "Not connected"), and TLS with a client
// certificate (zookeeper.client.secure, the ssl key and trust stores, here from
// CLIENT_JVMFLAGS) with SASL over it. Addresses 127.0.50.7-8.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startServer, type Flavour, type RunningServer } from '../../support/servers';
import { makeTlsStores, type TlsStores } from '../../support/tls-stores';
import { run, ZK_CLI_CP } from '../real-clients/transcript';

const HOST: Record<Flavour, string> = { apache: '127.0.50.7', ours: '127.0.50.8' };
const FLAVOURS: Flavour[] = ['apache', 'ours'];
const SECURE_PORT = 2281;
const OUR_CLI = resolve(import.meta.dirname, '../../../dist/zookeeper-ts.cjs');
const NETTY_JARS = ['/usr/share/java/netty-codec.jar', '/usr/share/java/netty-resolver.jar'];
const BOB_PASSWORD = 'Bob-pw-1';
/** A JVM start and a login; bounds each client run on a loaded machine. */
const CLIENT_RUN_ms = 90_000;

let dir: string;
let stores: TlsStores;
const servers: Partial<Record<Flavour, RunningServer>> = {};

function writeJaas(name: string, clientPassword: string): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    `Server {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n  user_bob="${BOB_PASSWORD}";\n};\n` +
      `Client {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n  username="bob"\n  password="${clientPassword}";\n};\n`,
  );
  return file;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'zk-shell-secured-'));
  stores = makeTlsStores(Object.values(HOST));
  const jaasFile = writeJaas('server.conf', BOB_PASSWORD);
  await Promise.all(
    FLAVOURS.map(async (f) => {
      servers[f] = await startServer(f, {
        host: HOST[f],
        netty: true,
        jvmFlags: [`-Djava.security.auth.login.config=${jaasFile}`],
        cfg: {
          'authProvider.1': 'org.apache.zookeeper.server.auth.SASLAuthenticationProvider',
          'authProvider.x509': 'org.apache.zookeeper.server.auth.X509AuthenticationProvider',
          serverCnxnFactory: 'org.apache.zookeeper.server.NettyServerCnxnFactory',
          secureClientPort: SECURE_PORT,
          secureClientPortAddress: HOST[f],
          'ssl.keyStore.location': stores.serverPem,
          'ssl.trustStore.location': stores.caFile,
        },
      });
    }),
  );
});

after(async () => {
  await Promise.all(Object.values(servers).map((s) => s?.stop()));
  rmSync(dir, { recursive: true, force: true });
});

type Client = 'zkCli' | 'ours';
/**
 * zkCli against Apache is the reference; our shell runs against both. (zkCli against ours
 * is sasl-digest.test.ts's; each JVM start costs seconds of npm test.)
 */
const RUNS: [Client, Flavour][] = [
  ['zkCli', 'apache'],
  ['ours', 'apache'],
  ['ours', 'ours'],
];

/** One run of a client with `input` on stdin; its output with the address and the node's path made the same for all. */
async function session(client: Client, server: string, input: string, opts: { jaas?: string; tls?: boolean }): Promise<{ code: number | null; lines: string[] }> {
  const tlsFlags = opts.tls
    ? [
        '-Dzookeeper.client.secure=true',
        '-Dzookeeper.clientCnxnSocket=org.apache.zookeeper.ClientCnxnSocketNetty',
        `-Dzookeeper.ssl.keyStore.location=${stores.client('alice').pemStore}`,
        `-Dzookeeper.ssl.trustStore.location=${stores.caFile}`,
      ]
    : [];
  let result: { code: number | null; output: string };
  if (client === 'zkCli') {
    const cp = [ZK_CLI_CP, ...(opts.tls ? NETTY_JARS : [])].join(':');
    const jaas = opts.jaas ? [`-Djava.security.auth.login.config=${opts.jaas}`] : [];
    result = await run('java', [...jaas, ...tlsFlags, '-cp', cp, 'org.apache.zookeeper.ZooKeeperMain', '-server', server], { input, timeout_ms: CLIENT_RUN_ms });
  } else {
    // The JAAS file named in the properties file; the TLS keys from CLIENT_JVMFLAGS, as zkCli.sh passes them.
    const props = join(dir, `client-${Math.random().toString(36).slice(2)}.properties`);
    writeFileSync(props, opts.jaas ? `java.security.auth.login.config=${opts.jaas}\n` : '# nothing\n');
    const env = { ...process.env, CLIENT_JVMFLAGS: tlsFlags.join(' ') };
    result = await run(process.execPath, [OUR_CLI, 'cli', '-server', server, '-client-configuration', props], { input, timeout_ms: CLIENT_RUN_ms, env });
  }
  const lines = result.output
    .replaceAll(server, '<server>')
    .replace(/\/sh-\w+/g, '/sh')
    .split('\n')
    .filter((l) => l.trim() !== '');
  return { code: result.code, lines };
}

const SCRIPT = (path: string) => `create ${path} x sasl:bob:cdrwa\nwhoami\ngetAcl ${path}\nget ${path}\nquit\n`;

describe('our shell with -client-configuration, beside zkCli, against a secured Apache 3.8 and ours', () => {
  test('SASL from the JAAS Client section: logged in, the node created with sasl:bob, whoami shows sasl: bob; the same lines as zkCli', async () => {
    const jaas = writeJaas('client-right.conf', BOB_PASSWORD);
    const runs: Record<string, { code: number | null; lines: string[] }> = {};
    for (const [c, f] of RUNS) runs[`${c} → ${f}`] = await session(c, servers[f]!.connectString, SCRIPT(`/sh-${c}`), { jaas });
    const reference = runs['zkCli → apache']!;
    assert.ok(reference.lines.includes('WatchedEvent state:SaslAuthenticated type:None path:null'), reference.lines.join('\n'));
    assert.ok(reference.lines.includes('sasl: bob'), reference.lines.join('\n'));
    for (const [name, got] of Object.entries(runs)) assert.deepEqual(got, reference, name);
  });

  test('a wrong password: AuthFailed, the first command fails with AuthFailed, the rest "Not connected", as zkCli', async () => {
    const jaas = writeJaas('client-wrong.conf', 'wrong');
    const runs: Record<string, { code: number | null; lines: string[] }> = {};
    for (const [c, f] of RUNS) runs[`${c} → ${f}`] = await session(c, servers[f]!.connectString, SCRIPT('/sh-wrong'), { jaas });
    const reference = runs['zkCli → apache']!;
    assert.deepEqual(reference.lines.slice(-5), ['WatchedEvent state:AuthFailed type:None path:null', 'KeeperErrorCode = AuthFailed for /sh', 'Not connected', 'Not connected', 'Not connected']);
    for (const [name, got] of Object.entries(runs)) assert.deepEqual(got, reference, name);
  });

  test("TLS with alice's certificate and SASL over it: whoami shows sasl, x509 and ip ids, as zkCli shows them; our shell names the ignored clientCnxnSocket", async () => {
    const jaas = writeJaas('client-tls.conf', BOB_PASSWORD);
    const runs: Record<string, { code: number | null; lines: string[] }> = {};
    for (const [c, f] of RUNS) runs[`${c} → ${f}`] = await session(c, `${HOST[f]}:${SECURE_PORT}`, 'whoami\nquit\n', { jaas, tls: true });
    const reference = runs['zkCli → apache']!;
    const ids = reference.lines.slice(reference.lines.indexOf('Auth scheme: User'), reference.lines.indexOf('Auth scheme: User') + 4);
    assert.deepEqual([...ids].sort(), ['Auth scheme: User', 'ip: 127.0.0.1', 'sasl: bob', 'x509: CN=alice,OU=ops,O=zkts'].sort(), reference.lines.join('\n'));
    for (const [name, got] of Object.entries(runs)) {
      const warning = /^CLIENT_JVMFLAGS:2: zookeeper\.clientCnxnSocket=org\.apache\.zookeeper\.ClientCnxnSocketNetty ignored: /;
      if (name.startsWith('ours')) assert.match(got.lines[0]!, warning, name);
      assert.deepEqual({ code: got.code, lines: got.lines.filter((l) => !warning.test(l)) }, reference, name);
    }
  });
});
