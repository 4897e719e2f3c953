// The simulated world of one run: a clock (an event queue in simulated ms), the election
// network (one TCP connection per pair of members, as QuorumCnxManager keeps, with its
// one-slot send queue per peer and its resend of the last message on a new connection),
// the quorum port's connections (FIFO within one, independent between them; a partition
// kills them silently, a reset delivers FIN), the members, and the faults.
import { OpCode } from '../../src/jute/constants';
import { Leader, type LeaderEffect, type LeaderOptions, type LeaderStart } from '../../src/quorum/leader';
import { Learner, type LearnerEffect, type LearnerOptions, type LearnerStart } from '../../src/quorum/learner';
import type { Notification } from '../../src/quorum/notification';
import type { QuorumPacket } from '../../src/quorum/quorum-packet';
import type { Txn } from '../../src/tree/txn';
import { Checker, SimFailure, treeDigest, txnKey } from './checker';
import { Member, type SimSnapshot } from './member';
import { Rng } from './rng';

export interface Conn {
  id: number;
  learner: Member;
  leader: Member;
  learnerInc: number;
  leaderInc: number;
  open: boolean;
  /** When the last packet each way arrives (FIFO): [to the learner, to the leader]. */
  lastAt: [number, number];
  seenByLearner: string[];
}

export interface Hooks {
  learnerEffect?(m: Member, e: LearnerEffect): void;
  leaderEffect?(m: Member, e: LeaderEffect): void;
  /** false: the packet never leaves (the sender dies first, say). */
  zabSend?(conn: Conn, fromLeader: boolean, p: QuorumPacket): boolean;
}

export interface SimOptions {
  seed: number;
  participants: number;
  observers: number;
  /** How long faults and writes go on, in simulated ms. */
  chaos_ms: number;
  /** How long the healed ensemble may take to settle. */
  settle_ms: number;
  faults: boolean;
  makeLeader?(o: LeaderOptions, s: LeaderStart): Leader;
  makeLearner?(o: LearnerOptions, s: LearnerStart): Learner;
}

/** Beyond this many events a run is stuck in a loop, not busy. */
const MAX_EVENTS = 400_000;
const TRACE_LINES = 30;

interface Pair {
  connected: boolean;
  gen: number;
  dir: Map<bigint, { queued?: Notification; last?: Notification; lastAt: number }>;
}

interface Event {
  t: number;
  seq: number;
  fn: () => void;
}

export class World {
  now = 0;
  steps = 0;
  readonly rng: Rng;
  readonly checker: Checker;
  readonly members: Member[] = [];
  readonly voters: bigint[] = [];
  hooks: Hooks = {};
  readonly stats = { writes: 0, crashes: 0, restarts: 0, partitions: 0, resets: 0, elections: 0 };
  private readonly heap: Event[] = [];
  private seq = 0;
  private readonly cut = new Set<string>();
  private readonly pairs = new Map<string, Pair>();
  private readonly conns = new Set<Conn>();
  private nextConnId = 1;
  private nextWrite = 1;
  private readonly traceLines: string[] = [];

  constructor(readonly o: SimOptions) {
    this.rng = new Rng(o.seed);
    this.checker = new Checker(() => `seed ${o.seed} step ${this.steps} (${this.now} ms)`);
    for (let i = 1; i <= o.participants + o.observers; i++) {
      const sid = BigInt(i);
      const type = i <= o.participants ? 'participant' : 'observer';
      if (type === 'participant') this.voters.push(sid);
      this.members.push(new Member(sid, type, this));
    }
  }

  makeLeader(o: LeaderOptions, s: LeaderStart): Leader {
    this.stats.elections++;
    return this.o.makeLeader ? this.o.makeLeader(o, s) : new Leader(o, s);
  }
  makeLearner(o: LearnerOptions, s: LearnerStart): Learner {
    return this.o.makeLearner ? this.o.makeLearner(o, s) : new Learner(o, s);
  }

  member(sid: bigint): Member {
    return this.members[Number(sid) - 1]!;
  }

  containsQuorum(ids: ReadonlySet<bigint>): boolean {
    return [...ids].filter((s) => this.voters.includes(s)).length * 2 > this.voters.length;
  }

