// CVE-2024-23944: a persistent (recursive) watch must not tell its owner about nodes it
// may not READ. One session watches / recursively and /guarded persistently; another,
// authenticated by digest, creates, changes and deletes nodes readable only by itself
// (and some readable by anyone) under them. The events the watcher gets, compared with
// Apache 3.8 (Debian's 3.8.0-11+deb12u2 carries the fix).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { ZooKeeperClient } from '../../src/client/zookeeper-client';
import { AddWatchMode, OPEN_ACL_UNSAFE, Perms } from '../../src/jute/constants';
import { generateDigest } from '../../src/tree/auth';
import { startServer, type Flavour, type RunningServer } from '../support/servers';

const HOSTS: Record<Flavour, string> = { apache: '127.0.1.14', ours: '127.0.1.15' };
const servers = new Map<Flavour, RunningServer>();
const clients: ZooKeeperClient[] = [];

before(async () => {
  for (const flavour of ['apache', 'ours'] as const) servers.set(flavour, await startServer(flavour, { host: HOSTS[flavour] }));
});

after(async () => {
  for (const c of clients) c.disconnect();
  await Promise.all([...servers.values()].map((s) => s.stop()));
});

async function eventsSeen(flavour: Flavour): Promise<string[]> {
  const server = servers.get(flavour)!;
  const watcher = await ZooKeeperClient.connect(server.connectString);
  const owner = await ZooKeeperClient.connect(server.connectString);
  clients.push(watcher, owner);
  const seen: string[] = [];
  watcher.on('watch', (e) => seen.push(`${e.type} ${e.path}`));
  await owner.addAuth('digest', 'owner:secret');
  const ownerOnly = [{ perms: Perms.ALL, id: { scheme: 'digest', id: generateDigest('owner:secret') } }];
  const writeOnly = [{ perms: Perms.ALL & ~Perms.READ, id: { scheme: 'world', id: 'anyone' } }];
  await owner.create('/guarded', null, { acl: OPEN_ACL_UNSAFE });
  await watcher.addWatch('/', AddWatchMode.PERSISTENT_RECURSIVE);
  await watcher.addWatch('/guarded', AddWatchMode.PERSISTENT);

  await owner.create('/secret', null, { acl: ownerOnly });
  await owner.create('/secret/child', Buffer.from('c'), { acl: ownerOnly });
  await owner.create('/secret/open', Buffer.from('o'), { acl: OPEN_ACL_UNSAFE });
  await owner.setData('/secret', Buffer.from('changed'));
  await owner.setData('/secret/open', Buffer.from('changed'));
  await owner.create('/guarded/hidden', null, { acl: ownerOnly });
  await owner.create('/guarded/blind', null, { acl: writeOnly });
  await owner.setACL('/guarded', ownerOnly);
  await owner.create('/guarded/after', null, { acl: OPEN_ACL_UNSAFE });
  await owner.delete('/guarded/hidden');
  await owner.delete('/secret/child');
  await owner.delete('/secret/open');
  await owner.delete('/secret');
  // A write after all the others, seen by the watcher: every event before it has arrived.
  await owner.create('/marker', null, { acl: OPEN_ACL_UNSAFE });
  const deadline = Date.now() + 5000;
  while (!seen.includes('1 /marker') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return seen;
}

test('persistent and recursive watches deliver only the events of nodes their owner may read, as Apache does', async () => {
  const apache = await eventsSeen('apache');
  const ours = await eventsSeen('ours');
  assert.deepEqual(ours, apache);
  // What the fix is for: the names under /secret never reach the watcher.
  for (const e of ours) assert.doesNotMatch(e, /\/secret(\/child)?$|hidden/, e);
});
