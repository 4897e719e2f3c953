// zoo.cfg switches that decide who gets in, side by side with Apache ZooKeeper 3.8: skipACL
// is on only for the exact value `yes` (not `true`, not `YES`), and
// DigestAuthenticationProvider.superDigest written in zoo.cfg makes its user super. Also
// clientPort=0, which both read as "not set".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ZooKeeperClient } from '../../src/client/zookeeper-client';
import { Perms } from '../../src/jute/constants';
import { Code, KeeperError } from '../../src/jute/keeper-error';
import { generateDigest } from '../../src/tree/auth';
import { startServer, type Flavour } from '../support/servers';

const HOSTS: Record<Flavour, string> = { ours: '127.0.4.20', apache: '127.0.4.21' };
const OWNER = 'owner:owner-secret';
const SUPER = 'super:super-secret';

interface Outcome {
  /** An unauthenticated read of a node only OWNER may read. */
  strangerRead: 'allowed' | 'NOAUTH';
  /** The same read by SUPER. */
  superRead: 'allowed' | 'NOAUTH';
}

async function readAs(connectString: string, path: string, auth?: string): Promise<'allowed' | 'NOAUTH'> {
  const zk = await ZooKeeperClient.connect(connectString);
  try {
    if (auth) await zk.addAuth('digest', auth);
    await zk.getData(path);
    return 'allowed';
  } catch (e) {
    if (e instanceof KeeperError && e.code === Code.NOAUTH) return 'NOAUTH';
    throw e;
  } finally {
    await zk.close();
  }
}

async function outcome(flavour: Flavour, skipACL: string): Promise<Outcome> {
  const server = await startServer(flavour, {
    host: HOSTS[flavour],
    cfg: { skipACL, 'DigestAuthenticationProvider.superDigest': generateDigest(SUPER) },
  });
  try {
    const owner = await ZooKeeperClient.connect(server.connectString);
    await owner.addAuth('digest', OWNER);
    await owner.create('/locked', Buffer.from('secret'), { acl: [{ perms: Perms.ALL, id: { scheme: 'digest', id: generateDigest(OWNER) } }] });
    await owner.close();
    return { strangerRead: await readAs(server.connectString, '/locked'), superRead: await readAs(server.connectString, '/locked', SUPER) };
  } finally {
    await server.stop();
  }
}

for (const [skipACL, expected] of [
  ['yes', { strangerRead: 'allowed', superRead: 'allowed' }],
  ['true', { strangerRead: 'NOAUTH', superRead: 'allowed' }],
  ['YES', { strangerRead: 'NOAUTH', superRead: 'allowed' }],
] as const) {
  test(`skipACL=${skipACL}: a node whose ACL denies is ${expected.strangerRead === 'NOAUTH' ? 'denied' : 'readable'} on both; superDigest in zoo.cfg grants super on both`, async () => {
    const [apache, ours] = await Promise.all([outcome('apache', skipACL), outcome('ours', skipACL)]);
    assert.deepEqual(apache, expected, 'Apache ZooKeeper 3.8, as measured');
    assert.deepEqual(ours, apache);
  });
}

/** Apache's java command line, as test/support/servers.ts runs it. */
const JAVA_CP = ['/etc/zookeeper/conf', '/usr/share/java/zookeeper.jar', '/usr/share/java/slf4j-nop.jar', '/usr/share/java/servlet-api.jar'].join(':');
const BUNDLE = resolve(import.meta.dirname, '../../dist/zookeeper-ts.cjs');
/** Long enough for Apache to have bound every port it binds (it serves in ~1.6 s here). */
const APACHE_SETTLE_ms = 6000;

function listeningPorts(pid: number): string[] {
  return spawnSync('ss', ['-Hltnp'], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((l) => l.includes(`pid=${pid},`));
}

test('clientPort=0 with clientPortAddress: both refuse to start, exit 2 (ZooKeeper reads 0 as not set)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zk-port0-'));
  try {
    const file = join(dir, 'zoo.cfg');
    writeFileSync(file, `tickTime=2000\ndataDir=${dir}/data\nclientPort=0\nclientPortAddress=${HOSTS.ours}\nadmin.enableServer=false\n`);
    const apache = spawnSync('java', ['-cp', JAVA_CP, 'org.apache.zookeeper.server.quorum.QuorumPeerMain', file], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(apache.status, 2, 'Apache exits 2');
    const ours = spawnSync(process.execPath, [BUNDLE, 'server', file], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(ours.status, 2, ours.stderr);
    assert.match(ours.stderr, /clientPortAddress is set but clientPort is not set/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('clientPort=0 alone: Apache serves no client port at all; ours refuses to start with a clear error (exit 2)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zk-port0-'));
  try {
    const file = join(dir, 'zoo.cfg');
    writeFileSync(file, `tickTime=2000\ndataDir=${dir}/data\nclientPort=0\nadmin.enableServer=false\n`);
    const apache = spawn('java', ['-cp', JAVA_CP, 'org.apache.zookeeper.server.quorum.QuorumPeerMain', file], { stdio: 'ignore' });
    const exited = new Promise((r) => apache.once('exit', r));
    try {
      // With no client port it never starts serving, so there is no moment to wait for:
      // give it the time a start takes, with room.
      await new Promise((r) => setTimeout(r, APACHE_SETTLE_ms));
      assert.ok(existsSync(join(dir, 'data', 'version-2')), 'Apache got as far as its dataDir');
      assert.equal(apache.exitCode, null, 'Apache keeps running');
      assert.deepEqual(listeningPorts(apache.pid!), [], 'Apache listens on no port: no client can reach it');
    } finally {
      apache.kill('SIGKILL');
      await exited;
    }
    const ours = spawnSync(process.execPath, [BUNDLE, 'server', file], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(ours.status, 2, ours.stderr);
    assert.match(ours.stderr, /clientPort is not set \(clientPort=0 means not set/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