  trace(line: string): void {
    this.traceLines.push(`${this.now}ms ${line}`);
    if (process.env.SIM_TRACE) process.stderr.write(`${this.now}ms ${line}\n`);
    if (this.traceLines.length > TRACE_LINES) this.traceLines.shift();
  }
  recentTrace(): string {
    return this.traceLines.join('\n');
  }

  // --- the clock

  at(delay_ms: number, fn: () => void): void {
    const e = { t: this.now + Math.max(0, delay_ms), seq: this.seq++, fn };
    const h = this.heap;
    h.push(e);
    for (let i = h.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (before(h[p]!, h[i]!)) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }

  private pop(): Event | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
    return top;
  }

  /** Runs events until `until_ms` or `done()`; returns whether done() came true. */
  run(until_ms: number, done: () => boolean = () => false): boolean {
    while (this.heap.length > 0 && this.heap[0]!.t <= until_ms) {
      const e = this.pop()!;
      this.now = e.t;
      this.steps++;
      if (this.steps > MAX_EVENTS) this.checker.fail(`more than ${MAX_EVENTS} events: the run never quiets down`);
      e.fn();
      if (done()) return true;
    }
    this.now = Math.max(this.now, until_ms);
    return done();
  }

  private delay(): number {
    const r = this.rng.next();
    return r < 0.85 ? this.rng.int(1, 10) : r < 0.97 ? this.rng.int(10, 100) : this.rng.int(100, 600);
  }

  reachable(a: bigint, b: bigint): boolean {
    return this.member(a).up && this.member(b).up && !this.cut.has(pairKey(a, b));
  }

  // --- the election network

  private pair(a: bigint, b: bigint): Pair {
    const k = pairKey(a, b);
    let p = this.pairs.get(k);
    if (!p) this.pairs.set(k, (p = { connected: false, gen: 0, dir: new Map([[a, { lastAt: 0 }], [b, { lastAt: 0 }]]) }));
    return p;
  }

  electionSend(from: bigint, to: bigint, n: Notification): void {
    if (from === to) {
      const m = this.member(to);
      const inc = m.incarnation;
      return this.at(0, () => m.up && m.incarnation === inc && m.notification(from, n));
    }
    const p = this.pair(from, to);
    const d = p.dir.get(from)!;
    d.last = n;
    if (p.connected) return this.transmit(p, from, to, n);
    d.queued = n; // the one-slot queue: a newer message replaces one not yet sent
    if (this.reachable(from, to)) this.connect(p, from, to);
  }

  /** A new connection: each side sends what it queued, or else says its last message again (a duplicate). */
  private connect(p: Pair, a: bigint, b: bigint): void {
    p.connected = true;
    for (const [from, to] of [[a, b], [b, a]] as const) {
      const d = p.dir.get(from)!;
      const n = d.queued ?? d.last;
      d.queued = undefined;
      if (n) this.transmit(p, from, to, n);
    }
  }

  private transmit(p: Pair, from: bigint, to: bigint, n: Notification): void {
    const d = p.dir.get(from)!;
    const t = Math.max(d.lastAt, this.now + this.delay());
    d.lastAt = t;
    const gen = p.gen;
    const m = this.member(to);
    const inc = m.incarnation;
    this.at(t - this.now, () => p.gen === gen && m.up && m.incarnation === inc && m.notification(from, n));
  }

  /** QuorumCnxManager.haveDelivered: some peer's queue is empty. */
  electionDelivered(from: bigint): boolean {
    return this.voters.some((to) => to !== from && this.pair(from, to).connected && !this.pair(from, to).dir.get(from)!.queued);
  }

  electionReconnectAll(from: bigint): void {
    for (const to of this.voters) {
      if (to === from) continue;
      const p = this.pair(from, to);
      if (!p.connected && this.reachable(from, to)) this.connect(p, from, to);
    }
  }

  private dropPair(p: Pair): void {
    p.connected = false;
    p.gen++;
  }

  // --- the quorum port

  openConn(learner: Member, leaderSid: bigint): Conn | undefined {
    const leader = this.member(leaderSid);
    if (!this.reachable(learner.sid, leaderSid) || leader.role.kind !== 'leading') return undefined;
    const conn: Conn = { id: this.nextConnId++, learner, leader, learnerInc: learner.incarnation, leaderInc: leader.incarnation, open: true, lastAt: [0, 0], seenByLearner: [] };
    this.conns.add(conn);
    leader.accept(conn);
    return conn;
  }

