// An ensemble of one flavour for the fault runs: member myid runs inside namespace zkf-<myid>
// (test/faults/netns.ts) on 10.71.0.(10+myid) with the real ports, its dataDir on a small
// tmpfs of its own (so that a disk can be filled and freed), under the run's directory (kept
// when a run fails, so its logs and files can be read). Members are started by
// test/support/ensemble.ts's startMember with the namespace as a command prefix.
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fourLetterWord, type Flavour } from '../support/servers';
import { startMember, type Member, type MemberSpec } from '../support/ensemble';
import { createFaultNetwork, memberAddress, type FaultNetwork } from './netns';

/**
 * Each member's dataDir tmpfs: room for the snapshots and logs of a run (a few MiB of small
 * znodes) with a margin, small enough that filling it (the disk-full fault) takes a moment.
 */
const DATADIR_TMPFS_MiB = 64;
/**
 * The config every member shares. tickTime 500 ms as the other ensemble tests (elections and
 * syncLimit run in seconds, not tens of seconds); preAllocSize 1 MiB (in KiB, as zoo.cfg
 * says it) so that log files stay small on the tmpfs; snapCount 2000 so that a run of a
 * few minutes takes snapshots and rolls logs, and restarts read both.
 */
export const FAULT_CONFIG = { tickTime: 500, initLimit: 10, syncLimit: 5, preAllocSize: 1024, snapCount: 2000 } as const;
/** How long a member gets to serve (srvr answers with a Mode) after it starts: a JVM start and an election on 2 busy cores. */
export const MEMBER_SERVING_ms = 60_000;

export interface FaultCluster {
  flavour: Flavour;
  net: FaultNetwork;
  runDir: string;
  /** The member processes now, by myid (a killed one is absent until restarted). */
  members: Map<number, Member>;
  /** host:2181 of each member, by myid. */
  clientAddress(myid: number): string;
  connectString: string;
  /** The myid whose srvr says leader now, or undefined. */
  leader(): Promise<number | undefined>;
  /** srvr of myid ('' if it does not answer). */
  srvr(myid: number, timeout_ms?: number): Promise<string>;
  /** Waits until every running member answers srvr with a Mode; the ids that did not within timeout_ms. */
  waitServing(timeout_ms: number): Promise<number[]>;
  kill(myid: number): Promise<void>;
  start(myid: number): Promise<void>;
  signal(myid: number, sig: 'SIGSTOP' | 'SIGCONT'): void;
  /** The member's dataDir (on its tmpfs). */
  dataDir(myid: number): string;
  /** Stops every member, removes the namespaces and the tmpfs mounts; the run dir unless keepDir. */
  destroy(opts: { keepDir: boolean }): Promise<void>;
}

function memberDir(runDir: string, myid: number): string {
  return join(runDir, `member-${myid}`);
}

/** Unmounts every tmpfs a killed run left under a run root (its /proc/mounts lines name the root). */
export function cleanupMounts(runRoot: string): void {
  const mounts = readFileSync('/proc/mounts', 'utf8').split('\n');
  for (const line of mounts) {
    const target = line.split(' ')[1];
    if (target?.startsWith(runRoot + '/')) execFileSync('umount', ['-l', target]);
  }
}

