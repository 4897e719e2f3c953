// The C client's shell, cli_mt (Debian's zookeeper-bin), drives Apache ZooKeeper 3.8 and
// ours with the same commands, one at a time; what it prints must be the same once times and
// session ids are normalised. Its `ls` prints children in the server's own order, unsorted:
// Apache's order is java.util.HashSet's, which ours reproduces on purpose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cliMtSession } from './cli-mt-session';
import { dump, FLAVOURS, HOSTS, withServer } from './transcript';

test('the C client (cli_mt) prints the same session against Apache ZooKeeper and against ours', async () => {
  const transcripts: Record<string, string> = {};
  for (const flavour of FLAVOURS) {
    transcripts[flavour] = await withServer(flavour, HOSTS.cclient[flavour], cliMtSession);
    dump('c-client', flavour, transcripts[flavour]!);
    if (flavour === 'apache') {
      const t = transcripts.apache!;
      assert.match(t, /Watcher CREATED_EVENT state = CONNECTED_STATE for path \/c3/);
      assert.match(t, /\[\/ttl\]: rc = -6\n/, 'TTL nodes are refused while extended types are off');
      assert.match(t, /\/c1: rc = -111/);
    }
  }
  assert.equal(transcripts.ours, transcripts.apache);
});
