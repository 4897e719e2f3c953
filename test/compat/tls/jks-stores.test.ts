// JKS key and trust stores (Apache's default ssl.keyStore.type, and what keytool made
// before Java 9) on the secure client port, beside Apache ZooKeeper 3.8 on the same stores
// made by keytool -storetype JKS: the server's key store found by its .jks name, the trust
// store by ssl.trustStore.type=JKS; kazoo and Apache's zkCli (its own JKS key and trust
// stores) connect to both alike, and zkCli's and our shell's addauth x509 is answered
// alike. Addresses 127.0.52.1 (ours) and 127.0.52.2 (Apache).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Flavour, RunningServer } from '../../support/servers';
import { makeTlsStores, STORE_PASSWORD, type TlsStores } from '../../support/tls-stores';
import { OUR_SHELL } from '../real-clients/zkcli-session';
import { run } from '../real-clients/transcript';
import { kazooTls, startSecurePair, zkCliSession } from './tls-clients';

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
  Object.assign(
    servers,
    await startSecurePair(HOST, SECURE_PORT, () => ({
      'ssl.keyStore.location': stores.serverJks,
      'ssl.keyStore.password': STORE_PASSWORD,
      'ssl.trustStore.location': trustStore,
      'ssl.trustStore.password': STORE_PASSWORD,
      'ssl.trustStore.type': 'JKS',
    })),
  );
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
});

describe('addauth x509, from zkCli and our shell, beside Apache ZooKeeper 3.8', () => {
  /** zkCli's lines less its banner and the watcher's connection event (printed from another thread). */
  const lines = (output: string) =>
    output
      .split('\n')
      .filter((l) => l !== '' && !/^(Connecting to|Welcome to ZooKeeper|JLine support)/.test(l) && l !== 'WATCHER::' && !l.includes('state:SyncConnected'));

  test("zkCli with its own JKS key and trust stores: addauth x509 takes the connection's certificate again (whoami shows its subject); over the plain port it fails the session (AuthFailed), on both alike", async () => {
    const bob = stores.client('bob');
    const cli = { keyStore: stores.clientJks(bob), trustStore: stores.trustJks(), password: STORE_PASSWORD };
    // One flavour's two sessions after each other, the flavours side by side: two JVMs at a time.
    const sessions = async (f: Flavour) => {
      const tls = await zkCliSession(`${HOST[f]}:${SECURE_PORT}`, ['addauth x509', 'whoami', 'ls /zookeeper'], cli);
      const plain = await zkCliSession(`${HOST[f]}:2181`, ['addauth x509', 'ls /', 'whoami']);
      return [lines(tls), lines(plain)];
    };
    const [apache, ours] = await Promise.all(FLAVOURS.map(sessions));
    const got = { apache, ours };
    assert.deepEqual(got.apache, [
      ['Auth scheme: User', 'x509: CN=bob,OU=ops,O=zkts', 'ip: 127.0.0.1', '[config, quota]'],
      // zkCli sends ls before the failure reaches it (it fails AuthFailed); whoami finds the session gone.
      ['WatchedEvent state:AuthFailed type:None path:null', 'KeeperErrorCode = AuthFailed for /', 'Not connected'],
    ]);
    assert.deepEqual(got.ours, got.apache);
  });

  test('our shell (zookeeper-ts cli) on the plain port: the same AuthFailed event, the same failed call, then Not connected, against both servers', async () => {
    const got: Partial<Record<Flavour, string[]>> = {};
    for (const f of FLAVOURS) {
      const [command, args] = OUR_SHELL(`${HOST[f]}:2181`);
      got[f] = lines((await run(command, args, { input: 'addauth x509\nls /\nwhoami\n', timeout_ms: 60_000 })).output);
    }
    assert.deepEqual(got.apache, ['WatchedEvent state:AuthFailed type:None path:null', 'KeeperErrorCode = AuthFailed for /', 'Not connected']);
    assert.deepEqual(got.ours, got.apache);
  });
});

