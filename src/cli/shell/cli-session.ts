// The shell's session: one ZooKeeper session over a list of servers. On connection loss
// it moves to the next server with the same session id and password, and re-arms its
// watches there (setWatches), as ZooKeeper's own client does. It keeps the client-side
// watch bookkeeping zkCli relies on (removewatches fails locally when nothing is watched).
import { AddWatchMode, EventType, KeeperState, WatcherType } from '../../jute/constants';
import { Code, KeeperError } from '../../jute/keeper-error';
import { ZooKeeperClient, type WatchedEvent } from '../../client/zookeeper-client';

export type EventSink = (state: number, type: number, path: string | null) => void;

export class CliSession {
  client: ZooKeeperClient | undefined;
  private readonly servers: string[];
  private next = 0;
  private closing = false;
  private sessionId = 0n;
  private passwd: Buffer = Buffer.alloc(16);
  private lastZxid = 0;
  private readonly auth: Array<[string, Buffer]> = [];
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
  ) {
    this.servers = connectString.split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (this.servers.length === 0) throw new Error('no server in the connect string');
  }

  get alive(): boolean {
    return this.client?.isConnected === true;
  }

  /** Connects to the first server that answers, trying each once. */
  async connect(): Promise<void> {
    let lastError: Error | undefined;
    for (let tries = 0; tries < this.servers.length; tries++) {
      const server = this.servers[this.next]!;
      this.next = (this.next + 1) % this.servers.length;
      try {
        const client = await ZooKeeperClient.connect(server, {
          sessionTimeout_ms: this.sessionTimeout_ms,
          sessionId: this.sessionId,
          passwd: this.passwd,
          lastZxidSeen: this.lastZxid,
          connectTimeout_ms: Math.max(1000, Math.floor(this.sessionTimeout_ms / this.servers.length)),
        });
        const resumed = this.sessionId !== 0n;
        this.attach(client);
        for (const [scheme, auth] of this.auth) await client.addAuth(scheme, auth);
        if (resumed) await this.rearmWatches(client);
        this.onEvent(KeeperState.SyncConnected, EventType.None, null);
        return;
      } catch (e) {
        if (e instanceof KeeperError && e.code === Code.SESSIONEXPIRED) {
          this.sessionId = 0n;
          this.onEvent(KeeperState.Expired, EventType.None, null);
          throw e;
        }
        lastError = e as Error;
      }
    }
    throw lastError ?? new Error('no server answered');
  }

  private attach(client: ZooKeeperClient): void {
    this.client = client;
    this.sessionId = client.sessionId;
    this.passwd = client.passwd;
    client.on('watch', (e) => this.watchFired(e));
    client.on('close', () => {
      this.lastZxid = Math.max(this.lastZxid, client.lastZxid);
      if (this.closing || this.client !== client) return;
      this.onEvent(KeeperState.Disconnected, EventType.None, null);
      void this.reconnect();
    });
  }

  /** After a lost connection: the next server, again and again, until the session is back or gone. */
  private async reconnect(): Promise<void> {
    while (!this.closing) {
      try {
        await this.connect();
        return;
      } catch (e) {
        if (e instanceof KeeperError && e.code === Code.SESSIONEXPIRED) return;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
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

  /** The live client, or CONNECTIONLOSS as ZooKeeper's client fails a call while reconnecting. */
  get zk(): ZooKeeperClient {
    if (!this.client || !this.client.isConnected) throw new KeeperError(Code.CONNECTIONLOSS);
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

  /** Kept, to be sent again to the next server after a lost connection. */
  async addAuth(scheme: string, auth: Buffer): Promise<void> {
    await this.zk.addAuth(scheme, auth);
    this.auth.push([scheme, auth]);
  }

  /**
   * removewatches: the server removes them (or answers NOWATCHER); then, as ZooKeeper's
   * client, we drop our own records and tell the watcher of each kind removed — and fail
   * with NOWATCHER when we held none of the kind asked for.
   */
  async removeWatches(path: string, type: number): Promise<void> {
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

  async close(): Promise<void> {
    this.closing = true;
    const client = this.client;
    this.client = undefined;
    if (client?.isConnected) {
      await client.close().catch(() => undefined);
      this.onEvent(KeeperState.Closed, EventType.None, null);
    }
  }
}
