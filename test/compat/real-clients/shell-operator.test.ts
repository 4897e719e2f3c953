// What an operator's scripts and fingers meet in the shell, compared with Apache's zkCli:
// a one-shot command against a dead server (the message and exit code a health check
// reads), the 3.4-era `get|ls|stat path watch` syntax of the how-tos, and the prompt
// while the shell reconnects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../support/servers';
import { Conversation, dump, withServer, ZK_CLI_CP } from './transcript';
import { AFTER_WATCH, APACHE_ZKCLI, OUR_SHELL, runShell, zkCliSession, type Shell } from './zkcli-session';

/** This file's loopback addresses (127.0.43.x); nothing listens on the first two. */
const DEAD = '127.0.43.1:2181,127.0.43.2:2181';
const HOSTS = { apache: '127.0.43.5', ours: '127.0.43.6' } as const;

const SHELLS = [
  ['apache', APACHE_ZKCLI],
  ['ours', OUR_SHELL],
] as const;

/**
 * Commands a health check or a runbook runs once, one of each way zkCli fails without a
 * server: a path named (ls, stat's exists, create), none (getEphemerals), sync's rc line,
 * whoami and addauth that ignore the loss, removewatches refused by the client itself.
 */
const AGAINST_A_DEAD_SERVER: string[][] = [
  ['ls', '/'],
  ['stat', '/'],
  ['create', '/x', 'data'],
  ['getEphemerals'],
  ['sync', '/'],
  ['whoami'],
  ['addauth', 'digest', 'u:p'],
  ['removewatches', '/a'],
];

test('one command against dead servers: ConnectionLoss naming the path and exit 1, as zkCli', async () => {
  const out: Record<string, string> = {};
  for (const [name, shell] of SHELLS) {
    // Side by side (nothing is shared: no server), so the JVMs start together.
    const runs = await Promise.all(AGAINST_A_DEAD_SERVER.map((args) => runShell(shell, DEAD, args)));
    const transcript = runs.map((r, i) => `$ ${AGAINST_A_DEAD_SERVER[i]!.join(' ')}\n${r.stdout}--- stderr\n${r.stderr}--- exit ${r.code}\n`).join('');
    out[name] = transcript;
    dump('shell-dead-server', name, out[name]!);
  }
  assert.match(out.apache!, /\$ ls \/\nConnecting to [^\n]*\n--- stderr\nKeeperErrorCode = ConnectionLoss for \/\n--- exit 1\n/);
  assert.equal(out.ours, out.apache);
});

test("get|ls|stat path watch: zkCli 3.8's deprecation line, and the watch is set", async () => {
  // The shared session's second client changes /w, adds /w/c and creates /appears: each
  // watch set the old way must fire. A word other than "watch" counts too, as in zkCli.
  const before = ['create /w w0', 'get /w watch', 'ls /w watch', 'stat /appears watch', 'ls /zookeeper anything', 'stat /w extra'];
  const reference = await withServer('apache', HOSTS.apache, (s) => zkCliSession(s, APACHE_ZKCLI, before, AFTER_WATCH));
  const ours = await withServer('ours', HOSTS.ours, (s) => zkCliSession(s, OUR_SHELL, before, AFTER_WATCH));
  dump('shell-watch-syntax', 'apache', reference);
  dump('shell-watch-syntax', 'ours', ours);
  assert.match(reference, /'get path \[watch\]' has been deprecated\. Please use 'get \[-s\] \[-w\] path' instead\./);
  for (const fired of ['NodeDataChanged path:/w', 'NodeChildrenChanged path:/w', 'NodeCreated path:/appears']) {
    assert.match(reference, new RegExp(`type:${fired}\n`));
  }
  assert.equal(ours, reference);
});

/**
 * Apache's zkCli with JLine (its prompt shows only then): jline2 and the jansi it needs; and
 * its client's log (slf4j-simple) in the transcript, to show what it did when this fails.
 */
const APACHE_ZKCLI_WITH_JLINE: Shell = (server) => {
  const [command, args] = APACHE_ZKCLI(server);
  const cp = `${ZK_CLI_CP.replace('slf4j-nop.jar', 'slf4j-simple.jar')}:/usr/share/java/jline2.jar:/usr/share/java/jansi1.jar`;
  return [command, args.map((a) => (a === ZK_CLI_CP ? cp : a))];
};

/** The prompts a shell printed, one per line read, repeats (redraws) folded. */
function prompts(transcript: string): string[] {
  const seen = [...transcript.matchAll(/\[zk: [^\]]*\((\w+)\) (\d+)\] /g)].map((m) => `${m[1]} ${m[2]}`);
  return seen.filter((p, i) => p !== seen[i - 1]);
}

/** zkCli leaves CONNECTED within 1 s of a lost connection (its pause before the next attempt); 10 s allows for a loaded machine. */
const RECONNECT_PROMPT_WAIT_ms = 10_000;

/** At a terminal: Enter before the server stops, while it is down, and after it is back. */
async function promptsAcrossARestart(shell: Shell, host: string): Promise<string[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'zk-shell-prompt-'));
  const home = mkdtempSync(join(tmpdir(), 'zk-shell-home-'));
  let server: RunningServer | undefined = await startServer('ours', { host, dataDir });
  const [command, args] = shell(server.connectString);
  // script(1) gives the shell a terminal; JLine wants to know what kind.
  const cli = new Conversation('script', ['-qc', [command, ...args].map((a) => `'${a}'`).join(' '), '/dev/null'], {
    ...process.env,
    TERM: 'xterm',
    HOME: home,
  });
  const prompt = /\[zk: [^\]]*\] /;
  try {
    await cli.waitFor(/\(CONNECTED\) 0\] /, 0, 60_000);
    await cli.send('ls /', /\[zookeeper\][^]*\(\w+\) 1\] /);
    await server.stop();
    server = undefined;
    await cli.waitFor(/state:Disconnected/, 0, 30_000);
    // zkCli's state stays CONNECTED until its next attempt starts (after a random pause of
    // up to 1 s): Enter again until the prompt says something else.
    const deadline = Date.now() + RECONNECT_PROMPT_WAIT_ms;
    do await cli.send('', prompt);
    while (prompts(cli.transcript).at(-1)?.startsWith('CONNECTED ') && Date.now() < deadline);
    // From before the restart: the shell may be back before startServer has seen it serve.
    const from = cli.transcript.length;
    server = await startServer('ours', { host, dataDir });
    await cli.waitFor(/state:SyncConnected/, from, 60_000);
    await cli.send('', prompt);
    await cli.quit();
    return prompts(cli.transcript);
  } finally {
    await cli.end(5000);
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  }
}

test('the prompt while the shell reconnects says CONNECTING, as zkCli', async () => {
  const reference = await promptsAcrossARestart(APACHE_ZKCLI_WITH_JLINE, '127.0.43.7');
  const ours = await promptsAcrossARestart(OUR_SHELL, '127.0.43.8');
  assert.deepEqual(reference.slice(0, 3), ['CONNECTED 0', 'CONNECTED 1', 'CONNECTING 1'], reference.join(' | '));
  assert.deepEqual(ours, reference);
});
