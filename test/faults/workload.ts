// The workloads of a fault run: clients that keep operating on the ensemble while the
// nemesis works on it, and record every operation (invoke, outcome, times) in the shape of
// test/faults/history.ts. A CAS register (read, cas with the version last read), synced reads
// of it (sync then getData in one session), a set of sequential creates (add, read), and
// ephemerals bound to sessions that other clients observe. Each client is bound to one
// member or walks the whole connect string; after an operation with no answer the client
// takes a new process number (the old one may still be running that operation, for ever).
import { CreateMode, OpCode } from '../../src/jute/constants';
import type { ZooKeeperClient } from '../../src/client/zookeeper-client';
import type { Histories, Operation, Outcome } from './history';
import { classify, SESSION_TIMEOUT_ms, sessionHex, WorkloadSession, withDeadline } from './session';
import type { Rng } from './schedule';

export const REGISTER = '/zkf-register';
export const SET = '/zkf-set';
export const EPHEMERALS = '/zkf-eph';
/** The runner's probe writes here to time recovery (not the register: its history is the workload's). */
export const PROBE = '/zkf-probe';
/**
 * Pauses between one client's operations: enough load to see what a fault does to writes
 * in flight, few enough operations (a few thousand a minute) that a linearizability
 * checker's search stays small.
 */
const THINK_ms = { register: 40, syncedRead: 150, set: 60, observer: 100 } as const;
/**
 * A set client reads the whole set once every this many adds: each read returns every
 * element so far (thousands in a long run), so reads are rare to keep the history (and the
 * getChildren replies) small; the final reads after the run see everything anyway.
 */
const SET_READ_EVERY = 250;
/** How long an ephemeral owner holds its session before closing it and starting a new one. */
const EPHEMERAL_HOLD_ms = { min: 1000, max: 4000 } as const;
/** The ephemerals an observer picks from: the newest ones (older ones are long closed). */
const OBSERVED_RECENT = 12;
/** How long an owner keeps trying to close its session: past its timeout, by when a member says it expired. */
const CLOSE_TRIES_ms = 3 * SESSION_TIMEOUT_ms;
/** A client that found no member to talk to waits this long before it tries again. */
const NO_MEMBER_RETRY_ms = 250;

export interface WorkloadStats {
  ok: number;
  fail: number;
  unknown: number;
}

export interface Workload {
  histories: Histories;
  /** Stops every client (each operation in flight is bounded by OP_TIMEOUT_ms) and closes the owners' sessions. */
  stop(): Promise<void>;
  /** After the run: every member's view of the set and the register, each after a sync, in a fresh session. */
  finalReads(members: string[]): Promise<void>;
  stats(): WorkloadStats;
}

/** Any entry of any history: the recording is the same for all of them. */
type AnyOp = Operation<string, unknown, unknown>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Creates the register, the set's parent and the ephemerals' parent (once, before the clients start). */
export async function setUpWorkload(connectString: string): Promise<void> {
  const s = new WorkloadSession(connectString.split(','));
  const deadline = performance.now() + 30_000;
  for (const [path, data] of [[REGISTER, '0'], [SET, ''], [EPHEMERALS, ''], [PROBE, '']] as const) {
    for (;;) {
      const c = await s.connected();
      try {
        if (c) await withDeadline(c.create(path, Buffer.from(data)), `create ${path}`).catch((e) => { if (!/NODEEXISTS/.test(String(e))) throw e; });
        if (c) break;
      } catch {
        s.drop();
      }
      if (performance.now() > deadline) throw new Error(`could not create ${path} within 30 s`);
      await sleep(NO_MEMBER_RETRY_ms);
    }
  }
  s.forget();
}

