// kazoo (Debian's python3-kazoo) runs its recipes — Lock, Election, Barrier, Counter, Queue,
// ChildrenWatch, DataWatch, transactions, ephemerals ending with their session — against
// Apache ZooKeeper 3.8 and against ours; the driver's transcripts must be the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { dump, FLAVOURS, HOSTS, normalise, run, SYSTEM_PYTHON, withServer } from './transcript';

const DRIVER = join(import.meta.dirname, 'kazoo_driver.py');

test('kazoo recipes print the same transcript against Apache ZooKeeper and against ours', async () => {
  const transcripts: Record<string, string> = {};
  for (const flavour of FLAVOURS) {
    transcripts[flavour] = await withServer(flavour, HOSTS.kazoo[flavour], async (server) => {
      const { code, output } = await run(SYSTEM_PYTHON, [DRIVER, server.connectString], { timeout_ms: 120_000 });
      return normalise(`${output}--- exit code ${code}\n`, server);
    });
    dump('kazoo', flavour, transcripts[flavour]!);
    if (flavour === 'apache') {
      // The driver must get through every recipe against the reference, or the comparison says little.
      const t = transcripts.apache!;
      assert.match(t, /--- exit code 0\n$/, t);
      assert.match(t, /failing \['RolledBackError', 'BadVersionError', 'RuntimeInconsistency'\]/);
      assert.match(t, /watch DELETED \/k\/eph/);
      assert.match(t, /leaders in turn \['alice', 'bob'\]/);
    }
  }
  assert.equal(transcripts.ours, transcripts.apache);
});
