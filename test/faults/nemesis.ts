// The nemesis: what each fault kind does to the ensemble, and how it is healed. A fault is
// injected on real processes and real links (test/faults/cluster.ts, netns.ts): nft drops
// between namespaces, kill -9, SIGSTOP/SIGCONT, a full tmpfs, a txn log cut mid-record.
import { between, isolating } from './netns';
import { fillDisk, freeDisk, FAULT_CONFIG, type FaultCluster } from './cluster';
import type { FaultKind, Round, Rng } from './schedule';
import { tearLogTail } from './torn-log';

/** What a round did, for its log line and the schedule that reproduces it. */
export interface Injected {
  /** The member the fault was about (the role resolved to a myid). */
  target: number;
  detail: string;
  heal(): Promise<void>;
}

/**
 * A pause lasts at least this long: past syncLimit × tickTime (2.5 s), after which the leader
 * drops the paused follower (or the followers their paused leader) and the ensemble moves on.
 */
const PAUSE_ms_min = FAULT_CONFIG.syncLimit * FAULT_CONFIG.tickTime + 1000;

function resolve(members: number[], leader: number | undefined, target: Round['target'], rng: Rng): number {
  if (typeof target === 'number') return target;
  if (target === 'leader') return leader ?? rng.pick(members);
  return rng.pick(members.filter((m) => m !== leader));
}

export async function inject(c: FaultCluster, round: Round, rng: Rng): Promise<Injected> {
  const members = c.net.members;
  const leader = await c.leader();
  const target = resolve(members, leader, round.target, rng);
  const others = members.filter((m) => m !== target);
  const role = `(${target === leader ? 'leader' : leader === undefined ? 'no leader' : 'follower'})`;
  const partition = (links: ReturnType<typeof between>, detail: string): Injected => {
    c.net.cut(links);
    return { target, detail: `${detail}, target ${target} ${role}`, heal: async () => c.net.heal() };
  };
  const kind: FaultKind = round.kind;
  switch (kind) {
    case 'isolate-leader':
    case 'isolate-follower':
    case 'split-2-1':
      return partition(isolating(target, members), `${target} | ${others.join(',')}`);
    case 'split-1-1-1':
      return partition(between(members.map((m) => [m])), members.join(' | '));
    case 'bridge': {
      // target sees everyone; the others do not see each other.
      const links = between(others.map((m) => [m]));
      return partition(links, `${target} bridges ${others.join(' ≠ ')}`);
    }
    case 'kill':
      await c.kill(target);
      return { target, detail: `kill -9 ${target} ${role}`, heal: () => c.start(target) };
    case 'torn-tail': {
      await c.kill(target);
      const torn = tearLogTail(c.dataDir(target));
      const detail = torn ? `kill -9 ${target} ${role}, ${torn.file.split('/').pop()} cut ${torn.from_bytes}→${torn.to_bytes} bytes (${torn.records} records)` : `kill -9 ${target} ${role}, no txn log to tear`;
      return { target, detail, heal: () => c.start(target) };
    }
    case 'pause':
    case 'pause-leader': {
      c.signal(target, 'SIGSTOP');
      const paused = performance.now();
      return {
        target,
        detail: `SIGSTOP ${target} ${role}`,
        heal: async () => {
          const left = PAUSE_ms_min - (performance.now() - paused);
          if (left > 0) await new Promise((r) => setTimeout(r, left));
          c.signal(target, 'SIGCONT');
        },
      };
    }
    case 'disk-full': {
      const bytes = fillDisk(c.dataDir(target));
      return { target, detail: `disk of ${target} ${role} full (${bytes >> 20} MiB filler)`, heal: async () => freeDisk(c.dataDir(target)) };
    }
  }
}
