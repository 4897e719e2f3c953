// SessionTracker: which sessions live and when each expires, as ZooKeeper's
// SessionTrackerImpl with its ExpiryQueue — expiry times rounded up to the next tick, so
// one check per tick expires a whole bucket. Time is the caller's: no timers, no I/O.
import { javaRandomBytes } from './java-random';

/** ZooKeeper's superSecret for session passwords (ZooKeeperServer.superSecret). */
const SUPER_SECRET = 0x0b3415c00n;

interface Session {
  id: bigint;
  timeout_ms: number;
  expireAt_ms: number;
  closing: boolean;
}

export class SessionTracker {
  private readonly sessions = new Map<bigint, Session>();
  /** Expiry bucket (a multiple of tickTime) → sessions expiring then. */
  private readonly buckets = new Map<number, Set<Session>>();
  private nextSessionId: bigint;

  constructor(
    private readonly tickTime_ms: number,
    serverId: number,
    now_ms: number,
  ) {
    this.nextSessionId = initialSessionId(serverId, now_ms);
  }

  /** A new session; its id carries the server id in the top byte, as ZooKeeper's do. */
  createSession(timeout_ms: number, now_ms: number): bigint {
    const id = this.nextSessionId;
    this.nextSessionId = BigInt.asIntN(64, this.nextSessionId + 1n);
    this.addSession(id, timeout_ms, now_ms);
    return id;
  }

  /** A session known from elsewhere (a snapshot, the leader): tracked from now. */
  addSession(id: bigint, timeout_ms: number, now_ms: number): void {
    const existing = this.sessions.get(id);
    if (existing) {
      this.touchSession(id, timeout_ms, now_ms);
      return;
    }
    const s: Session = { id, timeout_ms, expireAt_ms: 0, closing: false };
    this.sessions.set(id, s);
    this.reschedule(s, now_ms);
  }

  /** Activity on a session pushes its expiry out. False if it is gone or closing. */
  touchSession(id: bigint, timeout_ms: number, now_ms: number): boolean {
    const s = this.sessions.get(id);
    if (!s || s.closing) return false;
    s.timeout_ms = timeout_ms;
    this.reschedule(s, now_ms);
    return true;
  }

  /** Live and not closing: may still issue writes. */
  isActive(id: bigint): boolean {
    const s = this.sessions.get(id);
    return s !== undefined && !s.closing;
  }

  setSessionClosing(id: bigint): void {
    const s = this.sessions.get(id);
    if (s) s.closing = true;
  }

  removeSession(id: bigint): void {
    const s = this.sessions.get(id);
    if (!s) return;
    this.sessions.delete(id);
    this.buckets.get(s.expireAt_ms)?.delete(s);
  }

  /** The sessions whose bucket has passed: the caller closes each with a txn. */
  expiredSessions(now_ms: number): bigint[] {
    const out: bigint[] = [];
    for (const [at, set] of this.buckets) {
      if (at > now_ms) continue;
      for (const s of set) if (!s.closing) out.push(s.id);
      this.buckets.delete(at);
    }
    return out;
  }

  /** When the next bucket falls due, for the caller's single timer. */
  nextExpiration_ms(): number | undefined {
    let next: number | undefined;
    for (const at of this.buckets.keys()) if (next === undefined || at < next) next = at;
    return next;
  }

  sessionCount(): number {
    return this.sessions.size;
  }

  timeoutOf(id: bigint): number | undefined {
    return this.sessions.get(id)?.timeout_ms;
  }

  /** Sessions with their timeouts: what a snapshot stores. */
  sessionsWithTimeouts(): Map<bigint, number> {
    return new Map([...this.sessions.values()].map((s) => [s.id, s.timeout_ms]));
  }

  /** ZooKeeper's generatePasswd: java.util.Random(sessionId ^ superSecret).nextBytes(16). */
  passwordFor(id: bigint): Buffer {
    return javaRandomBytes(id ^ SUPER_SECRET, 16);
  }

  checkPassword(id: bigint, passwd: Buffer): boolean {
    return passwd.length === 16 && this.passwordFor(id).equals(passwd);
  }

  /** The `dump` four-letter word's session section. */
  /** Expiry time → the sessions due then, soonest first (the AdminServer's dump). */
  expiryMap(): Map<number, bigint[]> {
    const due = [...this.buckets.entries()].filter(([, set]) => set.size > 0).sort(([a], [b]) => a - b);
    return new Map(due.map(([at, set]) => [at, [...set].map((s) => s.id)]));
  }

  dump(): string {
    const due = this.expiryMap();
    let out = `Session Sets (${due.size})/(${this.sessions.size}):\n`;
    for (const [at, ids] of due) {
      out += `${ids.length} expire at ${javaDate(at)}:\n`;
      for (const id of ids) out += `\t0x${BigInt.asUintN(64, id).toString(16)}\n`;
    }
    return out;
  }


  private reschedule(s: Session, now_ms: number): void {
    const at = roundToNextTick(now_ms + s.timeout_ms, this.tickTime_ms);
    if (at === s.expireAt_ms) return;
    this.buckets.get(s.expireAt_ms)?.delete(s);
    s.expireAt_ms = at;
    let set = this.buckets.get(at);
    if (!set) this.buckets.set(at, (set = new Set()));
    set.add(s);
  }
}

/** ExpiryQueue.roundToNextInterval: the next multiple of the tick after `time_ms`. */
export function roundToNextTick(time_ms: number, tick_ms: number): number {
  return (Math.floor(time_ms / tick_ms) + 1) * tick_ms;
}

/** SessionTrackerImpl.initializeNextSessionId: time in the middle bits, server id on top. */
export function initialSessionId(serverId: number, now_ms: number): bigint {
  let next = BigInt.asIntN(64, BigInt(now_ms) << 24n);
  next = BigInt.asUintN(64, next) >> 8n; // Java's >>> 8
  return BigInt.asIntN(64, next | (BigInt(serverId) << 56n));
}

/** java.util.Date.toString in UTC: "Tue Nov 24 00:15:13 UTC 2026". */
export function javaDate(ms: number): string {
  const d = new Date(ms);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}
