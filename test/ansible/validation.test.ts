// A wrong variable stops site.yml, rolling-restart.yml and upgrade.yml before any host is
// touched, with a message naming the host and the variable. The inventory's hosts are
// addresses where nothing answers: a play that tried to reach one would report it
// UNREACHABLE (and take ssh's timeout), so "no UNREACHABLE, failed on the control node"
// is "no host touched". (rollout.slow.ts checks the same against booted hosts' sshd logs.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MEMBERS, playbook, writeInventory } from './support';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'zka-validation-'));
  writeFileSync(join(dir, 'id_ed25519'), '');
  writeFileSync(join(dir, 'known_hosts'), '');
});
after(() => rmSync(dir, { recursive: true, force: true }));

// Addresses in this helper's range that no test host takes: nothing answers there.
const NOWHERE: Record<string, string> = { 'zk-kfk01': '10.72.0.201', 'zk-kfk02': '10.72.0.202', 'zk-kfk03': '10.72.0.203' };

async function fails(name: string, ids: Record<string, string | number | undefined>, expected: RegExp[], extra: Record<string, string> = {}, file = 'site.yml') {
  const inv = writeInventory(dir, name, (m) => ({ ansible_host: NOWHERE[m.hostname], zookeeper_id: ids[m.hostname], ...(extra[m.hostname] ? { [extra[m.hostname].split('=')[0]]: extra[m.hostname].split('=')[1] } : {}) }));
  const r = await playbook({ dir }, inv, file);
  assert.notEqual(r.code, 0, r.output);
  for (const e of expected) assert.match(r.output, e, r.output);
  assert.doesNotMatch(r.output, /UNREACHABLE/, r.output);
  for (const m of MEMBERS) assert.equal(r.recap[m.hostname]?.unreachable ?? 0, 0, r.output);
  // The first play failed: the play that installs was never reached.
  assert.doesNotMatch(r.output, /PLAY \[(Roll out|Restart one|Upgrade one)/, r.output);
}

test('a member without zookeeper_id: the host and the variable are named', async () => {
  await fails('missing', { 'zk-kfk01': 1, 'zk-kfk02': undefined, 'zk-kfk03': 3 }, [/zk-kfk02: zookeeper_id is not set/]);
});

test('two members with one zookeeper_id: both hosts are named', async () => {
  await fails('duplicate', { 'zk-kfk01': 1, 'zk-kfk02': 2, 'zk-kfk03': 2 }, [
    /zk-kfk02: zookeeper_id 2 is also the zookeeper_id of\s+zk-kfk03/,
    /zk-kfk03: zookeeper_id 2 is also the zookeeper_id of\s+zk-kfk02/,
  ]);
});

test('ids outside 1..255 (0, 256, a word) are each named with their host', async () => {
  await fails('range', { 'zk-kfk01': 0, 'zk-kfk02': 256, 'zk-kfk03': 'three' }, [
    /zk-kfk01: zookeeper_id is 0; it must be a whole number in 1\.\.255/,
    /zk-kfk02: zookeeper_id is 256; it must be a whole number in 1\.\.255/,
    /zk-kfk03: zookeeper_id is three; it must be a whole number in 1\.\.255/,
  ]);
});

test('a zoo.cfg variable that is not a number in its range names host and variable', async () => {
  await fails('tick', { 'zk-kfk01': 1, 'zk-kfk02': 2, 'zk-kfk03': 3 }, [/zk-kfk03: zookeeper_client_port is 70000; it must be a whole number in 1\.\.65535/], { 'zk-kfk03': 'zookeeper_client_port=70000' });
});

test('rolling-restart.yml and upgrade.yml check the variables first too', async () => {
  await fails('missing-rr', { 'zk-kfk01': 1, 'zk-kfk02': 2, 'zk-kfk03': undefined }, [/zk-kfk03: zookeeper_id is not set/], {}, 'rolling-restart.yml');
  await fails('missing-up', { 'zk-kfk01': undefined, 'zk-kfk02': 2, 'zk-kfk03': 3 }, [/zk-kfk01: zookeeper_id is not set/], {}, 'upgrade.yml');
});
