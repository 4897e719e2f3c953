// The shell's session: one ZooKeeper session over a list of servers. On connection loss
// it moves to the next server with the same session id and password, and re-arms its
// watches there (setWatches), as ZooKeeper's own client does. It keeps the client-side
// watch bookkeeping zkCli relies on (removewatches fails locally when nothing is watched).
import { AddWatchMode, EventType, KeeperState, WatcherType } from '../../jute/constants';
import { Code, KeeperError } from '../../jute/keeper-error';
import { ZooKeeperClient, type WatchedEvent } from '../../client/zookeeper-client';
import type { ClientSecurity } from '../../client/client-config';
import { saslLogin } from '../../client/sasl-login';

export type EventSink = (state: number, type: number, path: string | null) => void;

/** ZooKeeper.States as zkCli's prompt prints them. */
export type SessionState = 'CONNECTING' | 'CONNECTED' | 'CLOSED' | 'AUTH_FAILED';

/**
 * The pause after every server of the list failed once, before the next round: the Java
 * client's spin delay (StaticHostProvider waits 1 s once it has gone round the list).
 */
const RECONNECT_PAUSE_ms = 1000;

export class CliSession {
  /** The live client, or the last one tried (closed: its calls fail with CONNECTIONLOSS). */
  client: ZooKeeperClient | undefined;
  /** CONNECTING from the start and after a lost connection, until the session is back or gone. */
  state: SessionState = 'CONNECTING';
  private readonly servers: string[];
  private next = 0;
  private closing = false;
  private sessionId = 0n;
  private passwd: Buffer = Buffer.alloc(16);
  private lastZxid = 0;
  private readonly auth: Array<[string, Buffer]> = [];
  /** Calls waiting for the connection attempts under way to end (see settled). */
  private waiters: Array<() => void> = [];
  /** The shell's reading waiting for a session (see handshaken). */
  private handshakeWaiters: Array<() => void> = [];
  // One-shot watches as the client remembers them, and persistent ones.
  private readonly dataWatches = new Set<string>();
  private readonly existWatches = new Set<string>();
  private readonly childWatches = new Set<string>();
  private readonly persistentWatches = new Set<string>();
  private readonly persistentRecursiveWatches = new Set<string>();

  constructor(
    readonly connectString: string,
    private readonly sessionTimeout_ms: number,
    private readonly onEvent: EventSink,
    /** TLS and SASL from the client configuration (client-config.ts). */
    private readonly security: ClientSecurity = { warnings: [] },
  ) {
    this.servers = connectString.split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (this.servers.length === 0) throw new Error('no server in the connect string');
  }

  /** Not closed (ZooKeeper.States.isAlive): connected, or still trying to be; a refused login is not alive either. */
  get alive(): boolean {
    return this.state !== 'CLOSED' && this.state !== 'AUTH_FAILED';
  }

  /**
   * Connects, server after server, round after round, until the session is up, expired or
   * closed — as the Java client keeps trying while its state is CONNECTING.
   */
  start(): void {
    void this.connectLoop();
  }