export function startWorkload(members: string[], rng: Rng): Workload {
  const histories: Histories = { register: [], set: [], ephemeral: [], syncedRead: [], registerInitial: { value: 0, version: 0 } };
  let stopping = false;
  let nextProcess = 0;
  let nextValue = 1;
  let nextElement = 1;
  const recent: { path: string; owner: string }[] = [];

  /** One client: its process number changes after an operation with no answer. */
  class Client {
    process = nextProcess++;
    constructor(readonly s: WorkloadSession) {}
    /** Runs one operation and records it in `list`; undefined when no member took the connection. */
    async op<H extends AnyOp, F extends H['f']>(
      list: H[],
      f: F,
      input: Extract<H, { f: F }>['input'],
      run: (c: ZooKeeperClient) => Promise<Extract<H, { f: F }>['output']>,
      invokedAt?: number,
    ): Promise<{ outcome: Outcome; output?: Extract<H, { f: F }>['output'] } | undefined> {
      const c = await this.s.connected();
      if (!c) return undefined;
      const start = invokedAt ?? performance.now();
      const entry = { process: this.process, session: this.s.session, f, input, invokedAt: start };
      // A synced read's sync was invoked when the operation was (history.ts: syncInvokedAt).
      const syncAt = list === (histories.syncedRead as unknown) ? { syncInvokedAt: start } : {};
      try {
        const output = await withDeadline(run(c), f);
        this.s.heard();
        // The reply's own zxid (this connection's latest), not the session's highest: a
        // view that went back must show in the history.
        const done: AnyOp = { ...entry, output, outcome: 'ok', completedAt: performance.now(), zxid: c.lastZxid, ...syncAt };
        list.push(done as H);
        return { outcome: 'ok', output };
      } catch (e) {
        const { outcome, error } = classify(e);
        if (outcome === 'fail') this.s.heard();
        const done: AnyOp = { ...entry, outcome, error, completedAt: performance.now(), ...syncAt };
        list.push(done as H);
        if (outcome === 'unknown') {
          this.s.drop();
          this.process = nextProcess++;
        }
        return { outcome };
      }
    }
  }
  const hostsFor = (i: number) => (i < members.length ? [members[i]!] : members);

  async function register(client: Client) {
    let version = 0;
    while (!stopping) {
      const value = nextValue++;
      const expectedVersion = version;
      const r =
        rng.next() < 0.5
          ? await client.op(histories.register, 'read', null, async (c) => {
              const { data, stat } = await c.getData(REGISTER);
              return { value: Number(data?.toString() ?? 'NaN'), version: stat.version };
            })
          : await client.op(histories.register, 'cas', { expectedVersion, value }, async (c) => ({
              version: (await c.setData(REGISTER, Buffer.from(String(value)), expectedVersion)).version,
            }));
      if (r?.outcome === 'ok' && r.output) version = r.output.version;
      await sleep(r ? THINK_ms.register : NO_MEMBER_RETRY_ms);
    }
  }

  async function syncedRead(client: Client) {
    while (!stopping) {
      const invokedAt = performance.now();
      const r = await client.op(histories.syncedRead, 'read', null, async (c) => {
        await c.sync(REGISTER);
        const { data, stat } = await c.getData(REGISTER);
        return { value: Number(data?.toString() ?? 'NaN'), version: stat.version };
      }, invokedAt);
      await sleep(r ? THINK_ms.syncedRead : NO_MEMBER_RETRY_ms);
    }
  }

  const readSet = (c: ZooKeeperClient) =>
    c.getChildren(SET).then((paths) => ({ elements: paths.map((p) => Number(/^e-(\d+)-/.exec(p)?.[1] ?? NaN)), paths }));

  async function set(client: Client) {
    let adds = 0;
    while (!stopping) {
      const read = ++adds % SET_READ_EVERY === 0;
      const element = nextElement++;
      const r = read
        ? await client.op(histories.set, 'read', null, readSet)
        : await client.op(histories.set, 'add', { element }, async (c) => ({
            // The element also names the node (e-<element>-<seq>), so a read needs no getData per child.
            path: await c.create(`${SET}/e-${element}-`, Buffer.from(String(element)), { mode: CreateMode.PERSISTENT_SEQUENTIAL }),
          }));
      await sleep(r ? THINK_ms.set : NO_MEMBER_RETRY_ms);
    }
  }

  function ownerSession(owner: { process: number }, hosts: string[]) {
    return new WorkloadSession(hosts, {
      established: (session, invokedAt, completedAt, timeout) =>
        histories.ephemeral.push({ process: owner.process, session, f: 'session-established', input: { sessionTimeoutMs: timeout }, output: { session }, outcome: 'ok', invokedAt, completedAt }),
      // invokedAt: the last moment the session surely lived (its client last heard from a member).
      expired: (session, lastHeard, at) => histories.ephemeral.push({ process: owner.process, session, f: 'session-expired', input: null, output: null, outcome: 'ok', invokedAt: lastHeard, completedAt: at }),
    });
  }

  /**
   * Ends the owner's session: closeSession answered is 'session-closed' ok; no answer is
   * unknown and the owner tries again (on a resumed connection) until the session is closed
   * or has expired, so that the history says when each session ended. Bounded: a session
   * that cannot be reached expires within its timeout, and the next connection says so.
   */
  async function closeOwner(client: Client) {
    const deadline = performance.now() + CLOSE_TRIES_ms;
    while (client.s.session !== undefined && performance.now() < deadline) {
      const r = await client.op(histories.ephemeral, 'session-closed', null, async (c) => (await c.call(OpCode.closeSession), null));
      if (r?.outcome === 'ok') break;
      await sleep(NO_MEMBER_RETRY_ms);
    }
    client.s.forget();
  }

  async function owner(hosts: string[]) {
    const ref = { process: 0 };
    const client = new Client(ownerSession(ref, hosts));
    ref.process = client.process;
    let n = 0;
    while (!stopping) {
      ref.process = client.process;
      const path = `${EPHEMERALS}/p${client.process}-${n++}`;
      const r = await client.op(histories.ephemeral, 'create-ephemeral', { path }, async (c) => ({
        path: await c.create(path, null, { mode: CreateMode.EPHEMERAL }),
      }));
      if (!r) {
        await sleep(NO_MEMBER_RETRY_ms);
        continue;
      }
      if (r.outcome !== 'fail' && client.s.session) {
        recent.push({ path, owner: client.s.session });
        if (recent.length > OBSERVED_RECENT) recent.shift();
      }
      const until = performance.now() + EPHEMERAL_HOLD_ms.min + rng.next() * (EPHEMERAL_HOLD_ms.max - EPHEMERAL_HOLD_ms.min);
      // Held: the session must stay alive across the faults (resumed on another member if need be).
      while (!stopping && performance.now() < until) {
        await client.s.connected();
        await sleep(NO_MEMBER_RETRY_ms);
      }
      ref.process = client.process;
      await closeOwner(client);
    }
  }

  async function observer(client: Client) {
    while (!stopping) {
      const target = recent[Math.floor(rng.next() * recent.length)];
      const r = target
        ? await client.op(histories.ephemeral, 'exists', target, async (c) => {
            // After a sync: a member that lags may still show a closed session's node (history.ts).
            await c.sync(target.path);
            const stat = await c.exists(target.path);
            return stat ? { exists: true, ephemeralOwner: sessionHex(stat.ephemeralOwner) } : { exists: false };
          })
        : undefined;
      await sleep(r ? THINK_ms.observer : NO_MEMBER_RETRY_ms);
    }
  }

  // One of each per member, plus a register client and a set client on the whole connect string.
  const loops: Promise<void>[] = [];
  for (let i = 0; i <= members.length; i++) {
    loops.push(register(new Client(new WorkloadSession(hostsFor(i)))));
    if (i < members.length) {
      loops.push(syncedRead(new Client(new WorkloadSession(hostsFor(i)))));
      loops.push(observer(new Client(new WorkloadSession(hostsFor(i)))));
    }
  }
  loops.push(set(new Client(new WorkloadSession(hostsFor(0)))), set(new Client(new WorkloadSession(hostsFor(members.length)))));
  loops.push(owner(hostsFor(1 % members.length)), owner(hostsFor(members.length)));

  return {
    histories,
    async stop() {
      stopping = true;
      await Promise.all(loops);
    },
    async finalReads(hosts) {
      for (const host of hosts) {
        const client = new Client(new WorkloadSession([host]));
        const invokedAt = performance.now();
        await client.op(histories.set, 'read', null, async (c) => (await c.sync(SET), readSet(c)), invokedAt);
        await client.op(histories.syncedRead, 'read', null, async (c) => {
          await c.sync(REGISTER);
          const { data, stat } = await c.getData(REGISTER);
          return { value: Number(data?.toString() ?? 'NaN'), version: stat.version };
        });
        client.s.forget();
      }
    },
    stats() {
      const s: WorkloadStats = { ok: 0, fail: 0, unknown: 0 };
      for (const list of [histories.register, histories.set, histories.ephemeral, histories.syncedRead]) for (const o of list) s[o.outcome]++;
      return s;
    },
  };
}
