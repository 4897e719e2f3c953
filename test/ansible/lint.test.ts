// ansible/ passes Debian's ansible-lint (6.13, offline) with the production profile: every
// playbook and the role, its RHEL (dnf) tasks included — nothing reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ANSIBLE_DIR } from './support';

/** ansible-lint loads ansible-core and every rule: ~30 s on 2 loaded cores. */
const LINT_TIMEOUT_MS = 300_000;

test('ansible-lint --profile production reports nothing on the playbooks and the role', () => {
  const r = spawnSync('ansible-lint', ['--offline', '--profile', 'production', '--nocolor', '-p',
    'site.yml', 'rolling-restart.yml', 'upgrade.yml', 'roles/zookeeper'], {
    cwd: ANSIBLE_DIR, encoding: 'utf8', timeout: LINT_TIMEOUT_MS, env: { ...process.env, ANSIBLE_CONFIG: `${ANSIBLE_DIR}/ansible.cfg` },
  });
  const out = `${r.stdout}${r.stderr}`;
  assert.equal(r.error, undefined, `ansible-lint could not run (apt-get install ansible-lint): ${r.error}`);
  assert.equal(r.status, 0, out);
  assert.match(out, /Passed with production profile: 0 failure\(s\), 0 warning\(s\) on \d+ files/, out);
});