  /**
   * Resolves when a call can go out: at once when connected or closed; while connecting,
   * once connected or once every server of the list failed to answer (the call then fails
   * with CONNECTIONLOSS, as the Java client fails what was queued for a failed attempt).
   */
  settled(): Promise<void> {
    if (this.state !== 'CONNECTING') return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /**
   * Resolves once a session is established (before a SASL login) or the first round failed:
   * the shell reads commands from then on, and a command read during the login waits for it
   * (settled), as the Java client queues packets behind its SASL exchange.
   */
  handshaken(): Promise<void> {
    if (this.state !== 'CONNECTING' || this.sessionId !== 0n) return Promise.resolve();
    return new Promise((resolve) => this.handshakeWaiters.push(resolve));
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
    for (const w of this.handshakeWaiters.splice(0)) w();
  }

  private async connectLoop(): Promise<void> {
    while (!this.closing) {
      for (let tries = 0; tries < this.servers.length && !this.closing; tries++) {
        const server = this.servers[this.next]!;
        this.next = (this.next + 1) % this.servers.length;
        if (await this.attempt(server)) {
          this.wake();
          return;
        }
      }
      this.wake();
      await new Promise((r) => setTimeout(r, RECONNECT_PAUSE_ms));
    }
  }

  /** One server: true when the loop is over (connected, or the session expired). */
  private async attempt(server: string): Promise<boolean> {
    const client = ZooKeeperClient.open(server, this.security.tls);
    this.client = client;
    try {
      await client.handshake({
        sessionTimeout_ms: this.sessionTimeout_ms,
        sessionId: this.sessionId,
        passwd: this.passwd,
        lastZxidSeen: this.lastZxid,
        connectTimeout_ms: Math.max(1000, Math.floor(this.sessionTimeout_ms / this.servers.length)),
      });
    } catch (e) {
      if (e instanceof KeeperError && e.code === Code.SESSIONEXPIRED) {
        client.disconnect();
        this.sessionId = 0n;
        this.state = 'CLOSED';
        this.onEvent(KeeperState.Expired, EventType.None, null);
        return true;
      }
      return false;
    }
    if (this.closing) {
      client.disconnect();
      return true;
    }
    const resumed = this.sessionId !== 0n;
    this.attach(client);
    const sasl = this.security.sasl;
    if (sasl) {
      // As the Java client: connected first, then the SASL exchange before anything queued.
      this.onEvent(KeeperState.SyncConnected, EventType.None, null);
      for (const w of this.handshakeWaiters.splice(0)) w();
      let outcome;
      try {
        outcome = await saslLogin(client, sasl);
      } catch {
        return true; // the connection went: its close starts the next round
      }
      if (!outcome.ok) {
        // ZooKeeper's AUTH_FAILED: the calls waiting fail with AuthFailed, later ones find no connection.
        this.state = 'AUTH_FAILED';
        client.failWith(outcome.code);
        this.onEvent(KeeperState.AuthFailed, EventType.None, null);
        return true;
      }
      this.onEvent(KeeperState.SaslAuthenticated, EventType.None, null);
    }
    try {
      for (const [scheme, auth] of this.auth) await client.addAuth(scheme, auth);
      if (resumed) await this.rearmWatches(client);
    } catch {
      // the connection went again: its close starts the next round
      return true;
    }
    this.state = 'CONNECTED';
    if (!sasl) this.onEvent(KeeperState.SyncConnected, EventType.None, null);
    return true;
  }

  private attach(client: ZooKeeperClient): void {
    this.sessionId = client.sessionId;
    this.passwd = client.passwd;
    client.on('watch', (e) => this.watchFired(e));
    client.on('close', () => {
      this.lastZxid = Math.max(this.lastZxid, client.lastZxid);
      if (this.closing || this.client !== client || this.state === 'AUTH_FAILED') return;
      if (client.authFailed) {
        // The Java client's AUTH_FAILED (an addauth refused): an end, as an expiry is; no other server is tried.
        this.state = 'AUTH_FAILED';
        this.onEvent(KeeperState.AuthFailed, EventType.None, null);
        this.wake();
        return;
      }
      this.state = 'CONNECTING';
      this.onEvent(KeeperState.Disconnected, EventType.None, null);
      void this.connectLoop();
    });
  }

  private async rearmWatches(client: ZooKeeperClient): Promise<void> {
    await client.setWatches({
      relativeZxid: this.lastZxid,
      dataWatches: [...this.dataWatches],
      existWatches: [...this.existWatches],
      childWatches: [...this.childWatches],
      persistentWatches: [...this.persistentWatches],
      persistentRecursiveWatches: [...this.persistentRecursiveWatches],
    });
  }

  private watchFired(e: WatchedEvent): void {
    this.lastZxid = Math.max(this.lastZxid, e.zxid);
    if (e.type === EventType.NodeChildrenChanged || e.type === EventType.NodeDeleted) this.childWatches.delete(e.path);
    if (e.type !== EventType.NodeChildrenChanged) {
      this.dataWatches.delete(e.path);
      this.existWatches.delete(e.path);
    }
    this.onEvent(e.state, e.type, e.path);
  }

  /**
   * The client calls go to: the live one, or (after settled, when no server answered) the
   * last one tried, whose calls fail with CONNECTIONLOSS naming their path.
   */
  get zk(): ZooKeeperClient {
    if (!this.client) throw new KeeperError(Code.CONNECTIONLOSS);
    return this.client;
  }

  // The calls that leave a watch or an identity behind, recorded as ZooKeeper's client
  // records them: a watch once the server has taken it (exists: even on a missing node).

  async getData(path: string, watch: boolean): ReturnType<ZooKeeperClient['getData']> {
    const got = await this.zk.getData(path, watch);
    if (watch) this.dataWatches.add(path);
    return got;
  }

  async getChildren2(path: string, watch: boolean): ReturnType<ZooKeeperClient['getChildren2']> {
    const got = await this.zk.getChildren2(path, watch);
    if (watch) this.childWatches.add(path);
    return got;
  }

  async exists(path: string, watch: boolean): ReturnType<ZooKeeperClient['exists']> {
    const stat = await this.zk.exists(path, watch);
    if (watch) (stat ? this.dataWatches : this.existWatches).add(path);
    return stat;
  }

  async addWatch(path: string, mode: number): Promise<void> {
    await this.zk.addWatch(path, mode);
    (mode === AddWatchMode.PERSISTENT ? this.persistentWatches : this.persistentRecursiveWatches).add(path);
  }

  /**
   * Sent, not waited for, and kept for the next server; while connecting only kept — as the
   * Java client's addAuthInfo. A refusal (AUTHFAILED, x509 without a certificate) ends the
   * session when the server closes the connection (AUTH_FAILED above).
   */
  addAuth(scheme: string, auth: Buffer): void {
    if (this.state === 'CONNECTED') this.zk.addAuth(scheme, auth).catch(() => undefined);
    this.auth.push([scheme, auth]);
  }

  /**
   * removewatches: the server removes them (or answers NOWATCHER); then, as ZooKeeper's
   * client, we drop our own records and tell the watcher of each kind removed — and fail
   * with NOWATCHER when we held none of the kind asked for.
   */
  async removeWatches(path: string, type: number): Promise<void> {
    // The client checks its own records first: NOWATCHER even when the server is away.
    if (!this.watching(path, type)) throw new KeeperError(Code.NOWATCHER, path);
    await this.zk.removeWatches(path, type);
    const removed: number[] = [];
    const drop = (set: Set<string>, event: number) => {
      if (set.delete(path) && !removed.includes(event)) removed.push(event);
    };
    if (type !== WatcherType.Children) {
      drop(this.dataWatches, EventType.DataWatchRemoved);
      drop(this.existWatches, EventType.DataWatchRemoved);
    }
    if (type !== WatcherType.Data) drop(this.childWatches, EventType.ChildWatchRemoved);
    if (type === WatcherType.Any) {
      drop(this.persistentWatches, EventType.PersistentWatchRemoved);
      drop(this.persistentRecursiveWatches, EventType.PersistentWatchRemoved);
    }
    if (removed.length === 0) throw new KeeperError(Code.NOWATCHER, path);
    for (const event of removed) this.onEvent(KeeperState.SyncConnected, event, path);
  }

  /** Whether the client holds a watch of that type on the path. */
  private watching(path: string, type: number): boolean {
    const data = this.dataWatches.has(path) || this.existWatches.has(path);
    const child = this.childWatches.has(path);
    const persistent = this.persistentWatches.has(path) || this.persistentRecursiveWatches.has(path);
    if (type === WatcherType.Data) return data;
    if (type === WatcherType.Children) return child;
    return data || child || persistent;
  }

  /** Ends the session; a session still connecting is closed too (Closed event), as the Java client's. */
  async close(): Promise<void> {
    // ZooKeeper.close on a client that is not alive (closed, or its login refused) does nothing.
    if (!this.alive) return;
    this.closing = true;
    const wasConnected = this.state === 'CONNECTED';
    this.state = 'CLOSED';
    this.wake();
    const client = this.client;
    if (wasConnected) await client?.close().catch(() => undefined);
    else client?.disconnect();
    this.onEvent(KeeperState.Closed, EventType.None, null);
  }
}
