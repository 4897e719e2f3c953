// The fault network cuts exactly the links it is told to: a cut between two members stops
// their traffic both ways and leaves every other link, and the test process's, as it was;
// a heal restores them; and a destroy leaves no zkf namespace or link behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { between, createFaultNetwork, isolating, memberAddress } from './netns';

const PORT = 9999;
/** nc's connect timeout (-w): a dropped SYN is never answered, so each unreachable probe costs this. */
const PROBE_TIMEOUT_s = 1;

function reaches(prefix: string[], to: number): Promise<boolean> {
  return new Promise((resolve) =>
    execFile(prefix[0]!, [...prefix.slice(1), 'nc', '-z', '-w', String(PROBE_TIMEOUT_s), memberAddress(to), String(PORT)], (e) => resolve(!e)),
  );
}

test('a cut drops exactly the links named, both ways; heal restores them; destroy leaves nothing', async () => {
  const net = createFaultNetwork(3);
  const listeners: ChildProcess[] = [];
  try {
    for (const id of net.members) listeners.push(spawn(net.prefix(id)[0]!, [...net.prefix(id).slice(1), 'nc', '-lk', memberAddress(id), String(PORT)], { stdio: 'ignore' }));
    const host = ['env'];
    const deadline = Date.now() + 5000;
    const hostReachesAll = async () => (await Promise.all(net.members.map((id) => reaches(host, id)))).every(Boolean);
    while (!(await hostReachesAll())) {
      assert.ok(Date.now() < deadline, 'the nc listeners in the namespaces never became reachable from the host');
      await new Promise((r) => setTimeout(r, 100));
    }
    // Every ordered pair probed at once: a cut one costs PROBE_TIMEOUT_s, in parallel.
    const matrix = async () => {
      const pairs = net.members.flatMap((a) => net.members.filter((b) => b !== a).map((b) => [a, b] as const));
      const up = await Promise.all(pairs.map(([a, b]) => reaches(net.prefix(a), b)));
      return pairs.map(([a, b], i) => `${a}->${b}:${up[i] ? 'up' : 'cut'}`).join(' ');
    };

    net.cut([[2, 3]]); // the bridge partition: 1 sees 2 and 3, 2 and 3 do not see each other
    assert.equal(await matrix(), '1->2:up 1->3:up 2->1:up 2->3:cut 3->1:up 3->2:cut');
    assert.ok(await hostReachesAll(), 'the client side is never cut');

    net.heal();
    net.cut(isolating(1, net.members));
    assert.equal(await matrix(), '1->2:cut 1->3:cut 2->1:cut 2->3:up 3->1:cut 3->2:up');
    net.heal();
    net.cut(between([[1], [2], [3]]));
    assert.equal(await matrix(), '1->2:cut 1->3:cut 2->1:cut 2->3:cut 3->1:cut 3->2:cut');
    net.heal();
    assert.equal(await matrix(), '1->2:up 1->3:up 2->1:up 2->3:up 3->1:up 3->2:up');
  } finally {
    for (const l of listeners) l.kill();
    net.destroy();
  }
  assert.deepEqual(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith('zkf-')), []);
  assert.doesNotMatch(execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }), /: zkf/);
});
