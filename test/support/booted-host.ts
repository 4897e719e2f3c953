// Throwaway Debian 12 hosts booted with systemd as PID 1 (systemd-nspawn --boot of
// scripts/debian-host-root.sh's root), each in its own network namespace with its own
// address on a bridge this machine reaches, for tests that need real hosts: ssh and
// Ansible, systemctl, a .deb installed and its service started as on a server.
//
// Every name a network makes starts with its prefix (netns `<prefix>-<hostname>`, bridge
// `<prefix>-br`, veth `<prefix>-v<octet>`/`<prefix>-p<octet>`, root /tmp/<prefix>-host-<hostname>/root,
// pid file /run/<prefix>-hosts/<hostname>.pid), so setUpNetwork() can remove what a killed
// earlier run left, and two tests with different prefixes and subnets never meet.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../..');

export interface HostNetwork {
  /** What every name this network makes starts with, e.g. 'zka' (at most 6 characters: link names are ≤ 15). */
  prefix: string;
  /** The /24 the hosts live on as its first three octets, e.g. '10.72.0'; `.1` is this machine's end (the bridge). */
  subnet: string;
}

export interface HostSpec {
  hostname: string;
  /** An address in the network's subnet, e.g. '10.72.0.11' (not .1). */
  address: string;
  /** Lines for the host's /etc/hosts besides its own: hostname → address (bootHosts() gives every host all of them). */
  hosts?: Record<string, string>;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** What the command reads on stdin: text, or a file on this machine ({ file }). */
  input?: string | { file: string };
  timeout_ms?: number;
}

export interface BootedHost {
  hostname: string;
  address: string;
  /** The host's root directory on this machine (an overlay; read its files from here, write through copyIn). */
  root: string;
  /** /run/netns/<prefix>-<hostname>: the host's network namespace, for `ip netns exec` or nsenter. */
  netns: string;
  /** Runs a command in the host as root (a clean environment; a string goes through /bin/sh -c). */
  run(command: string | string[], opts?: RunOptions): Promise<RunResult>;
  /** run(), throwing with the command's output when it exits non-zero. */
  check(command: string | string[], opts?: RunOptions): Promise<RunResult>;
  /** Copies a file of this machine to `path` in the host (parents made), with `mode` (default 0644). */
  copyIn(file: string, path: string, mode?: number): Promise<void>;
  /** Copies a .deb in and installs it with dpkg (the host has no network but this bridge). */
  installDeb(file: string): Promise<RunResult>;
  /** The host's console so far (systemd's boot and shutdown messages). */
  console(): string;
  /** Orderly shutdown (systemd halts), then boots the same root again: stands for a reboot. */
  reboot(): Promise<void>;
  /** Shuts the host down and removes its namespace, link and root. */
  remove(): Promise<void>;
}

/** Boot to `systemctl is-system-running` answering running/degraded; ~1 s idle, far more on 2 loaded cores. */
const BOOT_TIMEOUT_MS = 90_000;
/** Orderly shutdown before SIGKILL; systemd's own default stop timeout is 90 s per unit, we do not wait that long. */
const SHUTDOWN_TIMEOUT_MS = 30_000;
/** Default bound on one command in a host (dpkg of the 87 MB package on a loaded machine takes tens of seconds). */
const RUN_TIMEOUT_MS = 180_000;
/** Console output kept per host: enough for a boot and a shutdown, bounded so a chatty host cannot grow it. */
const CONSOLE_MAX_CHARS = 256 * 1024;
/** Poll interval while waiting for a boot or a shutdown. */
const POLL_MS = 200;

const CLEAN_ENV = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/root', 'LANG=C.UTF-8', 'TERM=dumb', 'DEBIAN_FRONTEND=noninteractive'];

/** Removes whatever an earlier run of this network left, then makes its bridge with `<subnet>.1/24`. */
export async function setUpNetwork(net: HostNetwork): Promise<void> {
  await removeNetwork(net);
  ip(['link', 'add', bridgeName(net), 'type', 'bridge']);
  ip(['addr', 'add', `${net.subnet}.1/24`, 'dev', bridgeName(net)]);
  ip(['link', 'set', bridgeName(net), 'up']);
}

