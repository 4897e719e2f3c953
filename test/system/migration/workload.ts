// The continuous load the rolling migration runs under: writers on our client and on kazoo
// (sequential creates under one parent, compare-and-set updates of a counter), each one
// session that must survive every step, and one long session of ours holding ephemerals and
// one-shot watches from before the first step to after the last. Every operation is
// recorded in the shapes of test/faults/history.ts, on this process's performance.now().
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ZooKeeperClient, type Reply, type WatchedEvent } from '../../../src/client/zookeeper-client';
import { CreateMode, OpCode, OPEN_ACL_UNSAFE } from '../../../src/jute/constants';
import { codeName, KeeperError } from '../../../src/jute/keeper-error';
import * as R from '../../../src/jute/records';
import type { Histories, Outcome, RegisterOp, SetOp } from '../../faults/history';
import { Session } from '../../support/session';

export const PATHS = {
  root: '/mig',
  set: '/mig/set',
  counter: '/mig/counter',
  eph: '/mig/eph',
  /** A data watch of every session that holds watches (the long one and each kazoo client). */
  watched: '/mig/watched',
  /** An exists watch of the long session on a node that does not exist until the end. */
  absent: '/mig/absent',
  /** A child watch of the long session. */
  kids: '/mig/kids',
} as const;

export interface WorkloadOptions {
  hosts: string[];
  /** Writers on our client. */
  ours: number;
  /** Writers on kazoo (one python process each). */
  kazoo: number;
  /** Each writer's pause after each round (create, read, cas): what bounds the load. */
  pause_ms: number;
  sessionTimeout_ms: number;
}

/** A session's fate as its own client saw it. */
export interface SessionRecord {
  process: number;
  client: 'ours' | 'kazoo' | 'long';
  /** Every session id it had, in order: more than one means it lost a session. */
  sessions: string[];
  expired: boolean;
  reconnects: number;
  /** Reply headers whose zxid was below an earlier one's (kazoo's, seen in its connection thread). */
  zxidBackwards: unknown[];
  /** Its ephemeral's owner at the end (from its own client), when it holds one. */
  ephemeralOwner?: string | null;
  /** The watch events that came after the final changes. */
  watchEvents?: unknown[];
}

export interface WorkloadResult {
  histories: Histories;
  sessions: SessionRecord[];
  /** The long session's ephemerals, which must still be there, owned by it. */
  longEphemerals: string[];
  longSession: string;
}

/** An operation as op() records it, before it is filed under its history's type. */
interface Recorded<O> {
  process: number;
  session: string;
  f: string;
  input: unknown;
  outcome: Outcome;
  invokedAt: number;
  completedAt: number;
  output?: O;
  error?: string;
  zxid?: number;
}

/** An operation not answered within this is 'unknown': longer than any election seen here (~4 s). */
const OP_TIMEOUT_ms = 15_000;
/** The long session reads the counter this often, so its view's monotonicity is checked throughout. */
const LONG_READ_EVERY_ms = 250;
/** The watch events come within milliseconds of the change; this is for a machine under load. */
const WATCH_WAIT_ms = 10_000;
/** A kazoo client connects and sets up in well under a second; this is for a loaded machine. */
const KAZOO_READY_ms = 30_000;
const KAZOO_DRIVER = join(import.meta.dirname, '../../support/kazoo-load.py');
/** Process numbers: ours 1.., kazoo's 101.., the long session 1000 (they name the writers in reports). */
const KAZOO_PROCESS_BASE = 100;
const LONG_PROCESS = 1000;

export class Workload {
  readonly histories: Histories = { register: [], set: [], ephemeral: [], syncedRead: [] };
  private stopping = false;
  private readonly loops: Promise<void>[] = [];
  private readonly ourSessions: { process: number; s: Session }[] = [];
  private readonly drivers: KazooDriver[] = [];
  private long!: Session;
  private readonly longEvents: WatchedEvent[] = [];
  private readonly longEphemerals = [`${PATHS.eph}/long-a`, `${PATHS.eph}/long-b`];

