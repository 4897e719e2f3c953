// The unit's hardening as `systemd-analyze security` rates it (offline, from the file): as
// shipped, and as RHEL 8's systemd 239 reads it (the directives it does not know dropped,
// as it drops them): both stay within systemd's OK band, so no directive newer than 239 is
// needed for a good score.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, sh } from './support';

/** Keys of the unit that systemd 239 does not know (each newer: 242, 244, 245, 247). */
const NEWER_THAN_239 = ['ProtectProc', 'ProtectClock', 'ProtectKernelLogs', 'ProtectHostname', 'RestrictSUIDSGID', 'ProcSubset'];
/** Where systemd-analyze's OK band ends (above: MEDIUM). */
const OK_EXPOSURE_MAX = 4.9;
/** What the shipped unit scored when measured: a change that loosens it must show here. */
const SHIPPED_EXPOSURE_MAX = 1.6;

function exposure(unitText: string): number {
  const dir = mkdtempSync(join(tmpdir(), 'zk-unit-'));
  try {
    writeFileSync(join(dir, 'zookeeper.service'), unitText);
    const { out } = sh('systemd-analyze', ['security', '--offline=yes', '--no-pager', join(dir, 'zookeeper.service')]);
    const m = /Overall exposure level for zookeeper\.service: (\d+\.\d+)/.exec(out);
    assert.ok(m, out);
    return Number(m[1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('systemd-analyze security rates the unit OK as shipped and as systemd 239 reads it', () => {
  const unit = readFileSync(join(REPO, 'systemd/zookeeper.service'), 'utf8');
  const shipped = exposure(unit);
  const on239 = exposure(unit.split('\n').filter((l) => !NEWER_THAN_239.some((k) => l.startsWith(`${k}=`))).join('\n'));
  console.log(`exposure: ${shipped} as shipped, ${on239} as systemd 239 reads it`);
  assert.ok(shipped <= SHIPPED_EXPOSURE_MAX, `shipped ${shipped}`);
  assert.ok(on239 <= OK_EXPOSURE_MAX, `as on 239: ${on239}`);
});
