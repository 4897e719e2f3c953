// Our shell (`zookeeper-ts cli`) against Apache's zkCli: the same scripted sessions, the
// same single commands from the argument list, the same reconnect after a server restart,
// must print the same (times, session ids and zxid values normalised). Then what only a
// terminal shows: tab completion and history kept across runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZooKeeperClient } from '../../../src/client/zookeeper-client';
import { startServer, type Flavour, type RunningServer } from '../../support/servers';
import { Conversation, dump, normalise, sleep, withServer } from './transcript';
import { APACHE_ZKCLI, OUR_SHELL, runShell, zkCliSession, type Shell } from './zkcli-session';

const HOSTS: Record<Flavour, string> = { apache: '127.0.0.105', ours: '127.0.0.106' };
/** Nothing listens here: a connect string's dead first server. */
const DEAD = '127.0.0.107:2181';

test("the zkCli scenario prints the same in our shell as in Apache's zkCli, on either server", async () => {
  const reference = await withServer('apache', HOSTS.apache, (s) => zkCliSession(s, APACHE_ZKCLI));
  const oursOnApache = await withServer('apache', HOSTS.apache, (s) => zkCliSession(s, OUR_SHELL));
  const oursOnOurs = await withServer('ours', HOSTS.ours, (s) => zkCliSession(s, OUR_SHELL));
  dump('shell', 'apache', reference);
  dump('shell', 'ours', oursOnOurs);
  assert.match(reference, /type:NodeDataChanged path:\/w/);
  assert.equal(oursOnApache, reference);
  assert.equal(oursOnOurs, reference);
});

/** Commands beyond the shared scenario: ACLs, auth, watches by hand, history, usage errors. */
const MORE = [
  'create /a hello',
  'create -c /c',
  'create -t 5000 /t ttl',
  'create -c -s /bad',
  'create -t x /bad',
  'create /a/s data world:anyone:r',
  'create /b data world:anyone:cdrwq,nonsense',
  'getAcl /a',
  'getAcl -s /a/s',
  'setAcl /a world:anyone:cdrwa',
  'setAcl -s /a world:anyone:cdrwa',
  'setAcl -v 7 /a world:anyone:r',
  'setAcl -R /a world:anyone:cdrwa',
  'addauth digest user:pass',
  'whoami',
  'create /secret s digest:user:smGaoVKd/cQkjm7b88GyorAUz20=:cdrwa',
  'getAcl /secret',
  'addWatch /a',
  'addWatch -m PERSISTENT_RECURSIVE /c',
  'addWatch -m NONSENSE /c',
  'removewatches /a',
  'get -w /a',
  'removewatches /a -d',
  'removewatches /a -c',
  'ls -w /a',
  'removewatches /a',
  'printwatches',
  'printwatches off',
  'printwatches',
  'printwatches on',
  'getEphemerals',
  'getAllChildrenNumber /',
  'ls -s /nope',
  'ls -x /a',
  'get',
  'set /a',
  'delete',
  'deleteall /nope',
  'deleteall /a -b x',
  'bogus command',
  'version',
  'history',
  'redo 2',
  'redo 999',
  'ls /',
  'deleteall /a',
  'ls /',
  // ls -R -w leaves a data watch on the top and a child watch on every node it lists.
  'create /r',
  'create /r/s',
  'ls -R -w /r',
  'removewatches /r/s -c',
  'removewatches /r -d',
  'removewatches /r/s -d',
  // What the shared session's second client fires.
  'create /w w0',
  'get -w /w',
  'ls -w /w',
  'stat -w /appears',
];

test("ACLs, auth, watches, history and usage errors print the same as in Apache's zkCli", async () => {
  // The version line differs by design (KNOWN_DIFFERENCES.md): the 3.8.0 prefix is kept.
  const run = async (shell: Shell) =>
    (await withServer('apache', HOSTS.apache, (s) => zkCliSession(s, shell, MORE, ['ls /']))).replace(/(ZooKeeper CLI version: 3\.8\.0)-.*/, '$1-<build>');
  const reference = await run(APACHE_ZKCLI);
  const ours = await run(OUR_SHELL);
  dump('shell-more', 'apache', reference);
  dump('shell-more', 'ours', ours);
  assert.match(reference, /Auth scheme: User\nip: [\d.]+\ndigest: user/);
  assert.match(reference, /Command not found: Command not found bogus/);
  assert.equal(ours, reference);
});

/** Watch events print from zkCli's event thread, racing the answers: compared apart from them. */
function splitEvents(text: string): { text: string; events: string[] } {
  const events: string[] = [];
  const rest = text.replace(/\nWATCHER::\n\n(WatchedEvent [^\n]*)\n/g, (_m, e: string) => {
    events.push(e);
    return '';
  });
  return { text: rest, events };
}

const ONE_SHOT: string[][] = [
  ['get', '/a'],
  ['get', '-s', '/a'],
  ['get', '/nope'],
  ['ls', '-R', '/'],
  ['create', '/q', 'two words'],
  ['stat', '/q'],
  ['set', '-s', '/q', 'x'],
  ['create'],
  ['bogus'],
  ['delete', '/a'],
];