  private constructor(private readonly opts: WorkloadOptions) {}

  /** Creates the tree, opens every session, and starts the load. */
  static async start(opts: WorkloadOptions): Promise<Workload> {
    const w = new Workload(opts);
    const setup = await ZooKeeperClient.connect(opts.hosts[0]!, { sessionTimeout_ms: opts.sessionTimeout_ms });
    for (const p of [PATHS.root, PATHS.set, PATHS.eph, PATHS.kids]) await setup.create(p, null);
    await setup.create(PATHS.counter, Buffer.from('0'));
    await setup.create(PATHS.watched, Buffer.from('before'));
    await setup.close();
    await w.openLongSession();
    for (let i = 0; i < opts.kazoo; i++) w.drivers.push(await KazooDriver.start(opts, KAZOO_PROCESS_BASE + 1 + i, (op) => w.record(op)));
    for (let i = 0; i < opts.ours; i++) {
      const process = 1 + i;
      const s = await Session.open(opts.hosts, opts.sessionTimeout_ms, i);
      w.ourSessions.push({ process, s });
      w.loops.push(w.writer(process, s));
    }
    w.loops.push(w.longReader());
    return w;
  }

  /** Stops the load, fires the watches set before the run, and closes every session. */
  async stop(): Promise<WorkloadResult> {
    this.stopping = true;
    await Promise.all(this.loops);
    const kazooSummaries = await Promise.all(this.drivers.map((d) => d.stopLoad()));
    // What the long session holds, seen from a fresh session before anything changes.
    const checker = await ZooKeeperClient.connect(this.opts.hosts[0]!, { sessionTimeout_ms: this.opts.sessionTimeout_ms });
    for (const path of this.longEphemerals) {
      const invokedAt = performance.now();
      const stat = await checker.exists(path);
      this.histories.ephemeral.push({ process: 0, f: 'exists', input: { path, owner: this.long.id }, output: { exists: stat !== null, ...(stat ? { ephemeralOwner: stat.ephemeralOwner.toString(16) } : {}) }, outcome: 'ok', invokedAt, completedAt: performance.now() });
    }
    // Fire the watches: each of them was set before the first step.
    await checker.setData(PATHS.watched, Buffer.from('after'));
    await checker.create(PATHS.absent, null);
    await checker.create(`${PATHS.kids}/child`, null);
    await checker.close();
    const deadline = Date.now() + WATCH_WAIT_ms;
    while (this.longEvents.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const kazooWatches = await Promise.all(this.drivers.map((d) => d.watchEvents()));
    const sessions: SessionRecord[] = [
      { process: LONG_PROCESS, client: 'long', sessions: [this.long.id], expired: this.long.expired, reconnects: this.long.reconnects, zxidBackwards: [], watchEvents: this.longEvents },
      ...this.ourSessions.map(({ process, s }) => ({ process, client: 'ours' as const, sessions: [s.id], expired: s.expired, reconnects: s.reconnects, zxidBackwards: [] })),
      ...kazooSummaries.map((k, i) => ({ ...k, watchEvents: kazooWatches[i] })),
    ];
    await Promise.all([this.long.close(), ...this.ourSessions.map(({ s }) => s.close()), ...this.drivers.map((d) => d.close())]);
    return { histories: this.histories, sessions, longEphemerals: this.longEphemerals, longSession: this.long.id };
  }

  /** One writer: create a sequential node, read the counter, compare-and-set it to one more; pause; again. */
  private async writer(process: number, s: Session): Promise<void> {
    for (let i = 1; !this.stopping; i++) {
      const element = process * 1_000_000 + i;
      const add = await this.op(s, process, 'add', { element }, (c) => c.call(OpCode.create, (w) => R.CreateRequest.write(w, { path: `${PATHS.set}/e-`, data: Buffer.from(String(element)), acl: OPEN_ACL_UNSAFE, flags: CreateMode.PERSISTENT_SEQUENTIAL }), R.CreateResponse), (b) => ({ path: b.path }));
      this.histories.set.push(add as SetOp);
      const read = await this.readCounter(s, process);
      if (read.outcome === 'ok') {
        const { value, version } = read.output!;
        const input = { expectedVersion: version, value: value + 1 };
        const cas = await this.op(s, process, 'cas', input, (c) => c.call(OpCode.setData, (w) => R.SetDataRequest.write(w, { path: PATHS.counter, data: Buffer.from(String(input.value)), version }), R.StatResponse), (b) => ({ version: b.stat.version }));
        this.histories.register.push(cas as RegisterOp);
      }
      await new Promise((r) => setTimeout(r, this.opts.pause_ms));
    }
  }

  private async readCounter(s: Session, process: number): Promise<Recorded<{ value: number; version: number }>> {
    const read = await this.op(s, process, 'read', null, (c) => c.call(OpCode.getData, (w) => R.PathWatchRequest.write(w, { path: PATHS.counter, watch: false }), R.GetDataResponse), (b) => ({ value: Number(b.data?.toString()), version: b.stat.version }));
    this.histories.register.push(read as RegisterOp);
    return read;
  }

  /** The long session: ephemerals and watches set once; then only reads, so that nothing of it changes. */
  private async openLongSession(): Promise<void> {
    const invokedAt = performance.now();
    this.long = await Session.open(this.opts.hosts, this.opts.sessionTimeout_ms, 0);
    this.histories.ephemeral.push({ process: LONG_PROCESS, session: this.long.id, f: 'session-established', input: { sessionTimeoutMs: this.opts.sessionTimeout_ms }, output: { session: this.long.id }, outcome: 'ok', invokedAt, completedAt: performance.now() });
    this.long.on('watch', (e) => this.longEvents.push(e));
    this.long.on('expired', () => this.histories.ephemeral.push({ process: LONG_PROCESS, session: this.long.id, f: 'session-expired', input: null, output: null, outcome: 'ok', invokedAt: performance.now(), completedAt: performance.now() }));
    const c = await this.long.connection();
    for (const path of this.longEphemerals) {
      const t = performance.now();
      await c.create(path, null, { mode: CreateMode.EPHEMERAL });
      this.histories.ephemeral.push({ process: LONG_PROCESS, session: this.long.id, f: 'create-ephemeral', input: { path }, output: { path }, outcome: 'ok', invokedAt: t, completedAt: performance.now() });
    }
    await c.getData(PATHS.watched, true);
    this.long.watching('data', PATHS.watched);
    if ((await c.exists(PATHS.absent, true)) !== null) throw new Error(`${PATHS.absent} exists before the run`);
    this.long.watching('exist', PATHS.absent);
    await c.getChildren(PATHS.kids, true);
    this.long.watching('child', PATHS.kids);
    this.long.saw(c.lastZxid);
  }

  private async longReader(): Promise<void> {
    while (!this.stopping) {
      await this.readCounter(this.long, LONG_PROCESS);
      await new Promise((r) => setTimeout(r, LONG_READ_EVERY_ms));
    }
  }

  /**
   * One operation of one session, recorded: ok (with the reply's zxid), fail (ZooKeeper's
   * error, or no connection to send it on), or unknown (the connection went, or no answer
   * within OP_TIMEOUT_ms — then the connection is dropped, as a client's read timeout does).
   */
  private async op<T, O>(s: Session, process: number, f: string, input: unknown, send: (c: ZooKeeperClient) => Promise<Reply<T>>, shape: (body: T) => O): Promise<Recorded<O>> {
    const entry: Recorded<O> = { process, session: s.id, f, input, outcome: 'unknown', invokedAt: performance.now(), completedAt: 0 };
    let c: ZooKeeperClient;
    try {
      c = await s.connection();
    } catch (e) {
      entry.outcome = 'fail';
      entry.error = `not sent: ${e instanceof Error ? e.message : String(e)}`;
      entry.completedAt = performance.now();
      return entry;
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      const reply = await Promise.race([send(c), new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${OP_TIMEOUT_ms} ms`)), OP_TIMEOUT_ms)))]);
      entry.zxid = reply.zxid;
      s.saw(reply.zxid);
      if (reply.err === 0) {
        entry.outcome = 'ok';
        entry.output = shape(reply.body as T);
      } else {
        entry.outcome = 'fail';
        entry.error = codeName(reply.err);
      }
    } catch (e) {
      entry.outcome = 'unknown';
      entry.error = e instanceof KeeperError ? codeName(e.code) : String(e);
      if (!(e instanceof KeeperError)) c.disconnect();
    } finally {
      clearTimeout(timer);
    }
    entry.completedAt = performance.now();
    return entry;
  }

  private record(op: RegisterOp | SetOp): void {
    if (op.f === 'add') this.histories.set.push(op);
    else this.histories.register.push(op as RegisterOp);
  }
}

/** One kazoo client in its own python process (test/support/kazoo-load.py), its lines read as they come. */
class KazooDriver {
  private summary: ((s: SessionRecord) => void) | undefined;
  private watch: ((e: unknown[]) => void) | undefined;
  private readonly exited: Promise<void>;
  private stderr = '';

  private constructor(
    private readonly child: ChildProcess,
    private readonly process: number,
  ) {
    this.exited = new Promise((r) => child.once('exit', () => r()));
    child.stderr!.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-20_000)));
  }

  static async start(opts: WorkloadOptions, process: number, record: (op: RegisterOp | SetOp) => void): Promise<KazooDriver> {
    const args = [KAZOO_DRIVER, opts.hosts.join(','), String(process), PATHS.set, PATHS.counter, `${PATHS.eph}/kazoo-${process}`, PATHS.watched, String(opts.pause_ms), String(opts.sessionTimeout_ms)];
    const child = spawn('/usr/bin/python3', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const d = new KazooDriver(child, process);
    // kazoo's clock is epoch ms; ours is performance.now(): one offset maps one onto the other.
    const toLocal = (epoch_ms: number) => epoch_ms - performance.timeOrigin;
    let ready: (() => void) | undefined;
    let readyTimer: NodeJS.Timeout | undefined;
    const isReady = new Promise<void>((resolve, reject) => {
      ready = resolve;
      readyTimer = setTimeout(() => reject(new Error(`kazoo client ${process} not ready within ${KAZOO_READY_ms} ms: ${d.stderr}`)), KAZOO_READY_ms);
      child.once('exit', (code) => reject(new Error(`kazoo client ${process} exited (${code}): ${d.stderr}`)));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = JSON.parse(line) as Record<string, unknown>;
      if (m.ready) {
        clearTimeout(readyTimer);
        ready?.();
      } else if (m.summary) {
        d.summary?.({ process, client: 'kazoo', sessions: m.sessions as string[], expired: Boolean(m.sessionLost), reconnects: (m.states as [string, number][]).filter(([s]) => s === 'SUSPENDED').length, zxidBackwards: m.backwards as unknown[], ephemeralOwner: m.ephemeralOwner as string | null });
      } else if (m.watch) {
        d.watch?.(m.watch as unknown[]);
      } else {
        const op = m as unknown as RegisterOp | SetOp;
        op.invokedAt = toLocal(op.invokedAt);
        op.completedAt = toLocal(op.completedAt);
        record(op);
      }
    });
    await isReady;
    return d;
  }

  stopLoad(): Promise<SessionRecord> {
    return this.ask('stop', (r) => (this.summary = r));
  }

  watchEvents(): Promise<unknown[]> {
    return this.ask('watch', (r) => (this.watch = r));
  }

  async close(): Promise<void> {
    this.child.stdin!.end();
    await this.exited;
  }

  private ask<T>(command: string, on: (r: (v: T) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      on(resolve);
      this.child.once('exit', (code) => reject(new Error(`kazoo client ${this.process} exited (${code}) before answering ${command}: ${this.stderr}`)));
      this.child.stdin!.write(`${command}\n`);
    });
  }
}
