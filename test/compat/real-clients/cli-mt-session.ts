// The C client's shell, cli_mt (Debian's zookeeper-bin), driven one command at a time; what
// it prints, normalised, for c-client.test.ts (a server each) and the ensemble test.
import { setTimeout as sleep } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { CLI_MT, Conversation, normalise, type ClientTarget } from './transcript';

/** Every command ends in an rc line or an "Error <rc>" line; its Stat lines follow at once. */
const ANSWERED = /rc = -?\d+|Error -?\d+ for/;
/** cli_mt prints nothing when `exists` finds the node: those commands get a fixed pause instead. */
const SILENT = new Set(['exists /c1']);
const SILENT_PAUSE_ms = 500;

const COMMANDS = [
  'create /c1',
  'create /c1',
  'create +e /c1/e',
  'create +s /c1/s',
  'create +es /c1/es',
  'create2 /c2',
  'create +c /cont',
  'create +t=5000 /ttl',
  'create /missing/child',
  'set /c1 abc',
  'get /c1',
  'get /nope',
  'ls /c1',
  'ls2 /c1',
  'exists /c1',
  'exists /nope',
  'wexists /c3',
  'create /c3',
  'sync /c1',
  'delete /c1',
  'delete /c1/e',
  'delete /c1/s0000000001',
  'ls /',
  'get /zookeeper/config',
  'ls /zookeeper',
];

export async function cliMtSession(server: ClientTarget): Promise<string> {
  // cli_mt writes everything on stderr without buffering, so lines arrive as printed.
  const cli = new Conversation(CLI_MT, [server.connectString]);
  let code: number | null;
  try {
    await cli.waitFor(/Got a new session id: 0x[0-9a-f]+\n/);
    for (const command of COMMANDS) {
      const from = cli.transcript.length;
      if (SILENT.has(command)) await cli.send(command, /(?:)/).then(() => sleep(SILENT_PAUSE_ms));
      else await cli.send(command, ANSWERED);
      assert.doesNotMatch(cli.transcript.slice(from), /Unknown command|Command not found/, command);
    }
    await cli.send('quit', /Quitting/);
  } finally {
    code = await cli.end();
  }
  return normalise(`${cli.transcript}--- exit code ${code}\n`, server);
}
