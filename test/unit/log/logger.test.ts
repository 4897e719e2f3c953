// The log: one event per line with time, level and component; WARN and ERROR on stderr;
// the level from ZOO_LOG4J_PROP — checked on the logger and on a real server's output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createLogger, levelFromEnvironment } from '../../../src/log/logger';
import { fourLetterWord } from '../../support/servers';

const LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO |WARN |ERROR) \[[a-z-]+\] \S/;

test('each event is one line: time, level, component, message; WARN and ERROR on stderr', () => {
  const out: string[] = [];
  const err: string[] = [];
  const log = createLogger('server', 'DEBUG', { out: (l) => out.push(l), err: (l) => err.push(l) });
  log.debug('d');
  log.info('i');
  log.child('persistence').warn('w');
  log.error('e');
  assert.equal(out.length, 2);
  assert.equal(err.length, 2);
  for (const l of [...out, ...err]) assert.match(l, LINE);
  assert.match(err[0]!, / WARN  \[persistence\] w$/);
});

test('the level hides what is below it', () => {
  const lines: string[] = [];
  const log = createLogger('server', 'WARN', { out: (l) => lines.push(l), err: (l) => lines.push(l) });
  log.debug('d');
  log.info('i');
  log.warn('w');
  assert.deepEqual(lines.map((l) => l.split(' ').at(-1)), ['w']);
});

test("ZOO_LOG4J_PROP sets the level as in Apache's scripts; a bad one is refused by name", () => {
  assert.equal(levelFromEnvironment({}), 'INFO');
  assert.equal(levelFromEnvironment({ ZOO_LOG4J_PROP: 'WARN,ROLLINGFILE' }), 'WARN');
  assert.equal(levelFromEnvironment({ ZOO_LOG4J_PROP: 'debug,CONSOLE' }), 'DEBUG');
  assert.throws(() => levelFromEnvironment({ ZOO_LOG4J_PROP: 'LOUD,CONSOLE' }), /ZOO_LOG4J_PROP=LOUD,CONSOLE: .* one of TRACE, DEBUG, INFO, WARN, ERROR/);
});

/** Starts the bundle with ZOO_LOG4J_PROP, asks srvr once, stops it, returns stdout and stderr. */
async function serverOutput(prop: string): Promise<{ stdout: string; stderr: string }> {
  const host = '127.0.0.109';
  const dir = mkdtempSync(join(tmpdir(), 'zk-log-'));
  try {
    writeFileSync(join(dir, 'zoo.cfg'), `dataDir=${dir}/data\nclientPort=2181\nclientPortAddress=${host}\nadmin.enableServer=false\n`);
    const child = spawn(process.execPath, [resolve(import.meta.dirname, '../../../dist/zookeeper-ts.cjs'), 'server', join(dir, 'zoo.cfg')], {
      env: { ...process.env, ZOO_LOG4J_PROP: prop },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise((r) => child.once('exit', r));
    for (let i = 0; i < 100 && !(await fourLetterWord(host, 2181, 'srvr', 500).catch(() => '')).includes('Mode'); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGTERM');
    await exited;
    return { stdout, stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a real server: INFO lines by default, DEBUG shows each connection, WARN hides INFO', async () => {
  const info = await serverOutput('INFO,CONSOLE');
  const lines = info.stdout.trim().split('\n');
  assert.ok(lines.length >= 3, info.stdout);
  for (const l of lines) assert.match(l, LINE);
  assert.match(info.stdout, /\[persistence\] snapshot/);
  assert.doesNotMatch(info.stdout, /DEBUG/);
  const debug = await serverOutput('DEBUG,CONSOLE');
  assert.match(debug.stdout, /DEBUG \[cnxn\] closed connection from 127\.0\.0\.1:\d+ \(session 0x0\): answered the four-letter word srvr/);
  const warn = await serverOutput('WARN,CONSOLE');
  assert.equal(warn.stdout, '');
});