export async function startFaultCluster(flavour: Flavour, n: number, runDir: string, extra: Record<string, string | number> = {}): Promise<FaultCluster> {
  const net = createFaultNetwork(n);
  const specs: MemberSpec[] = net.members.map((id) => ({ myid: id, host: memberAddress(id) }));
  const members = new Map<number, Member>();
  const cfg = { ...FAULT_CONFIG, ...extra };
  const dataDir = (id: number) => join(memberDir(runDir, id), 'data');
  const start = async (id: number) => {
    if (members.has(id)) throw new Error(`member ${id} is running`);
    // Keep what the previous process of this member logged: the run dir tells the whole story.
    const m = await startMember(flavour, specs[id - 1]!, specs, cfg, memberDir(runDir, id), { prefix: net.prefix(id) });
    members.set(id, m);
  };
  const kill = async (id: number) => {
    const m = members.get(id);
    if (!m) return;
    members.delete(id);
    // A paused member dies of SIGKILL too, but its exit is only reported once it runs again.
    try {
      process.kill(m.pid, 'SIGCONT');
    } catch {
      /* it is gone already */
    }
    await m.stop({ keepDir: true });
    writeFileSync(join(memberDir(runDir, id), 'member.log'), m.log(), { flag: 'a' });
  };
  const srvr = (id: number, timeout_ms = 2000) => fourLetterWord(memberAddress(id), 2181, 'srvr', timeout_ms).catch(() => '');
  const cluster: FaultCluster = {
    flavour,
    net,
    runDir,
    members,
    clientAddress: (id) => `${memberAddress(id)}:2181`,
    connectString: net.members.map((id) => `${memberAddress(id)}:2181`).join(','),
    async leader() {
      for (const id of members.keys()) if ((await srvr(id)).includes('Mode: leader')) return id;
      return undefined;
    },
    srvr,
    async waitServing(timeout_ms) {
      const deadline = performance.now() + timeout_ms;
      for (;;) {
        const down: number[] = [];
        for (const id of members.keys()) if (!(await srvr(id)).includes('Mode:')) down.push(id);
        if (down.length === 0 || performance.now() > deadline) return down;
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    kill,
    start,
    signal(id, sig) {
      const m = members.get(id);
      if (m) process.kill(m.pid, sig);
    },
    dataDir,
    async destroy({ keepDir }) {
      for (const id of [...members.keys()]) await kill(id);
      net.destroy();
      for (const id of net.members) {
        const d = dataDir(id);
        if (!existsSync(d)) continue;
        // The tmpfs goes with the unmount: a kept run keeps a copy of its files to read.
        if (keepDir) execFileSync('cp', ['-a', `${d}/.`, `${d}-kept`]);
        execFileSync('umount', ['-l', d]);
      }
      if (!keepDir) rmSync(runDir, { recursive: true, force: true });
    },
  };
  try {
    for (const id of net.members) {
      mkdirSync(dataDir(id), { recursive: true });
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${DATADIR_TMPFS_MiB}m`, `zkf-${id}`, dataDir(id)]);
    }
    await Promise.all(net.members.map(start));
    const down = await cluster.waitServing(MEMBER_SERVING_ms);
    if (down.length) throw new Error(`${flavour} members ${down.join(',')} do not serve; member ${down[0]}'s log ends:\n${members.get(down[0]!)!.log().slice(-4000)}`);
  } catch (e) {
    await cluster.destroy({ keepDir: true });
    throw e;
  }
  return cluster;
}

/** The file that fills a member's disk: beside the dataDir's own files, which both flavours ignore. */
const FILLER = 'zkf-filler';
/** One write of the filler: big enough to fill 64 MiB in a few dozen writes. */
const FILL_CHUNK_BYTES = 1 << 20;

/** Fills the member's dataDir tmpfs until ENOSPC; returns the bytes written. */
export function fillDisk(dataDir: string): number {
  const fd = openSync(join(dataDir, FILLER), 'a');
  const chunk = Buffer.alloc(FILL_CHUNK_BYTES, 0x5a);
  let written = 0;
  try {
    for (let i = 0; i < (DATADIR_TMPFS_MiB << 20) / FILL_CHUNK_BYTES + 1; i++) written += writeSync(fd, chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  }
  // The last bytes: a partial chunk fits where a whole one did not.
  for (let size = FILL_CHUNK_BYTES >> 1; size >= 1; size >>= 1) {
    try {
      written += writeSync(fd, chunk, 0, size);
    } catch {
      /* ENOSPC at this size: try a smaller one */
    }
  }
  closeSync(fd);
  return written;
}

export function freeDisk(dataDir: string): void {
  rmSync(join(dataDir, FILLER), { force: true });
}
