// What the Ansible tests share: three booted Debian 12 hosts zk-kfk01..03 reached as
// operators reach them (ssh with a key made for the test, a sudo user, host keys checked),
// an inventory for them, and ansible-playbook runs with their PLAY RECAP read back.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bootHosts, type BootedHost, type HostNetwork } from '../support/booted-host';
import { fourLetterWord } from '../support/servers';

export const REPO = resolve(import.meta.dirname, '../..');
export const ANSIBLE_DIR = join(REPO, 'ansible');
export const NET: HostNetwork = { prefix: 'zka', subnet: '10.72.0' };
export const MEMBERS = [
  { hostname: 'zk-kfk01', address: '10.72.0.11', id: 1 },
  { hostname: 'zk-kfk02', address: '10.72.0.12', id: 2 },
  { hostname: 'zk-kfk03', address: '10.72.0.13', id: 3 },
];
/** The ensemble's connect string from this machine. */
export const CONNECT_STRING = MEMBERS.map((m) => `${m.address}:2181`).join(',');
/** One ansible-playbook run; site.yml from nothing takes ~1 min on 2 loaded cores. */
const PLAYBOOK_TIMEOUT_MS = 420_000;

export interface Fleet {
  hosts: BootedHost[];
  /** The test's own files: ssh key, known_hosts, inventories. */
  dir: string;
  /** Writes an inventory (the members' lines, with extra host variables) and returns its path. */
  inventory(name: string, hostVars?: HostVars, groupVars?: Record<string, string>): string;
}

/** Boots zk-kfk01..03, each with a sudo user `ops` that this machine's test key logs in as. */
export async function bootFleet(dir: string): Promise<Fleet> {
  // A fresh key and known_hosts on every run (an earlier run's may be there).
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const key = join(dir, 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'zookeeper-ts ansible test', '-f', key]);
  const hosts = await bootHosts(NET, MEMBERS);
  const known: string[] = [];
  await Promise.all(hosts.map(async (h) => {
    await h.check('useradd --create-home --shell /bin/bash ops && install -d -m 0700 -o ops -g ops /home/ops/.ssh');
    await h.check('cat > /home/ops/.ssh/authorized_keys && chown ops:ops /home/ops/.ssh/authorized_keys && chmod 0600 /home/ops/.ssh/authorized_keys', { input: readFileSync(`${key}.pub`, 'utf8') });
    await h.check("echo 'ops ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/ops && chmod 0440 /etc/sudoers.d/ops");
    known.push(`${h.address} ${readFileSync(join(h.root, 'etc/ssh/ssh_host_ed25519_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ')}`);
  }));
  writeFileSync(join(dir, 'known_hosts'), known.join('\n') + '\n');
  chmodSync(key, 0o600);
  return {
    hosts,
    dir,
    inventory: (name, hostVars, groupVars) => writeInventory(dir, name, hostVars, groupVars),
  };
}

type HostVars = (m: (typeof MEMBERS)[number]) => Record<string, string | number | undefined>;

