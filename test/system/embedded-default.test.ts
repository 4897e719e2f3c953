// The embedded default, end to end: `zookeeper-ts server` with no zoo.cfg serves on
// 127.0.0.1:2181 with its data under ./data, and `zookeeper-ts status` with no zoo.cfg
// finds that server, as `npm start` then `status` would. 127.0.0.1:2181 is a shared
// address: this file runs under the test lock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fourLetterWord, waitUntilServing } from '../support/servers';

const BUNDLE = resolve(import.meta.dirname, '../../dist/zookeeper-ts.cjs');
const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_PORT = 2181;

function status(cwd: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BUNDLE, 'status'], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('`status` with no zoo.cfg finds the server `server` with no zoo.cfg runs, and says when it is gone', async () => {
  if ((await fourLetterWord(DEFAULT_HOST, DEFAULT_PORT, 'srvr', 500).catch(() => '')) !== '') {
    throw new Error(`${DEFAULT_HOST}:${DEFAULT_PORT} is already served by another process: this test needs it free`);
  }
  const cwd = mkdtempSync(join(tmpdir(), 'zk-embedded-default-'));
  const child = spawn(process.execPath, [BUNDLE, 'server'], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    await waitUntilServing(DEFAULT_HOST, DEFAULT_PORT, child, () => stderr);
    assert.ok(existsSync(join(cwd, 'data', 'version-2')), 'the data is under ./data');
    const up = status(cwd);
    assert.deepEqual(up, {
      code: 0,
      stdout: 'Client port found: 2181. Client address: 127.0.0.1. Client SSL: false.\nMode: standalone\n',
      stderr: 'Using config: (embedded default)\n',
    });
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
  try {
    const down = status(cwd);
    assert.equal(down.code, 1);
    assert.match(down.stdout, /\nError contacting service\. It is probably not running\.\n$/);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});
