// The fault runs' network: each ensemble member in its own network namespace (zkf-1..zkf-N),
// all of them and the test process joined by one bridge that lives in a namespace of its own
// (zkf-br), so that nothing of the host's is a target. A link between two members is cut by
// nft rules in both members' namespaces that drop what arrives from the other (silently, as
// a real partition does: no RST, no ICMP), which lets the test cut exactly one link and leave
// every other one up. The test process reaches every member through its own veth end on the
// bridge (the client side is never cut: clients see what a member does while it is isolated).
//
// Names: namespaces zkf-*, links and the bridge zkf*, addresses 10.71.0.0/16 only.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';

/** The host's end of the client-side link: the test process's address on the bridge. */
export const HOST_ADDRESS = '10.71.0.1';
const PREFIX_LEN = 16;
const BRIDGE_NS = 'zkf-br';
const BRIDGE = 'zkf0';
const HOST_LINK = 'zkfh0';
/** A member's address: 10.71.0.(10 + myid), so that myid 1..9 read off the last digit. */
export function memberAddress(myid: number): string {
  return `10.71.0.${10 + myid}`;
}
export function namespaceOf(myid: number): string {
  return `zkf-${myid}`;
}

/** One link between two members, named by their myids (order does not matter). */
export type Link = [number, number];