/** Stops every host of the network (by the pids it recorded) and removes its namespaces, links, roots and bridge. */
export async function removeNetwork(net: HostNetwork): Promise<void> {
  const pids = pidDir(net);
  if (existsSync(pids)) {
    for (const f of readdirSync(pids)) {
      const pid = Number(readFileSync(join(pids, f), 'utf8'));
      // Only a pid that is still this network's nspawn: a recycled pid is someone else's.
      if (isOurNspawn(pid, net)) await shutDown(pid);
      rmSync(join(pids, f), { force: true });
    }
  }
  for (const ns of listNetns().filter((n) => n.startsWith(`${net.prefix}-`))) ip(['netns', 'del', ns], true);
  for (const link of listLinks().filter((l) => l.startsWith(`${net.prefix}-`))) ip(['link', 'del', link], true);
  for (const d of readdirSync('/tmp').filter((d) => d.startsWith(`${net.prefix}-host-`))) await removeRoot(join('/tmp', d));
}

/** Unmounts a host's overlay (when mounted) and removes its directory. */
async function removeRoot(dir: string): Promise<void> {
  const mounted = readFileSync('/proc/mounts', 'utf8').split('\n').some((l) => l.split(' ')[1] === join(dir, 'root'));
  if (mounted) await command('umount', [join(dir, 'root')]);
  await command('rm', ['-rf', '--one-file-system', dir]);
}

/** Boots the hosts together, every one with all of them in /etc/hosts. */
export async function bootHosts(net: HostNetwork, specs: HostSpec[]): Promise<BootedHost[]> {
  const hosts = Object.fromEntries(specs.map((s) => [s.hostname, s.address]));
  return Promise.all(specs.map((s) => bootHost(net, { ...s, hosts: { ...hosts, ...s.hosts } })));
}