test('one command from the argument list: the same output and exit code as zkCli', async () => {
  const results: Record<Flavour, string[]> = { apache: [], ours: [] };
  for (const [flavour, shell] of [['apache', APACHE_ZKCLI], ['ours', OUR_SHELL]] as const) {
    await withServer(flavour, HOSTS[flavour], async (server) => {
      const zk = await ZooKeeperClient.connect(server.connectString);
      await zk.create('/a', Buffer.from('hello'));
      await zk.create('/a/b', Buffer.from('x'));
      zk.disconnect();
      for (const args of ONE_SHOT) {
        const r = await runShell(shell, server.connectString, args);
        // The connect event may or may not print before a failing command exits.
        const out = splitEvents(r.stdout).text;
        results[flavour].push(`$ ${args.join(' ')}\n${normalise(out, server)}--- stderr\n${normalise(r.stderr, server)}--- exit ${r.code}\n`);
      }
    });
  }
  assert.match(results.apache.join(''), /\$ get \/nope\n.*--- stderr\nNode does not exist: \/nope\n--- exit 1/s);
  assert.deepEqual(results.ours, results.apache);
});

test('close, then commands: "Not connected"; quit ends with the last exit code', async () => {
  const input = 'ls /zookeeper\nclose\nls /\nget /x\nquit\n';
  const out: Record<string, string> = {};
  for (const [name, shell] of [['apache', APACHE_ZKCLI], ['ours', OUR_SHELL]] as const) {
    await withServer('apache', HOSTS.apache, async (server) => {
      const r = await runShell(shell, server.connectString, [], input);
      const { text, events } = splitEvents(r.stdout);
      out[name] = `${normalise(text, server)}--- events ${events.join(' | ')}\n--- stderr\n${r.stderr}--- exit ${r.code}\n`;
    });
  }
  assert.match(out.apache!, /Not connected\nNot connected/);
  assert.equal(out.ours, out.apache);
});

/**
 * A server restart under a live shell: it reconnects with its session (the server keeps
 * sessions across restarts), its ephemeral is still there, and its watch, re-armed, fires.
 * The connect string starts with a dead server, which the shell must move past.
 */
async function restartScenario(flavour: Flavour, shell: Shell): Promise<string> {
  const host = HOSTS[flavour];
  const dataDir = mkdtempSync(join(tmpdir(), 'zk-shell-restart-'));
  let server: RunningServer | undefined = await startServer(flavour, { host, dataDir });
  const cli = new Conversation(...shell(`${DEAD},${server.connectString}`));
  try {
    await cli.waitFor(/state:SyncConnected type:None path:null\n/, 0, 60_000);
    let transcript = '';
    const step = async (command: string, until: RegExp) => {
      const from = cli.transcript.length;
      await cli.send(command, until, 60_000);
      transcript += `> ${command}\n${cli.transcript.slice(from)}`;
    };
    await step('create -e /eph alive', /Created \/eph\n/);
    await step('create /x x0', /Created \/x\n/);
    await step('get -w /x', /x0\n/);
    await server.stop();
    server = undefined;
    await cli.waitFor(/state:Disconnected/, 0, 30_000);
    // The offset before the start: the shell may reconnect before startServer returns.
    const from = cli.transcript.length;
    server = await startServer(flavour, { host, dataDir });
    await cli.waitFor(/state:SyncConnected type:None path:null\n/, from, 60_000);
    transcript += '--- after the restart\n' + cli.transcript.slice(from);
    const zk = await ZooKeeperClient.connect(server.connectString);
    const before = cli.transcript.length;
    await zk.setData('/x', Buffer.from('x1'));
    zk.disconnect();
    await cli.waitFor(/type:NodeDataChanged path:\/x\n/, before, 30_000);
    transcript += '--- another client sets /x\n' + cli.transcript.slice(before);
    await step('ls /', /\[.*\]\n/);
    await step('get /eph', /alive\n/);
    return normalise(transcript, server).replaceAll(DEAD, '<dead>');
  } finally {
    await cli.end(5000);
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

test('a server restart: the shell moves past a dead server, keeps its session, ephemeral and watch', async () => {
  const reference = await restartScenario('apache', APACHE_ZKCLI);
  const ours = await restartScenario('ours', OUR_SHELL);
  dump('shell-restart', 'apache', reference);
  dump('shell-restart', 'ours', ours);
  assert.match(reference, /type:NodeDataChanged path:\/x/);
  assert.equal(ours, reference);
});

test('at a terminal: tab completes commands and znode paths, and history outlives the shell', async () => {
  await withServer('ours', HOSTS.ours, async (server) => {
    const home = mkdtempSync(join(tmpdir(), 'zk-shell-home-'));
    try {
      const env = { ...process.env, HOME: home };
      // script(1) gives the shell a terminal; keys are sent one at a time, as typed.
      const typing = async (keys: string[]): Promise<string> => {
        const [command, args] = OUR_SHELL(server.connectString);
        const child = spawn('script', ['-qc', [command, ...args].map((a) => `'${a}'`).join(' '), '/dev/null'], { env, stdio: ['pipe', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        const exited = new Promise((r) => child.once('exit', r));
        await sleep(1500);
        for (const k of keys) {
          child.stdin.write(k);
          await sleep(400);
        }
        child.stdin.end();
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
        return out.replaceAll('\r', '');
      };
      const first = await typing(['ls /zoo', '\t', '\n', 'getAllCh', '\t', ' /zookeeper\n', 'quit\n']);
      assert.match(first, /\[config, quota\]\n/, 'the path was completed to /zookeeper');
      assert.match(first, /\n2\n/, 'getAllChildrenNumber was completed and ran');
      assert.match(readFileSync(join(home, '.zookeeper-ts_history'), 'utf8'), /^ls \/zookeeper$/m);
      // A new shell: the arrow key brings back the last session's commands.
      const second = await typing(['\x1b[A', '\x1b[A', '\x1b[A', '\n', 'quit\n']);
      assert.match(second, /\[config, quota\]\n/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