/** An inventory of zk-kfk01..03 in dir (ssh as `ops` with dir's key and known_hosts); undefined host variables are left out. */
export function writeInventory(dir: string, name: string, hostVars: HostVars = (m) => ({ zookeeper_id: m.id }), groupVars: Record<string, string> = {}): string {
  const lines = ['[zookeeper]'];
  for (const m of MEMBERS) {
    const vars = { ansible_host: m.address, ...hostVars(m) };
    lines.push([m.hostname, ...Object.entries(vars).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`)].join(' '));
  }
  lines.push('', '[zookeeper:vars]', 'ansible_user=ops', `ansible_ssh_private_key_file=${join(dir, 'id_ed25519')}`,
    `ansible_ssh_common_args='-o UserKnownHostsFile=${dir}/known_hosts -o StrictHostKeyChecking=yes'`,
    ...Object.entries(groupVars).map(([k, v]) => `${k}=${v}`));
  const file = join(dir, name);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

export interface PlaybookRun {
  code: number;
  output: string;
  /** PLAY RECAP per host: ok, changed, unreachable, failed, ... */
  recap: Record<string, Record<string, number>>;
}

/** Runs a playbook of ansible/ as an operator would (ansible/ansible.cfg), with extra args. */
export function playbook(fleet: { dir: string }, inventory: string, file: string, args: string[] = []): Promise<PlaybookRun> {
  return new Promise((done, fail) => {
    const p = spawn('ansible-playbook', ['-i', inventory, file, ...args], {
      cwd: ANSIBLE_DIR,
      env: {
        PATH: process.env.PATH,
        HOME: fleet.dir,
        LANG: 'C.UTF-8',
        ANSIBLE_CONFIG: join(ANSIBLE_DIR, 'ansible.cfg'),
        ANSIBLE_SSH_CONTROL_PATH_DIR: join(fleet.dir, 'cp'),
        ANSIBLE_LOCAL_TEMP: join(fleet.dir, 'tmp'),
        ANSIBLE_NOCOLOR: '1',
        ANSIBLE_FORCE_COLOR: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    p.stdout.on('data', (b: Buffer) => { output += b.toString(); });
    p.stderr.on('data', (b: Buffer) => { output += b.toString(); });
    const timer = setTimeout(() => { p.kill('SIGKILL'); fail(new Error(`ansible-playbook ${file} took over ${PLAYBOOK_TIMEOUT_MS} ms:\n${output}`)); }, PLAYBOOK_TIMEOUT_MS);
    p.on('close', (code) => {
      clearTimeout(timer);
      const recap: PlaybookRun['recap'] = {};
      const at = output.lastIndexOf('PLAY RECAP');
      for (const line of at < 0 ? [] : output.slice(at).split('\n').slice(1)) {
        const m = /^(\S+)\s+:\s+(.*)$/.exec(line.trim());
        if (!m) continue;
        recap[m[1]] = Object.fromEntries([...m[2].matchAll(/(\w+)=(\d+)/g)].map((x) => [x[1], Number(x[2])]));
      }
      done({ code: code ?? -1, output, recap });
    });
  });
}

/** kazoo's Python: Debian's (the first python3 on PATH here has no kazoo). */
const SYSTEM_PYTHON = '/usr/bin/python3';
/** How often the watch asks every member: fine enough to catch a restart (a member is down for a second or more). */
const WATCH_INTERVAL_MS = 100;
/** A srvr slower than this under load is "slow", not down: only a refused connection is a member down. */
const WATCH_SRVR_TIMEOUT_MS = 2000;
/** The load's start (connect, session, its ephemeral) and its end (the last create's answer). */
const LOAD_EDGE_TIMEOUT_MS = 60_000;

export interface LoadResult {
  session: string;
  /** The creates the ensemble acknowledged, in order. */
  acks: string[];
  unknown: number;
  states: string[];
  /** The session at the end, and whether its ephemeral node was still there. */
  endSession: string;
  ephemeral: boolean;
  output: string;
}

/** Starts kazoo_load.py on the ensemble once it has its session; stop() ends it and reads what it printed. */
export async function startLoad(): Promise<{ stop(): Promise<LoadResult> }> {
  const p = spawn(SYSTEM_PYTHON, [join(import.meta.dirname, 'kazoo_load.py'), CONNECT_STRING], { stdio: ['pipe', 'pipe', 'pipe'] });
  // Its events on stdout, kazoo's own log on stderr (kept for a failure's message).
  let output = '';
  let log = '';
  p.stdout.on('data', (b: Buffer) => { output += b.toString(); });
  p.stderr.on('data', (b: Buffer) => { log += b.toString(); });
  const exited = new Promise<number>((done) => p.on('close', (code) => done(code ?? -1)));
  const deadline = Date.now() + LOAD_EDGE_TIMEOUT_MS;
  while (!/^ack /m.test(output)) {
    if (p.exitCode !== null || Date.now() > deadline) throw new Error(`kazoo_load.py did not start its load:\n${output}${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    async stop() {
      p.stdin.end();
      const timer = setTimeout(() => p.kill('SIGKILL'), LOAD_EDGE_TIMEOUT_MS);
      const code = await exited;
      clearTimeout(timer);
      if (code !== 0) throw new Error(`kazoo_load.py exited ${code}:\n${output}${log}`);
      const lines = output.split('\n');
      const done = lines.find((l) => l.startsWith('done '))?.split(' ') ?? [];
      return {
        session: lines.find((l) => l.startsWith('session '))?.split(' ')[1] ?? '',
        acks: lines.filter((l) => l.startsWith('ack ')).map((l) => l.slice(4)),
        unknown: lines.filter((l) => l === 'unknown').length,
        states: lines.filter((l) => l.startsWith('state ')).map((l) => l.slice(6)),
        endSession: done[1] ?? '',
        ephemeral: done[2] === 'ephemeral',
        output: `${output.split('\n').filter((l) => !l.startsWith('ack ')).join('\n')}\n${done.length ? '' : log}`,
      };
    },
  };
}

export interface WatchResult {
  /** The most members down at one moment (their client port refusing connections). */
  maxDown: number;
  /** Per member, the times (ms since the watch began) of each interval it was down, in order. */
  downs: Record<string, Array<{ from: number; to: number }>>;
  rounds: number;
}

/** Asks every member srvr every WATCH_INTERVAL_MS from this machine until stop(). */
export function watchMembers(): { stop(): Promise<WatchResult> } {
  const t0 = Date.now();
  const downs: WatchResult['downs'] = Object.fromEntries(MEMBERS.map((m) => [m.hostname, []]));
  const isDown: Record<string, boolean> = {};
  let maxDown = 0;
  let rounds = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = Date.now();
      const states = await Promise.all(MEMBERS.map((m) =>
        fourLetterWord(m.address, 2181, 'srvr', WATCH_SRVR_TIMEOUT_MS).then(() => false, (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED')));
      const at = Date.now() - t0;
      MEMBERS.forEach((m, i) => {
        if (states[i] && !isDown[m.hostname]) downs[m.hostname].push({ from: at, to: at });
        if (states[i]) downs[m.hostname].at(-1)!.to = at;
        isDown[m.hostname] = states[i];
      });
      maxDown = Math.max(maxDown, states.filter(Boolean).length);
      rounds++;
      await new Promise((r) => setTimeout(r, Math.max(0, WATCH_INTERVAL_MS - (Date.now() - started))));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { maxDown, downs, rounds };
    },
  };
}