/** Boots one host: a fresh root, its namespace and veth onto the bridge, systemd up. */
export async function bootHost(net: HostNetwork, spec: HostSpec): Promise<BootedHost> {
  const name = `${net.prefix}-${spec.hostname}`;
  const octet = spec.address.split('.')[3];
  if (!spec.address.startsWith(`${net.subnet}.`) || octet === '1') throw new Error(`${spec.address} is not a host address in ${net.subnet}.0/24`);
  // The root: a writable overlay on the shared read-only tree, so a host costs no copy of it.
  const dir = `/tmp/${net.prefix}-host-${spec.hostname}`;
  const root = join(dir, 'root');
  await removeRoot(dir);
  const tree = (await command('bash', [join(REPO, 'scripts/debian-host-root.sh'), '--tree'])).trim();
  for (const d of ['upper', 'work', 'root']) mkdirSync(join(dir, d), { recursive: true });
  await command('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${tree},upperdir=${dir}/upper,workdir=${dir}/work`, root]);

  // The host's identity: hostname, /etc/hosts, its own ssh host keys, a machine-id systemd makes.
  writeFileSync(join(root, 'etc/hostname'), spec.hostname + '\n');
  const hostLines = Object.entries({ [spec.hostname]: spec.address, ...spec.hosts }).map(([h, a]) => `${a}\t${h}`);
  writeFileSync(join(root, 'etc/hosts'), ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback', ...new Set(hostLines)].join('\n') + '\n');
  await command('ssh-keygen', ['-q', '-A', '-f', root]);
  // Namespace and veth: <prefix>-v<octet> on the bridge here, eth0 in the host.
  const ns = name;
  const here = `${net.prefix}-v${octet}`;
  const there = `${net.prefix}-p${octet}`;
  ip(['netns', 'add', ns]);
  ip(['link', 'add', here, 'type', 'veth', 'peer', 'name', there]);
  ip(['link', 'set', there, 'netns', ns]);
  ip(['-n', ns, 'link', 'set', there, 'name', 'eth0']);
  ip(['link', 'set', here, 'master', bridgeName(net)]);
  ip(['link', 'set', here, 'up']);
  // The address is set from here: the container's systemd runs without CAP_NET_ADMIN.
  ip(['-n', ns, 'link', 'set', 'lo', 'up']);
  ip(['-n', ns, 'addr', 'add', `${spec.address}/24`, 'dev', 'eth0']);
  ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
  ip(['-n', ns, 'route', 'add', 'default', 'via', `${net.subnet}.1`]);

  let nspawn: ChildProcess | undefined;
  let consoleText = '';
  const boot = async () => {
    consoleText = '';
    const p = spawn('systemd-nspawn', [
      '--quiet', '--directory', root, '--boot', '--register=no', '--keep-unit', `--machine=${name}`,
      `--network-namespace-path=/run/netns/${ns}`, '--console=read-only', '--resolv-conf=off', '--timezone=off', '--link-journal=no',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (b: Buffer) => { consoleText = (consoleText + b.toString()).slice(-CONSOLE_MAX_CHARS); };
    p.stdout.on('data', keep);
    p.stderr.on('data', keep);
    nspawn = p;
    mkdirSync(pidDir(net), { recursive: true });
    writeFileSync(join(pidDir(net), `${spec.hostname}.pid`), String(p.pid));
    await waitBooted();
  };
  const initPid = (): number => {
    if (!nspawn?.pid || nspawn.exitCode !== null) throw new Error(`${spec.hostname} is not running; its console:\n${consoleText}`);
    const children = readFileSync(`/proc/${nspawn.pid}/task/${nspawn.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    // The container's PID 1 is nspawn's child whose pid in its own namespace is 1.
    const init = children.find((c) => /^NSpid:.*\s1$/m.test(readFileSync(`/proc/${c}/status`, 'utf8')));
    if (init === undefined) throw new Error(`${spec.hostname}: systemd is not up yet`);
    return init;
  };
  const run = (command: string | string[], opts: RunOptions = {}): Promise<RunResult> => {
    const argv = typeof command === 'string' ? ['/bin/sh', '-c', command] : command;
    const pid = initPid();
    return new Promise((done, fail) => {
      const p = spawn('nsenter', ['-t', String(pid), '-m', '-u', '-i', '-n', '-p', '-r', '-w', '/usr/bin/env', '-i', ...CLEAN_ENV, ...argv], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
      p.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
      const timeout_ms = opts.timeout_ms ?? RUN_TIMEOUT_MS;
      const timer = setTimeout(() => { p.kill('SIGKILL'); fail(new Error(`${spec.hostname}: ${argv.join(' ')} took over ${timeout_ms} ms\n${stdout}${stderr}`)); }, timeout_ms);
      p.on('error', (e) => { clearTimeout(timer); fail(e); });
      p.on('close', (code) => { clearTimeout(timer); done({ code: code ?? -1, stdout, stderr }); });
      if (opts.input === undefined) p.stdin.end();
      else if (typeof opts.input === 'string') p.stdin.end(opts.input);
      else createReadStream(opts.input.file).pipe(p.stdin);
    });
  };
  const check = async (command: string | string[], opts?: RunOptions): Promise<RunResult> => {
    const r = await run(command, opts);
    if (r.code !== 0) throw new Error(`${spec.hostname}: ${typeof command === 'string' ? command : command.join(' ')} exited ${r.code}:\n${r.stdout}${r.stderr}`);
    return r;
  };
  const waitBooted = async () => {
    const deadline = Date.now() + BOOT_TIMEOUT_MS;
    let last = '';
    while (Date.now() < deadline) {
      if (nspawn?.exitCode !== null) throw new Error(`${spec.hostname}: systemd-nspawn exited ${nspawn?.exitCode}; its console:\n${consoleText}`);
      try {
        last = (await run(['systemctl', 'is-system-running'], { timeout_ms: 10_000 })).stdout.trim();
        if (last === 'running' || last === 'degraded') return;
      } catch (e) {
        last = String(e);
      }
      await sleep(POLL_MS);
    }
    throw new Error(`${spec.hostname} did not finish booting in ${BOOT_TIMEOUT_MS} ms (last: ${last}); its console:\n${consoleText}`);
  };
  const stop = async () => {
    if (nspawn?.pid && nspawn.exitCode === null) await shutDown(nspawn.pid, nspawn);
    rmSync(join(pidDir(net), `${spec.hostname}.pid`), { force: true });
  };

  await boot();
  return {
    hostname: spec.hostname,
    address: spec.address,
    root,
    netns: `/run/netns/${ns}`,
    run,
    check,
    async copyIn(file, path, mode = 0o644) {
      await check(['/bin/sh', '-c', 'mkdir -p "$(dirname "$1")" && cat > "$1" && chmod "$2" "$1"', 'copyIn', path, mode.toString(8)], { input: { file } });
    },
    async installDeb(file) {
      const path = `/tmp/${basename(file)}`;
      await check(['/bin/sh', '-c', 'cat > "$1"', 'copyIn', path], { input: { file } });
      return run(['dpkg', '-i', path]);
    },
    console: () => consoleText,
    async reboot() {
      await stop();
      await boot();
    },
    async remove() {
      await stop();
      ip(['netns', 'del', ns], true);
      ip(['link', 'del', here], true);
      await removeRoot(dir);
    },
  };
}

/** SIGTERM asks nspawn for an orderly shutdown of the container (SIGRTMIN+3 to its systemd); SIGKILL after the bound. */
async function shutDown(pid: number, child?: ChildProcess): Promise<void> {
  const gone = () => (child ? child.exitCode !== null || child.signalCode !== null : !existsSync(`/proc/${pid}`));
  try { process.kill(pid, 'SIGTERM'); } catch { return; }
  const deadline = Date.now() + SHUTDOWN_TIMEOUT_MS;
  while (!gone() && Date.now() < deadline) await sleep(POLL_MS);
  if (!gone()) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone meanwhile */ }
    const killed = Date.now() + SHUTDOWN_TIMEOUT_MS;
    while (!gone()) {
      if (Date.now() > killed) throw new Error(`systemd-nspawn ${pid} still there ${SHUTDOWN_TIMEOUT_MS} ms after SIGKILL`);
      await sleep(POLL_MS);
    }
  }
}

function isOurNspawn(pid: number, net: HostNetwork): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return basename(argv[0]) === 'systemd-nspawn' && argv.some((a) => a.startsWith(`--machine=${net.prefix}-`));
  } catch {
    return false;
  }
}

const bridgeName = (net: HostNetwork) => `${net.prefix}-br`;
const pidDir = (net: HostNetwork) => `/run/${net.prefix}-hosts`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Bound on one command of this machine: the first call makes the Debian root (debootstrap
 * and apt-get from the mirror: ~2 min here, a slow mirror far more), the others take seconds.
 */
const COMMAND_TIMEOUT_MS = 15 * 60_000;

/** Runs a command of this machine without blocking the others' boots; throws with its stderr on failure or past the bound. */
function command(cmd: string, args: string[], timeout_ms = COMMAND_TIMEOUT_MS): Promise<string> {
  return new Promise((done, fail) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      fail(new Error(`${cmd} ${args.join(' ')} took over ${timeout_ms} ms: ${err.slice(-4000)}`));
    }, timeout_ms);
    p.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    p.stderr.on('data', (b: Buffer) => { err += b.toString(); });
    p.on('error', (e) => { clearTimeout(timer); fail(e); });
    p.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) done(out);
      else fail(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err}`));
    });
  });
}

function ip(args: string[], allowFail = false): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0 && !allowFail) throw new Error(`ip ${args.join(' ')} failed: ${r.stderr}`);
}
function listNetns(): string[] {
  return spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').map((l) => l.split(' ')[0]).filter(Boolean);
}
function listLinks(): string[] {
  return spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout.split('\n')
    .map((l) => l.split(':')[1]?.trim().split('@')[0]).filter((l): l is string => !!l);
}
