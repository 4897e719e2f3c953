// Apache's own shell, zkCli (ZooKeeperMain, Java), drives Apache ZooKeeper 3.8 and ours
// through the same session; what it prints must be the same once times, session ids and
// zxid values are normalised. A second client changes watched nodes so that zkCli prints
// its WATCHER:: lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dump, FLAVOURS, HOSTS, withServer } from './transcript';
import { zkCliSession } from './zkcli-session';

test('zkCli prints the same session against Apache ZooKeeper and against ours', async () => {
  const transcripts: Record<string, string> = {};
  for (const flavour of FLAVOURS) {
    transcripts[flavour] = await withServer(flavour, HOSTS.zkcli[flavour], (server) => zkCliSession(server));
    dump('zkcli', flavour, transcripts[flavour]!);
    if (flavour === 'apache') {
      // The scenario must really show what it is meant to compare.
      const t = transcripts.apache!;
      assert.match(t, /type:NodeChildrenChanged path:\/w/);
      assert.match(t, /type:NodeDataChanged path:\/w/);
      assert.match(t, /type:NodeCreated path:\/appears/);
      assert.match(t, /Created \/t1\/seq-0000000002/);
      assert.match(t, /Node already exists: \/t1/);
    }
  }
  assert.equal(transcripts.ours, transcripts.apache);
});
