// One workload client's connection to the ensemble, as a ZooKeeper client library keeps it:
// one session over whichever member answers (the member it is bound to, or each member of
// the connect string in turn), resumed with its id and passwd after a lost connection, a new
// one when the old one expired. Every operation has a deadline: a member that is paused or
// cut off never answers, and our client has no read timeout of its own.
import { ZooKeeperClient } from '../../src/client/zookeeper-client';
import { Code, KeeperError, codeName } from '../../src/jute/keeper-error';
import type { Outcome } from './history';

/**
 * How long an operation may take before the workload calls it unknown and drops the
 * connection: well above a write's latency under load on 2 busy cores (tens of ms), below
 * the session timeout so that the session can still be resumed elsewhere.
 */
export const OP_TIMEOUT_ms = 3000;
/** The session timeout the workload asks for: 2 s past a member's pause (syncLimit 2.5 s) plus a re-election, so most faults do not expire sessions. */
export const SESSION_TIMEOUT_ms = 8000;
/** How long one connection attempt may take (the ConnectResponse): a member that is cut off or paused never answers. */
const CONNECT_TIMEOUT_ms = 2000;

export class Timeout extends Error {
  constructor(what: string) {
    super(`no answer to ${what} within ${OP_TIMEOUT_ms} ms`);
  }
}

/** Resolves with p, or rejects with Timeout after ms. */
export function withDeadline<T>(p: Promise<T>, what: string, ms = OP_TIMEOUT_ms): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Timeout(what)), ms)))]).finally(() => clearTimeout(timer));
}

/** What an error says of an operation: it certainly did not happen (ZooKeeper answered) or it may have. */
export function classify(e: unknown): { outcome: Outcome; error: string } {
  if (e instanceof KeeperError) {
    // CONNECTIONLOSS: the request may have reached the leader before the connection went.
    // SESSIONEXPIRED / SESSIONMOVED on a reply: the server answered, so it did not apply it.
    const unknown = e.code === Code.CONNECTIONLOSS || e.code === Code.OPERATIONTIMEOUT;
    return { outcome: unknown ? 'unknown' : 'fail', error: codeName(e.code) };
  }
  if (e instanceof Timeout) return { outcome: 'unknown', error: 'TIMEOUT' };
  return { outcome: 'unknown', error: String((e as Error).message ?? e) };
}

export function sessionHex(id: bigint): string {
  return `0x${id.toString(16)}`;
}

/** The session's own events, for the ephemeral workload's lifecycle entries. */
export interface SessionEvents {
  established(session: string, invokedAt: number, completedAt: number, timeout_ms: number): void;
  expired(session: string, lastHeard: number, at: number): void;
}

export class WorkloadSession {
  private client: ZooKeeperClient | undefined;
  private sessionId: bigint | undefined;
  private passwd: Buffer | undefined;
  private lastZxid = 0;
  private next = 0;
  /** When a member last answered this session (a connect or a reply): it surely lived then. */
  private lastHeard = 0;

  constructor(
    private readonly hosts: string[],
    private readonly events?: SessionEvents,
  ) {}

  get session(): string | undefined {
    return this.sessionId === undefined ? undefined : sessionHex(this.sessionId);
  }

  /** A connected client, or undefined when no member took the session in one round of the hosts. */
  async connected(): Promise<ZooKeeperClient | undefined> {
    if (this.client?.isConnected) return this.client;
    this.drop();
    for (let i = 0; i < this.hosts.length; i++) {
      const host = this.hosts[this.next++ % this.hosts.length]!;
      const invokedAt = performance.now();
      try {
        const resume = this.sessionId === undefined ? {} : { sessionId: this.sessionId, passwd: this.passwd };
        const c = await ZooKeeperClient.connect(host, { sessionTimeout_ms: SESSION_TIMEOUT_ms, connectTimeout_ms: CONNECT_TIMEOUT_ms, lastZxidSeen: this.lastZxid, ...resume });
        c.on('close', () => {
          if (this.client === c) this.lastZxid = Math.max(this.lastZxid, c.lastZxid);
        });
        if (this.sessionId === undefined) {
          this.sessionId = c.sessionId;
          this.passwd = c.passwd;
          this.events?.established(sessionHex(c.sessionId), invokedAt, performance.now(), c.negotiatedTimeout_ms);
        }
        this.client = c;
        this.heard();
        return c;
      } catch (e) {
        if (e instanceof KeeperError && e.code === Code.SESSIONEXPIRED && this.sessionId !== undefined) {
          this.events?.expired(sessionHex(this.sessionId), this.lastHeard, performance.now());
          this.sessionId = undefined;
          this.passwd = undefined;
          // The caller learns of it (session undefined); its next call starts a new session.
          return undefined;
        }
      }
    }
    return undefined;
  }

  /** A member answered this session just now. */
  heard(): void {
    this.lastHeard = performance.now();
  }

  /** Drops the connection (after an operation with no answer); the session stays, to be resumed. */
  drop(): void {
    if (!this.client) return;
    this.lastZxid = Math.max(this.lastZxid, this.client.lastZxid);
    this.client.disconnect();
    this.client = undefined;
  }

  /** Forgets the session (after it was closed or expired): the next connection starts a new one. */
  forget(): void {
    this.drop();
    this.sessionId = undefined;
    this.passwd = undefined;
  }
}
