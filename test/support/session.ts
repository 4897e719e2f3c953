// A ZooKeeper session that outlives its connection, over our one-connection client: when
// the member it talks to goes away it reconnects to another member of the ensemble with the
// same sessionId, passwd and lastZxidSeen, and re-registers its one-shot watches with
// setWatches (relativeZxid = the last zxid it saw), as Apache's Java client and kazoo do.
// The migration test holds its long session and its writers' sessions in these.
import { EventEmitter } from 'node:events';
import { ZooKeeperClient, type WatchedEvent } from '../../src/client/zookeeper-client';
import { Code, KeeperError } from '../../src/jute/keeper-error';
import { EventType } from '../../src/jute/constants';

/** The one-shot watches a session holds (set and not fired yet), by kind, as SetWatches2 sends them. */
interface Watches {
  data: Set<string>;
  exist: Set<string>;
  child: Set<string>;
}

/** A pause between connection attempts: a member that is restarting refuses for a second or two. */
const RECONNECT_PAUSE_ms = 100;
/** One ConnectResponse: a member that accepts but does not answer (still syncing) is skipped after this. */
const CONNECT_TIMEOUT_ms = 2000;

export class Session extends EventEmitter<{ watch: [WatchedEvent]; expired: [] }> {
  sessionId = 0n;
  private passwd: Buffer = Buffer.alloc(16);
  private client: ZooKeeperClient | undefined;
  private next = 0;
  private readonly watches: Watches = { data: new Set(), exist: new Set(), child: new Set() };
  /** Set once the ensemble said the session is gone: no operation succeeds after it. */
  expired = false;
  /** The highest reply zxid seen: what a reconnect sends as lastZxidSeen. */
  lastZxid = 0;
  /** Connections this session made after its first: how often its member went away. */
  reconnects = 0;

  private constructor(
    private readonly hosts: string[],
    readonly sessionTimeout_ms: number,
  ) {
    super();
  }

  /** A new session, first through hosts[first] (so that several sessions spread over the members). */
  static async open(hosts: string[], sessionTimeout_ms: number, first = 0): Promise<Session> {
    const s = new Session(hosts, sessionTimeout_ms);
    s.next = first % hosts.length;
    await s.connection();
    return s;
  }

  get id(): string {
    return this.sessionId.toString(16);
  }

  /** The live connection, reconnecting (member after member) until one takes the session or it expired. */
  async connection(): Promise<ZooKeeperClient> {
    if (this.client?.isConnected) return this.client;
    if (this.expired) throw new KeeperError(Code.SESSIONEXPIRED);
    if (this.client) this.saw(this.client.lastZxid);
    // The ensemble keeps the session for its timeout after the last connection went: trying
    // for longer than that can only end in SESSIONEXPIRED, which the attempt reports itself.
    const deadline = Date.now() + 2 * this.sessionTimeout_ms;
    let last: unknown;
    while (Date.now() < deadline) {
      const host = this.hosts[this.next]!;
      this.next = (this.next + 1) % this.hosts.length;
      try {
        const c = await ZooKeeperClient.connect(host, {
          sessionTimeout_ms: this.sessionTimeout_ms,
          connectTimeout_ms: CONNECT_TIMEOUT_ms,
          ...(this.sessionId === 0n ? {} : { sessionId: this.sessionId, passwd: this.passwd, lastZxidSeen: this.lastZxid }),
        });
        if (this.sessionId !== 0n && c.sessionId !== this.sessionId) throw new Error(`reconnect got session ${c.sessionId.toString(16)}, not ${this.id}`);
        if (this.sessionId !== 0n) this.reconnects++;
        this.sessionId = c.sessionId;
        this.passwd = c.passwd;
        c.on('watch', (e) => this.fired(e));
        this.client = c;
        await this.rewatch(c);
        return c;
      } catch (e) {
        last = e;
        if (e instanceof KeeperError && e.code === Code.SESSIONEXPIRED) {
          this.expired = true;
          this.emit('expired');
          throw e;
        }
        await new Promise((r) => setTimeout(r, RECONNECT_PAUSE_ms));
      }
    }
    throw new Error(`session ${this.id}: no member took it within ${2 * this.sessionTimeout_ms} ms: ${String(last)}`);
  }

  /** Notes a reply's zxid (a session's view never goes back: the caller checks, this only remembers the highest). */
  saw(zxid: number): void {
    if (zxid > this.lastZxid) this.lastZxid = zxid;
  }

  /** Remembers a one-shot watch the caller just set through connection(), to re-register it after a reconnect. */
  watching(kind: keyof Watches, path: string): void {
    this.watches[kind].add(path);
  }

  /** Ends the session. */
  async close(): Promise<void> {
    await this.client?.close();
  }

  /** Drops the connection, keeping the session (the next call reconnects). */
  drop(): void {
    this.client?.disconnect();
  }

  private async rewatch(c: ZooKeeperClient): Promise<void> {
    const { data, exist, child } = this.watches;
    if (data.size + exist.size + child.size === 0) return;
    await c.setWatches({
      relativeZxid: this.lastZxid,
      dataWatches: [...data],
      existWatches: [...exist],
      childWatches: [...child],
      persistentWatches: [],
      persistentRecursiveWatches: [],
    });
  }

  private fired(e: WatchedEvent): void {
    if (e.type === EventType.None) return;
    // A one-shot watch is gone once it fired: ZooKeeper's rules for which kinds an event ends.
    if (e.type === EventType.NodeChildrenChanged || e.type === EventType.NodeDeleted) this.watches.child.delete(e.path);
    if (e.type !== EventType.NodeChildrenChanged) {
      this.watches.data.delete(e.path);
      this.watches.exist.delete(e.path);
    }
    this.emit('watch', e);
  }
}
