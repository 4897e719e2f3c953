// JKS key and trust stores (Apache's default ssl.keyStore.type, and what keytool made
// before Java 9) on the secure client port, beside Apache ZooKeeper 3.8 on the same stores
// made by keytool -storetype JKS: the server's key store found by its .jks name, the trust
// store by ssl.trustStore.type=JKS; kazoo and Apache's zkCli (its own JKS key and trust
// stores) connect to both alike. Addresses 127.0.52.1 (ours) and 127.0.52.2 (Apache).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type Flavour, type RunningServer } from '../../support/servers';
import { makeTlsStores, STORE_PASSWORD, type TlsStores } from '../../support/tls-stores';
import { kazooTls, waitForPort, zkCliWhoami } from './tls-clients';

const HOST: Record<Flavour, string> = { ours: '127.0.52.1', apache: '127.0.52.2' };
const SECURE_PORT = 2281;
const FLAVOURS: Flavour[] = ['apache', 'ours'];

let stores: TlsStores;
/** The JKS trust store under a name without an extension: its type comes from ssl.trustStore.type. */
let trustStore: string;
const servers: Partial<Record<Flavour, RunningServer>> = {};

before(async () => {
  stores = makeTlsStores(Object.values(HOST));
  trustStore = join(stores.dir, 'truststore');
  copyFileSync(stores.trustJks(), trustStore);
  await Promise.all(
    FLAVOURS.map(async (f) => {
      servers[f] = await startServer(f, {
        host: HOST[f],
        netty: true,
        cfg: {
          secureClientPort: SECURE_PORT,
          secureClientPortAddress: HOST[f],
          serverCnxnFactory: 'org.apache.zookeeper.server.NettyServerCnxnFactory',
          'authProvider.x509': 'org.apache.zookeeper.server.auth.X509AuthenticationProvider',
          'ssl.keyStore.location': stores.serverJks,
          'ssl.keyStore.password': STORE_PASSWORD,
          'ssl.trustStore.location': trustStore,
          'ssl.trustStore.password': STORE_PASSWORD,
          'ssl.trustStore.type': 'JKS',
        },
      });
    }),
  );
  for (const f of FLAVOURS) await waitForPort(HOST[f], SECURE_PORT);
});

after(async () => {
  await Promise.all(Object.values(servers).map((s) => s?.stop()));
});

describe('JKS key and trust stores on the secure client port, beside Apache ZooKeeper 3.8', () => {
  test('kazoo connects with a certificate the JKS trust store trusts and gets its x509 id; another CA is refused, on both alike', async () => {
    const alice = stores.client('alice');
    const steps = [
      { as: 'alice', cert: alice, do: [['create-x509', '/jks', alice.subject], ['get', '/jks']] },
      { as: 'stranger', cert: stores.stranger, timeout: 2, do: [['get', '/']] },
    ];
    const got: Partial<Record<Flavour, unknown[]>> = {};
    for (const f of FLAVOURS) got[f] = await kazooTls(`${HOST[f]}:${SECURE_PORT}`, stores.caFile, steps);
    assert.deepEqual(got.apache, [
      { as: 'alice', connect: 'ok', results: [['created', [['x509', 'CN=alice,OU=ops,O=zkts', 31]]], ['get', 'secret']] },
      { as: 'stranger', connect: 'KazooTimeoutError' },
    ]);
    assert.deepEqual(got.ours, got.apache);
  });

  test("Apache's zkCli with its own JKS key and trust stores: whoami prints the certificate's subject, on both alike", async () => {
    const bob = stores.client('bob');
    const cli = { keyStore: stores.clientJks(bob), trustStore: stores.trustJks(), password: STORE_PASSWORD };
    const got: Partial<Record<Flavour, string>> = {};
    for (const f of FLAVOURS) got[f] = await zkCliWhoami(cli, `${HOST[f]}:${SECURE_PORT}`);
    assert.equal(got.apache, 'Auth scheme: User\nx509: CN=bob,OU=ops,O=zkts\nip: 127.0.0.1\n');
    assert.equal(got.ours, got.apache);
  });
});
