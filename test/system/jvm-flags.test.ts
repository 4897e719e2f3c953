// -Dzookeeper.* options from SERVER_JVMFLAGS, as operators carry them over from Apache's
// zookeeper-env.sh or /etc/default/zookeeper: the same options given to Apache 3.8 (on
// java's command line) and to ours (in SERVER_JVMFLAGS) make both answer alike — the 4lw
// whitelist, the AdminServer's port, the super user's digest — and a zoo.cfg line wins over
// the option in both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ZooKeeperClient } from '../../src/client/zookeeper-client';
import { fourLetterWord, startServer, type Flavour, type RunningServer } from '../support/servers';

const HOSTS: Record<Flavour, string> = { apache: '127.0.42.3', ours: '127.0.42.4' };
const ADMIN_PORT = 18081;
const SUPER_PASSWORD = 'carried-over';
const SUPER_DIGEST = `super:${createHash('sha1').update(`super:${SUPER_PASSWORD}`).digest('base64')}`;

async function both<T>(cfg: Record<string, string | number | boolean | undefined>, jvmFlags: string[], look: (s: RunningServer) => Promise<T>): Promise<Record<Flavour, T>> {
  const run = async (flavour: Flavour) => {
    const s = await startServer(flavour, { host: HOSTS[flavour], cfg, jvmFlags });
    try {
      return await look(s);
    } finally {
      await s.stop();
    }
  };
  // One after the other: both bind the AdminServer's port on every address (admin.serverAddress
  // left out), so side by side the second to bind would fail to start.
  const apache = await run('apache');
  const ours = await run('ours');
  return { apache, ours };
}

test('-Dzookeeper.4lw.commands.whitelist, admin.serverPort and superDigest act as in Apache', async () => {
  const flags = [
    '-Dzookeeper.4lw.commands.whitelist=srvr,ruok',
    `-Dzookeeper.admin.serverPort=${ADMIN_PORT}`,
    `-Dzookeeper.DigestAuthenticationProvider.superDigest=${SUPER_DIGEST}`,
  ];
  const cfg = { '4lw.commands.whitelist': undefined, 'admin.enableServer': true, 'admin.serverAddress': undefined };
  const seen = await both(cfg, flags, async (s) => {
    const ruok = await fourLetterWord(s.host, s.port, 'ruok');
    const stat = await fourLetterWord(s.host, s.port, 'stat');
    const admin = (await (await fetch(`http://${s.host}:${ADMIN_PORT}/commands/ruok`)).json()) as Record<string, unknown>;
    // A node only its creator may read; the super user of the option reads it too.
    const owner = await ZooKeeperClient.connect(s.connectString);
    await owner.addAuth('digest', 'owner:pw');
    await owner.create('/private', Buffer.from('kept'), { acl: [{ perms: 31, id: { scheme: 'auth', id: '' } }] });
    await owner.close();
    const other = await ZooKeeperClient.connect(s.connectString);
    const refused = await other.getData('/private').then(() => 'read', (e: Error) => e.message);
    await other.addAuth('digest', `super:${SUPER_PASSWORD}`);
    const asSuper = (await other.getData('/private')).data?.toString();
    await other.close();
    return { ruok, stat, admin: admin.command, refused, asSuper };
  });
  assert.equal(seen.apache.ruok, 'imok');
  assert.match(seen.apache.stat, /not in the whitelist/);
  assert.equal(seen.apache.admin, 'ruok');
  assert.equal(seen.apache.asSuper, 'kept');
  assert.deepEqual(seen.ours, seen.apache);
});

test('a zoo.cfg line wins over the -D option, in both', async () => {
  const flags = ['-Dzookeeper.4lw.commands.whitelist=ruok', '-Dzookeeper.admin.serverPort=1'];
  const cfg = { '4lw.commands.whitelist': 'srvr,stat', 'admin.enableServer': true, 'admin.serverAddress': undefined, 'admin.serverPort': ADMIN_PORT };
  const seen = await both(cfg, flags, async (s) => ({
    ruok: await fourLetterWord(s.host, s.port, 'ruok'),
    stat: (await fourLetterWord(s.host, s.port, 'stat')).split('\n')[0]!.replace(/version: .*/, 'version: …'),
    admin: ((await (await fetch(`http://${s.host}:${ADMIN_PORT}/commands/ruok`)).json()) as Record<string, unknown>).command,
  }));
  assert.match(seen.apache.ruok, /not in the whitelist/);
  assert.equal(seen.apache.stat, 'Zookeeper version: …');
  assert.deepEqual(seen.ours, seen.apache);
});
