// A dataDir or dataLogDir the server cannot use: it exits non-zero with one line naming the
// key, the path and what is wrong (a file in the way, a path under a file, a read-only
// filesystem, permission denied), never a bare errno.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const BUNDLE = resolve(import.meta.dirname, '../../dist/zookeeper-ts.cjs');
const HOST = '127.0.4.10';
/** The uid/gid of Debian's `nobody`: a user that root's directories refuse. */
const NOBODY = '65534';

interface Case {
  name: string;
  /** Makes the directories; returns the zoo.cfg lines for dataDir (and dataLogDir). */
  setUp(dir: string): { cfg: Record<string, string>; key: 'dataDir' | 'dataLogDir'; path: string };
  what: RegExp;
  asNobody?: boolean;
  cleanUp?(dir: string): void;
}

const mountRo = (mnt: string, prepare: (mnt: string) => void) => {
  mkdirSync(mnt);
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt], { encoding: 'utf8' });
  assert.equal(m.status, 0, `this test needs root to mount a tmpfs: ${m.stderr}`);
  prepare(mnt);
  assert.equal(spawnSync('mount', ['-o', 'remount,ro', mnt]).status, 0);
};

const cases: Case[] = [
  {
    name: 'a file where dataDir should be (EEXIST)',
    setUp(dir) {
      const path = join(dir, 'data');
      writeFileSync(path, 'not a directory');
      return { cfg: { dataDir: path }, key: 'dataDir', path };
    },
    what: /\/data is a file, not a directory \((EEXIST|ENOTDIR)\)/,
  },
  {
    name: 'dataDir under a file (ENOTDIR)',
    setUp(dir) {
      writeFileSync(join(dir, 'plain'), 'not a directory');
      const path = join(dir, 'plain', 'data');
      return { cfg: { dataDir: path }, key: 'dataDir', path };
    },
    what: /\/plain is a file, not a directory \(ENOTDIR\)/,
  },
  {
    name: 'dataDir on a read-only filesystem (EROFS)',
    setUp(dir) {
      const mnt = join(dir, 'ro');
      mountRo(mnt, () => undefined);
      const path = join(mnt, 'data');
      return { cfg: { dataDir: path }, key: 'dataDir', path };
    },
    what: /read-only filesystem.*\(EROFS\)/,
    cleanUp: (dir) => void spawnSync('umount', ['-l', join(dir, 'ro')]),
  },
  {
    name: 'dataLogDir that exists, on a filesystem remounted read-only (EROFS)',
    setUp(dir) {
      const mnt = join(dir, 'ro');
      mountRo(mnt, (m) => mkdirSync(join(m, 'log', 'version-2'), { recursive: true }));
      const path = join(mnt, 'log');
      return { cfg: { dataDir: join(dir, 'data'), dataLogDir: path }, key: 'dataLogDir', path };
    },
    what: /read-only filesystem.*\(EROFS\)/,
    cleanUp: (dir) => void spawnSync('umount', ['-l', join(dir, 'ro')]),
  },
  {
    name: 'a dataDir the server user may not write (EACCES)',
    setUp(dir) {
      const path = join(dir, 'data');
      mkdirSync(path, { mode: 0o555 });
      chmodSync(path, 0o555);
      return { cfg: { dataDir: path }, key: 'dataDir', path };
    },
    what: /permission denied: the server's user \(uid 65534\) may not create or write .*version-2 \(EACCES\)/,
    asNobody: true,
  },
];

for (const c of cases) {
  test(`${c.name}: the server exits non-zero naming the key, the path and what is wrong`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'zk-datadir-'));
    chmodSync(dir, 0o755); // readable by nobody (zoo.cfg)
    try {
      const { cfg, key, path } = c.setUp(dir);
      const file = join(dir, 'zoo.cfg');
      const lines = { tickTime: '2000', clientPort: '2181', clientPortAddress: HOST, 'admin.enableServer': 'false', ...cfg };
      writeFileSync(file, Object.entries(lines).map(([k, v]) => `${k}=${v}\n`).join(''));
      const cmd = c.asNobody ? ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath] : [process.execPath];
      const run = spawnSync(cmd[0]!, [...cmd.slice(1), BUNDLE, 'server', file], { encoding: 'utf8', timeout: 20_000 });
      assert.notEqual(run.status, 0, `the server must not start:\n${run.stderr}`);
      assert.notEqual(run.status, null, `the server exits (no signal, no timeout):\n${run.stderr}`);
      const line = run.stderr.split('\n').find((l) => l.includes(`${key} ${path}: `));
      assert.ok(line, `one line names ${key} and ${path}:\n${run.stderr}`);
      assert.match(line, c.what);
      assert.doesNotMatch(run.stderr, /^\s+at /m, 'no stack trace');
    } finally {
      c.cleanUp?.(dir);
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
