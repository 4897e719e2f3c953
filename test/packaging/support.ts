// What the packaging tests share: running commands, building the packages once per run,
// and a throwaway Debian root (scripts/debian-root.sh) with /proc mounted while in use.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '../..');
export const VERSION: string = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version;
export const EXE = join(REPO, 'dist/zookeeper-ts');
export const DEB = join(REPO, `dist/zookeeper-ts_${VERSION}_amd64.deb`);
export const RPM = join(REPO, `dist/zookeeper-ts-${VERSION}-1.x86_64.rpm`);

/** Runs a command; a non-zero exit throws with everything it printed. */
export function sh(command: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; allowFail?: boolean } = {}): { code: number; out: string } {
  const r = spawnSync(command, args, { env: opts.env ?? process.env, cwd: opts.cwd, encoding: 'utf8', timeout: 600_000 });
  const out = (r.stdout ?? '') + (r.stderr ?? '');
  const code = r.status ?? -1;
  if (code !== 0 && !opts.allowFail) throw new Error(`${command} ${args.join(' ')} exited ${code}:\n${out}`);
  return { code, out };
}

/** Builds the executable and both packages unless this build's packages are already there. */
export function ensurePackages(): void {
  if (!existsSync(EXE)) sh('node', [join(REPO, 'scripts/build.mjs')]);
  const fresh = (f: string) => existsSync(f) && statSync(f).mtimeMs >= statSync(EXE).mtimeMs;
  if (!fresh(DEB) || !fresh(RPM)) sh('bash', [join(REPO, 'scripts/package.sh'), '--no-build']);
}

/** A fresh Debian 12 root; call dispose() when done (unmounts /proc, removes the tree). */
export function debianRoot(): { root: string; chroot(args: string[], allowFail?: boolean): { code: number; out: string }; dispose(): void } {
  const root = execFileSync('bash', [join(REPO, 'scripts/debian-root.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  sh('mount', ['-t', 'proc', 'proc', join(root, 'proc')]);
  // A clean environment, as an init system would give: nothing of this test's leaks in.
  const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', DEBIAN_FRONTEND: 'noninteractive' };
  return {
    root,
    chroot: (args, allowFail) => sh('chroot', [root, ...args], { env, allowFail }),
    dispose() {
      // Whatever the test left running in the root goes with it.
      spawnSync('sh', ['-c', `for p in /proc/[0-9]*; do [ "$(readlink $p/root)" = "${root}" ] && kill -9 \${p#/proc/}; done; true`]);
      spawnSync('umount', ['-l', join(root, 'proc')]);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