  connSend(conn: Conn, fromLeader: boolean, p: QuorumPacket, snapshot?: SimSnapshot): void {
    if (!conn.open) return;
    if (this.hooks.zabSend?.(conn, fromLeader, p) === false) return;
    if (!this.reachable(conn.learner.sid, conn.leader.sid)) return this.kill(conn);
    const dir = fromLeader ? 0 : 1;
    const t = Math.max(conn.lastAt[dir], this.now + this.delay());
    conn.lastAt[dir] = t;
    this.at(t - this.now, () => {
      if (!conn.open) return;
      if (fromLeader) conn.learner.incarnation === conn.learnerInc && conn.learner.fromLeader(conn, p, snapshot);
      else conn.leader.incarnation === conn.leaderInc && conn.leader.fromLearner(conn, p);
    });
  }

  /** Closed by one side (or reset): in-flight data is lost; with fin, each side learns of it. */
  closeConn(conn: Conn, fin: boolean): void {
    if (!conn.open) return;
    conn.open = false;
    this.conns.delete(conn);
    if (!fin) return;
    const d = this.delay();
    this.at(d, () => conn.learner.incarnation === conn.learnerInc && conn.learner.fromLeader(conn, 'FIN'));
    this.at(d, () => conn.leader.incarnation === conn.leaderInc && conn.leader.fromLearner(conn, 'FIN'));
  }

  /** A connection across a partition: nothing more gets through and neither side is told. */
  private kill(conn: Conn): void {
    conn.open = false;
    this.conns.delete(conn);
  }

  // --- faults

  crash(sid: bigint): void {
    const m = this.member(sid);
    if (!m.up) return;
    this.stats.crashes++;
    m.crash();
    for (const [k, p] of this.pairs) {
      if (!k.split('-').includes(String(sid))) continue;
      this.dropPair(p);
      p.dir.set(sid, { lastAt: 0 });
    }
  }

  restart(sid: bigint): void {
    const m = this.member(sid);
    if (m.up) return;
    this.stats.restarts++;
    this.trace(`member ${sid} restarts`);
    m.start();
  }

  /** Cuts every link between `side` and the rest. */
  partition(side: readonly bigint[]): void {
    this.stats.partitions++;
    this.trace(`partition [${side.join(',')}] from the rest`);
    for (const a of side) for (const m of this.members) if (!side.includes(m.sid)) this.cut.add(pairKey(a, m.sid));
    for (const [k, p] of this.pairs) if (this.cut.has(k)) this.dropPair(p);
    for (const c of [...this.conns]) if (this.cut.has(pairKey(c.learner.sid, c.leader.sid))) this.kill(c);
  }

  heal(): void {
    if (this.cut.size > 0) this.trace('partitions healed');
    this.cut.clear();
  }

  resetConn(): void {
    const open = [...this.conns];
    if (open.length === 0) return;
    this.stats.resets++;
    const c = this.rng.pick(open);
    this.trace(`quorum connection ${c.learner.sid}→${c.leader.sid} reset`);
    this.closeConn(c, true);
  }

  /** An election connection breaks: what was in flight is lost; a reconnect says the last message again. */
  resetElection(): void {
    const ps = [...this.pairs.values()].filter((p) => p.connected);
    if (ps.length === 0) return;
    const p = this.rng.pick(ps);
    this.dropPair(p);
    const [a, b] = [...p.dir.keys()] as [bigint, bigint];
    if (this.rng.chance(0.5) && this.reachable(a, b)) this.connect(p, a, b);
  }

  // --- clients

  /** A client's create /k<n> with unique data, at a member that believes it leads and serves. */
  write(to?: Member): boolean {
    const leaders = this.members.filter((m) => m.nextZxid() !== undefined);
    const m = to ?? (leaders.length > 0 ? this.rng.pick(leaders) : undefined);
    const zxid = m?.nextZxid();
    if (!m || zxid === undefined) return false;
    const n = this.nextWrite++;
    this.stats.writes++;
    const txn: Txn = {
      hdr: { clientId: 1n, cxid: n, zxid, time: 1_700_000_000_000 + n, type: OpCode.create },
      body: { kind: 'create', path: `/k${n}`, data: Buffer.from(`v${n}@${this.o.seed}`), acl: [], ephemeral: false, parentCVersion: -1 },
    };
    m.leaderStep({ kind: 'propose', txn });
    return true;
  }