export interface FaultNetwork {
  /** myids 1..n. */
  readonly members: number[];
  /** The command prefix that runs a program inside member myid's namespace. */
  prefix(myid: number): string[];
  /** Cuts exactly these links (both directions); every other link stays as it is. */
  cut(links: Link[]): void;
  /** Every link up again. */
  heal(): void;
  /** The links cut now, for the schedule's log. */
  cutLinks(): Link[];
  /** Removes every namespace and link this made. */
  destroy(): void;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function inNs(ns: string, cmd: string, ...args: string[]): void {
  execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * Removes whatever a killed run left: every zkf-* namespace (their veth ends go with them,
 * and a veth pair dies with either end) and the host's zkfh0. Runs first thing on setup.
 */
export function cleanupFaultNetwork(): void {
  const listed = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  for (const line of listed.split('\n')) {
    const ns = line.split(' ')[0]!;
    if (/^zkf-[a-z0-9]+$/.test(ns)) ip('netns', 'del', ns);
  }
  const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
  for (const m of links.matchAll(/^\d+: (zkf[a-z0-9]*)[@:]/gm)) {
    try {
      ip('link', 'del', m[1]!);
    } catch {
      // Gone meanwhile: a namespace's removal takes its veth pairs with it, a moment later.
    }
  }
}

/**
 * The namespaces' names are the machine's, not the process's: one fault run at a time holds
 * them. The lock file names its pid; a lock whose process is gone (a killed run) is taken over.
 */
const LOCK = '/tmp/zkf-faults.pid';

function acquireLock(): void {
  try {
    writeFileSync(LOCK, String(process.pid), { flag: 'wx' });
    return;
  } catch {
    const holder = Number(readFileSync(LOCK, 'utf8'));
    let alive = false;
    try {
      process.kill(holder, 0);
      alive = holder !== process.pid;
    } catch {
      /* the holder is gone */
    }
    if (alive) throw new Error(`another fault run (pid ${holder}) holds the zkf-* namespaces (${LOCK})`);
    writeFileSync(LOCK, String(process.pid));
  }
}

function releaseLock(): void {
  try {
    if (Number(readFileSync(LOCK, 'utf8')) === process.pid) rmSync(LOCK);
  } catch {
    /* not held */
  }
}

/** Builds the namespaces, the bridge and the host's link for members 1..n. */
export function createFaultNetwork(n: number): FaultNetwork {
  if (n < 1 || n > 9) throw new Error(`a fault network holds 1..9 members, not ${n}`);
  acquireLock();
  cleanupFaultNetwork();
  const members = Array.from({ length: n }, (_, i) => i + 1);
  try {
    ip('netns', 'add', BRIDGE_NS);
    inNs(BRIDGE_NS, 'ip', 'link', 'add', BRIDGE, 'type', 'bridge');
    inNs(BRIDGE_NS, 'ip', 'link', 'set', BRIDGE, 'up');
    // The host's end: the only thing added to the host's own namespace.
    ip('link', 'add', HOST_LINK, 'type', 'veth', 'peer', 'name', 'zkfbh', 'netns', BRIDGE_NS);
    ip('addr', 'add', `${HOST_ADDRESS}/${PREFIX_LEN}`, 'dev', HOST_LINK);
    ip('link', 'set', HOST_LINK, 'up');
    inNs(BRIDGE_NS, 'ip', 'link', 'set', 'zkfbh', 'master', BRIDGE, 'up');
    for (const id of members) {
      const ns = namespaceOf(id);
      ip('netns', 'add', ns);
      inNs(ns, 'ip', 'link', 'set', 'lo', 'up');
      ip('link', 'add', `zkfm${id}`, 'netns', ns, 'type', 'veth', 'peer', 'name', `zkfb${id}`, 'netns', BRIDGE_NS);
      inNs(ns, 'ip', 'addr', 'add', `${memberAddress(id)}/${PREFIX_LEN}`, 'dev', `zkfm${id}`);
      inNs(ns, 'ip', 'link', 'set', `zkfm${id}`, 'up');
      inNs(BRIDGE_NS, 'ip', 'link', 'set', `zkfb${id}`, 'master', BRIDGE, 'up');
      // An input chain that starts empty: a cut adds "from that peer: drop".
      inNs(ns, 'nft', 'add', 'table', 'inet', 'zkf');
      inNs(ns, 'nft', 'add', 'chain', 'inet', 'zkf', 'input', '{ type filter hook input priority 0; policy accept; }');
    }
  } catch (e) {
    cleanupFaultNetwork();
    releaseLock();
    throw new Error(`could not build the fault network (root, iproute2 and nftables needed): ${(e as { stderr?: Buffer }).stderr?.toString() ?? e}`);
  }
  let cut: Link[] = [];
  const applyCuts = () => {
    for (const id of members) {
      const ns = namespaceOf(id);
      inNs(ns, 'nft', 'flush', 'chain', 'inet', 'zkf', 'input');
      for (const [a, b] of cut) {
        const peer = a === id ? b : b === id ? a : 0;
        if (peer) inNs(ns, 'nft', 'add', 'rule', 'inet', 'zkf', 'input', 'ip', 'saddr', memberAddress(peer), 'drop');
      }
    }
  };
  return {
    members,
    prefix: (myid) => ['ip', 'netns', 'exec', namespaceOf(myid)],
    cut(links) {
      for (const [a, b] of links) {
        if (a === b || !members.includes(a) || !members.includes(b)) throw new Error(`no link ${a}-${b} among ${members.join(',')}`);
      }
      const key = ([a, b]: Link) => `${Math.min(a, b)}-${Math.max(a, b)}`;
      const all = new Map(cut.map((l) => [key(l), l]));
      for (const l of links) all.set(key(l), [Math.min(...l), Math.max(...l)]);
      cut = [...all.values()];
      applyCuts();
    },
    heal() {
      cut = [];
      applyCuts();
    },
    cutLinks: () => cut.map((l) => [...l] as Link),
    destroy() {
      cleanupFaultNetwork();
      releaseLock();
    },
  };
}

/** The links that isolate `id` from every other member. */
export function isolating(id: number, members: number[]): Link[] {
  return members.filter((m) => m !== id).map((m) => [id, m] as Link);
}

/** The links between two groups (every member of one to every member of the other). */
export function between(groups: number[][]): Link[] {
  const links: Link[] = [];
  for (let i = 0; i < groups.length; i++) {
    for (let j = i + 1; j < groups.length; j++) for (const a of groups[i]!) for (const b of groups[j]!) links.push([a, b]);
  }
  return links;
}
