// The man page (packaging/common/zookeeper-ts.1, shipped in the .deb and .rpm) documents
// everything the executable takes: each command `zookeeper-ts --help` lists, each shell
// command with zkCli's usage line, and Apache's scripts the package ships. Rendered with
// groff, as man does, which must not warn.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { USAGE } from '../../../src/cli/shell/cli-commands';

const MAN_PAGE = resolve(import.meta.dirname, '../../../packaging/common/zookeeper-ts.1');
const BUNDLE = resolve(import.meta.dirname, '../../../dist/zookeeper-ts.cjs');
/** Apache's scripts as runbooks call them (issue 13 item 7), with zkServer.sh's commands. */
const SCRIPTS = ['zkServer.sh', 'zkCli.sh', 'zkCleanup.sh'];
const ZKSERVER_COMMANDS = ['start', 'start-foreground', 'stop', 'restart', 'status', 'print-cmd', 'version'];

function groff(args: string[]): { stdout: string; stderr: string } {
  const r = spawnSync('groff', [...args, MAN_PAGE], { encoding: 'utf8' });
  if (r.error) throw new Error(`groff is missing (${r.error.message}): apt-get install groff-base`);
  assert.equal(r.status, 0, r.stderr);
  return { stdout: r.stdout, stderr: r.stderr };
}

/** The page as text, lines long enough that no entry wraps, plain ASCII (no bold, no overstrike). */
function rendered(): string {
  return groff(['-man', '-Tascii', '-rLL=400n', '-P-cbou']).stdout;
}

/** The text of one section: from its heading to the next. */
function section(text: string, heading: string): string {
  const m = new RegExp(`^${heading}\n([^]*?)(?=^[A-Z][A-Z ]+\n)`, 'm').exec(text);
  assert.ok(m, `the man page has a ${heading} section`);
  return m[1]!;
}

/** A .TP tag as it renders: indented 7, alone on its line or (a short one) followed by its text. */
function hasEntry(text: string, tag: string): boolean {
  return text.split('\n').some((l) => l === `       ${tag}` || l.startsWith(`       ${tag} `));
}

test('the man page renders without a groff warning', () => {
  assert.equal(groff(['-man', '-Tutf8', '-ww', '-z']).stderr, '');
});

test('every command of `zookeeper-ts --help` is in the synopsis and described', () => {
  const help = spawnSync(process.execPath, [BUNDLE, '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0, help.stderr);
  const commands = [...section(`${help.stdout}\nEND\n`.replace(/^Commands:$/m, 'COMMANDS'), 'COMMANDS').matchAll(/^ {2}(\w+)/gm)]
    .map((m) => m[1]!)
    .filter((c) => c !== 'help');
  assert.deepEqual(commands, ['server', 'status', 'purge', 'cli', 'version']);
  const text = rendered();
  const synopsis = section(text, 'SYNOPSIS');
  const described = section(text, 'COMMANDS');
  for (const c of commands) {
    assert.match(synopsis, new RegExp(`^ +zookeeper-ts ${c}\\b`, 'm'), `${c} in the synopsis`);
    assert.match(described, new RegExp(`^ {7}${c}\\b`, 'm'), `${c} described`);
  }
});

test("every shell command is described with zkCli's usage line", () => {
  const shell = section(rendered(), 'SHELL COMMANDS');
  for (const [name, usage] of USAGE) {
    // addWatch's usage carries a comment after '#': the page says it in words.
    const tag = `${name} ${usage.replace(/ #.*$/, '')}`.trim();
    assert.ok(hasEntry(shell, tag), `the SHELL COMMANDS section has "${tag}"`);
  }
});

test("Apache's scripts are documented, zkServer.sh with each of its commands", () => {
  const text = rendered();
  const synopsis = section(text, 'SYNOPSIS');
  const scripts = section(text, 'SCRIPTS');
  for (const s of SCRIPTS) {
    assert.match(synopsis, new RegExp(`^ +${s.replace('.', '\\.')}\\b`, 'm'), `${s} in the synopsis`);
    assert.match(scripts, new RegExp(`^ {7}${s.replace('.', '\\.')}\\b`, 'm'), `${s} described`);
  }
  const zkServer = /^ {7}zkServer\.sh (\S+)/m.exec(scripts)?.[1]?.split('|');
  assert.deepEqual(zkServer, ZKSERVER_COMMANDS);
});
