// `zookeeper-ts purge` against Apache's PurgeTxnLog (what zkCleanup.sh runs) on the same
// directories: the same argument order (dataLogDir [snapDir] -n count), the same files
// kept and removed, the same output and exit codes — and, on purpose, a refusal where
// Apache silently creates an empty version-2.
//
// The files are made by hand: PurgeTxnLog reads only their names and a snapshot's last
// bytes (the int 1 and "/", the mark of a snapshot written to its end), so that is what
// each holds; a "broken" snapshot stops short of it, as one cut by a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const BUNDLE = resolve(import.meta.dirname, '../../../dist/zookeeper-ts.cjs');
const PURGE_TXN_LOG = ['-cp', '/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-nop.jar', 'org.apache.zookeeper.server.PurgeTxnLog'];
/** Every file's mtime: PurgeTxnLog prints it, so both runs must see the same. */
const MTIME = new Date('2026-01-02T03:04:05Z');
/** A JVM start on a loaded 2-core machine takes seconds; a minute means something hangs. */
const RUN_TIMEOUT_ms = 60_000;

type Flavour = 'apache' | 'ours';
/** Directory (relative to the scenario's root) → the files in its version-2. */
type Layout = Record<string, string[]>;

interface Scenario {
  name: string;
  layout: Layout;
  /** Directories that exist without version-2. */
  bare?: string[];
  args: string[];
}

const SCENARIOS: Scenario[] = [
  {
    name: 'one directory: the newest 3 snapshots stay, and the newest log at or below the oldest of them',
    layout: { data: ['snapshot.5', 'snapshot.a', 'snapshot.f', 'snapshot.14', 'snapshot.1e', 'log.1', 'log.6', 'log.b', 'log.10', 'log.1f'] },
    args: ['data', '-n', '3'],
  },
  {
    name: "logs and snapshots apart, in Apache's order: dataLogDir, then snapDir",
    layout: { logs: ['log.1', 'log.6', 'log.b', 'log.10'], snaps: ['snapshot.5', 'snapshot.a', 'snapshot.f', 'snapshot.14'] },
    args: ['logs', 'snaps', '-n', '3'],
  },
  {
    name: 'fewer snapshots than the count: logs older than the one the snapshot needs still go',
    layout: { data: ['snapshot.10', 'log.1', 'log.5', 'log.12'] },
    args: ['data', '-n', '3'],
  },
  {
    name: 'a broken newest snapshot is not one of the kept: the line moves down',
    layout: { data: ['snapshot.5', 'snapshot.a', 'snapshot.f', 'broken:snapshot.14', 'snapshot.19', 'log.1', 'log.6', 'log.b', 'log.10'] },
    args: ['data', '-n', '3'],
  },
  { name: 'a path that does not exist', layout: {}, args: ['nope', '-n', '3'] },
  { name: 'a count below 3', layout: { data: ['snapshot.5'] }, args: ['data', '-n', '2'] },
  { name: 'a count that is not a number', layout: { data: ['snapshot.5'] }, args: ['data', '-n', 'x'] },
  { name: 'no -n', layout: { data: ['snapshot.5'] }, args: ['data', 'data', '-x', '3'] },
  { name: 'too few words', layout: { data: ['snapshot.5'] }, args: ['data', '3'] },
];

/** Makes the layout under root: snapshots that end as a whole one does, "broken:" ones that do not. */
function make(root: string, layout: Layout, bare: string[] = []): void {
  for (const dir of bare) mkdirSync(join(root, dir), { recursive: true });
  for (const [dir, files] of Object.entries(layout)) {
    const v2 = join(root, dir, 'version-2');
    mkdirSync(v2, { recursive: true });
    for (const spec of files) {
      const broken = spec.startsWith('broken:');
      const name = spec.replace('broken:', '');
      const body = name.startsWith('snapshot.')
        ? Buffer.concat([Buffer.from('ZKSN and some nodes'), broken ? Buffer.alloc(0) : Buffer.from([0, 0, 0, 1, 0x2f])])
        : Buffer.from('ZKLG and some txns');
      const path = join(v2, name);
      writeFileSync(path, body);
      utimesSync(path, MTIME, MTIME);
    }
  }
}

/** Every file and directory under root, relative, sorted. */
function tree(root: string): string[] {
  return (readdirSync(root, { recursive: true }) as string[]).sort();
}

function run(flavour: Flavour, args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [command, base] = flavour === 'apache' ? ['java', PURGE_TXN_LOG] : [process.execPath, [BUNDLE, 'purge']];
  return new Promise((res, rej) => {
    const child = spawn(command, [...base, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_ms);
    child.on('error', rej);
    // 'close', not 'exit': the process can exit before its last output has been read.
    child.on('close', (code) => {
      clearTimeout(timer);
      res({ code, stdout, stderr });
    });
  });
}

/** One scenario run by one flavour in a fresh copy of its layout: what it printed and what is left. */
async function outcome(flavour: Flavour, s: Scenario): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), `zk-purge-${flavour}-`));
  try {
    make(root, s.layout, s.bare);
    const r = await run(flavour, s.args, root);
    // Removed files print in directory order (Apache lists with File.listFiles): sorted here.
    const removed = r.stdout.split('\n').filter((l) => l.startsWith('Removing file: ')).sort();
    const rest = r.stdout.split('\n').filter((l) => !l.startsWith('Removing file: ')).join('\n');
    const shown = (t: string) => t.replaceAll(root, '<root>');
    return `${removed.join('\n')}\n${shown(rest)}--- stderr\n${shown(r.stderr)}--- exit ${r.code}\n--- left\n${tree(root).join('\n')}\n`;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test("purge keeps, removes, prints and exits as Apache's PurgeTxnLog on the same directories", async () => {
  const results = await Promise.all(SCENARIOS.map(async (s) => ({ s, apache: await outcome('apache', s), ours: await outcome('ours', s) })));
  const first = results[0]!.apache;
  assert.match(first, /^Removing file: Jan 2, 2026, 3:04:05 AM\tdata\/version-2\/log\.1\n/, 'Apache names the removed files with their mtime');
  assert.match(first, /snapshot\.f\n/);
  for (const { s, apache, ours } of results) assert.equal(ours, apache, s.name);
});

test('a directory with no version-2 is refused with a message and exit 1 (Apache would create one and purge nothing)', async () => {
  const s: Scenario = { name: 'a dataDir given as its version-2', layout: { data: ['snapshot.5', 'log.1'] }, args: ['data/version-2', '-n', '3'] };
  const apache = await outcome('apache', s);
  // What Apache does, measured: exit 0, nothing said, an empty version-2 made inside version-2.
  assert.match(apache, /^\n--- stderr\n--- exit 0\n--- left\n(.*\n)*data\/version-2\/version-2\n/);
  const ours = await outcome('ours', s);
  assert.equal(
    ours,
    "\n--- stderr\nPath '<root>/data/version-2' holds no version-2 directory: not a dataDir or dataLogDir; nothing purged\n--- exit 1\n--- left\ndata\ndata/version-2\ndata/version-2/log.1\ndata/version-2/snapshot.5\n",
  );
});
