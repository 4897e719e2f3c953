// The zkCli scenario shared by the zkCli test (Apache's shell against both servers) and the
// shell test (our shell against Apache's): a scripted session with watches fired by a
// second client, returned as a normalised transcript.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { CLOSED_EVENT, CONNECTED_EVENT, Conversation, normalise, run, ZK_CLI_CP, type ClientTarget } from './transcript';

/** A shell: the command that starts it against a connect string. */
export type Shell = (connectString: string) => [command: string, args: string[]];

export const APACHE_ZKCLI: Shell = (server) => ['java', ['-cp', ZK_CLI_CP, 'org.apache.zookeeper.ZooKeeperMain', '-server', server]];
export const OUR_SHELL: Shell = (server) => [process.execPath, [resolve(import.meta.dirname, '../../../dist/zookeeper-ts.cjs'), 'cli', '-server', server]];

/** A path without a leading '/' is refused by zkCli itself, at once, without the server. */
const SENTINEL = 'get sentinel';
const SENTINEL_ANSWER = 'Path must start with / character\n';


export const BEFORE_WATCH = [
  'create /t1 hello',
  'create /t1 again',
  'create -e /t1/eph e1',
  'create -s /t1/seq- s1',
  'create -s /t1/seq- s2',
  'create -e -s /t1/eseq- s3',
  'create /t1/missing/child',
  'get /t1',
  'get -s /t1',
  'get /t1/nope',
  'ls /t1',
  'ls -s /t1',
  'ls -R /t1',
  'set /t1 world',
  'set -s /t1 world2',
  'set -v 99 /t1 stale',
  'stat /t1',
  'stat /t1/eph',
  'stat /nope',
  'getAllChildrenNumber /t1',
  'getEphemerals /t1',
  'sync /t1',
  'delete /t1',
  'delete /t1/eph',
  'delete -v 5 /t1/seq-0000000001',
  'ls /t1',
  'create /w w0',
  'get -w /w',
  'ls -w /w',
  'stat -w /appears',
];
/** What the second client does while zkCli waits: each change fires one of zkCli's watches. */
const SECOND_CLIENT = ['create /w/c', 'set /w w1', 'create /appears x', 'quit'];
export const AFTER_WATCH = ['get -s /w', 'deleteall /t1', 'deleteall /w', 'delete /appears', 'ls /', 'ls /zookeeper'];

export async function zkCliSession(
  server: ClientTarget,
  shell: Shell = APACHE_ZKCLI,
  before: readonly string[] = BEFORE_WATCH,
  after: readonly string[] = AFTER_WATCH,
): Promise<string> {
  const cli = new Conversation(...shell(server.connectString));
  await cli.waitFor(/WatchedEvent state:SyncConnected type:None path:null\n/);
  // A shell reads its first line only once it has printed its greeting (zkCli's "JLine
  // support is disabled"): once the sentinel is answered, the opening is whole. Its connected
  // event comes from zkCli's event thread, racing that greeting (CI saw both orders, from
  // Apache and from ours): it is compared once, at the opening's end.
  await cli.send(SENTINEL, new RegExp(SENTINEL_ANSWER));
  const opening = cli.transcript.replace(SENTINEL_ANSWER, '');
  assert.equal(opening.split(CONNECTED_EVENT).length, 2, `one connected event in the opening:\n${opening}`);
  let transcript = opening.replace(CONNECTED_EVENT, '') + CONNECTED_EVENT;
  const step = async (command: string) => {
    const from = cli.transcript.length;
    await cli.send(`${command}\n${SENTINEL}`, new RegExp(SENTINEL_ANSWER));
    const answer = cli.transcript.slice(from).replace(SENTINEL_ANSWER, '');
    transcript += `> ${command}\n${answer}`;
  };
  for (const command of before) await step(command);

  const from = cli.transcript.length;
  const second = await run(...APACHE_ZKCLI(server.connectString), {
    input: SECOND_CLIENT.join('\n') + '\n',
  });
  assert.equal(second.code, 0, `second zkCli failed:\n${second.output}`);
  await cli.waitFor(/type:NodeCreated path:\/appears\n/, from);
  // Its connect and close events are printed by zkCli's event thread, racing its first
  // command's answer and its exit at quit (CI once had Apache's close event and not ours).
  const secondOutput = second.output.replace(CONNECTED_EVENT, '').replace(CLOSED_EVENT, '');
  transcript += `--- second client: ${SECOND_CLIENT.join('; ')}\n${secondOutput}--- zkCli after it\n`;
  transcript += cli.transcript.slice(from);

  for (const command of after) await step(command);
  transcript += `> quit\n${await cli.quit()}`;
  // zkCli exits with the code of its last failed command: part of what is compared.
  transcript += `--- zkCli exit code ${await cli.end()}\n`;
  return normalise(transcript, server);
}

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a shell to its end with the given arguments (and stdin): stdout, stderr and exit code apart. */
export function runShell(shell: Shell, server: string, args: string[], input?: string, env?: NodeJS.ProcessEnv): Promise<Ran> {
  const [command, base] = shell(server);
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...base, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    // 'close', not 'exit': the process can exit before its last output has been read.
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}