  isClientWrite(t: Txn): boolean {
    return t.body.kind === 'create' && t.body.path.startsWith('/k');
  }

  /** One fault step of the chaos phase. */
  chaos(): void {
    const r = this.rng.next();
    const up = this.members.filter((m) => m.up);
    const down = this.members.filter((m) => !m.up);
    if (r < 0.4) {
      for (let i = this.rng.int(1, 3); i > 0; i--) this.write();
    } else if (r < 0.47) {
      if (up.length > 0) this.crash(this.rng.pick(up).sid);
    } else if (r < 0.6) {
      if (down.length > 0) this.restart(this.rng.pick(down).sid);
    } else if (r < 0.65) {
      const side = this.members.filter(() => this.rng.chance(0.4)).map((m) => m.sid);
      if (side.length > 0 && side.length < this.members.length) this.partition(side);
    } else if (r < 0.72) {
      this.heal();
    } else if (r < 0.77) {
      this.resetConn();
    } else if (r < 0.83) {
      this.resetElection();
    } else if (r < 0.85) {
      if (up.length > 0) this.rng.pick(up).failNextFsync = true;
    }
  }

  // --- a whole run

  start(): void {
    for (const m of this.members) this.at(this.rng.int(0, 50), () => m.up || m.start());
  }

  /** Faults and writes for chaos_ms, then healed, everyone up, settled and checked. */
  runRandom(): void {
    this.start();
    const end = this.o.chaos_ms;
    const fault = (): void => {
      if (this.now >= end) return;
      if (this.o.faults) this.chaos();
      else if (this.rng.chance(0.5)) this.write();
      this.at(this.rng.int(10, 150), fault);
    };
    this.at(100, fault);
    this.run(end);
    this.settleAndCheck();
  }

  /** Heals, restarts every member, waits for one leader with everyone in sync, and checks the end state. */
  settleAndCheck(): void {
    this.heal();
    for (const m of this.members) {
      m.failNextFsync = false;
      if (!m.up) this.restart(m.sid);
    }
    const settled = (): boolean => {
      const leader = this.members.find((m) => m.role.kind === 'leading' && m.servingUnder(m.sid));
      if (!leader) return false;
      return this.members.every((m) => m.servingUnder(leader.sid) && m.applied.length === leader.applied.length);
    };
    if (!this.run(this.now + this.o.settle_ms, settled)) {
      const roles = this.members.map((m) => `${m.name}: ${m.role.kind} (${m.applied.length} applied, epoch ${m.disk.currentEpoch})`).join('; ');
      this.checker.fail(`did not settle within ${this.o.settle_ms} ms of healing: ${roles}`);
    }
    this.checkEnd();
  }

  /** Every member holds exactly the committed history, every acknowledged write, and the same tree. */
  checkEnd(): void {
    const c = this.checker;
    const want = c.committed.map(txnKey);
    const digests = new Set<string>();
    for (const m of this.members) {
      const have = m.applied.map(txnKey);
      const zxids = new Map(m.applied.map((t) => [t.hdr.zxid, txnKey(t)]));
      for (const [zxid, key] of c.acked) if (zxids.get(zxid) !== key) c.fail(`acknowledged write 0x${zxid.toString(16)} lost on ${m.name}`);
      if (have.length !== want.length || have.some((k, i) => k !== want[i])) c.fail(`${m.name} settled with ${have.length} txns, not the ${want.length} committed`);
      digests.add(treeDigest(m.tree));
    }
    if (digests.size !== 1) c.fail(`the members' trees differ: digests ${[...digests].join(' ')}`);
  }
}

function before(a: Event, b: Event): boolean {
  return a.t < b.t || (a.t === b.t && a.seq < b.seq);
}

function pairKey(a: bigint, b: bigint): string {
  return a < b ? `${a}-${b}` : `${b}-${a}`;
}

export { SimFailure };
