// ServerCnxnFactory: the client port's listener. Accepts connections, enforces
// maxClientCnxns per client IP (ZooKeeper closes the extra connection at once), closes
// connections that never send a ConnectRequest, and keeps the set of live connections
// for the four-letter words.
import { createServer, type Server, type Socket } from 'node:net';
import { ClientCnxn, type CnxnLimits, type FourLetterWordHandler } from './server-cnxn';
import type { ZooKeeperServer } from './zookeeper-server';

export interface FactoryOptions extends CnxnLimits {
  host: string;
  port: number;
  /** 0 means no limit, as in ZooKeeper. */
  maxClientCnxns: number;
  log(line: string): void;
}

/**
 * zookeeper.nio.sessionlessCnxnTimeout's default, also the interval of ZooKeeper's
 * connection expiry queue. ZooKeeper puts a connection without a session in the bucket
 * that ends at the first multiple of the interval after lastActivity + timeout, and
 * closes each bucket when it ends: such a connection goes 10 to 20 s after it last sent
 * anything. A sweep every interval that closes those idle for a whole timeout is the same
 * rule. Without it, sockets that send nothing would hold descriptors forever.
 */
export const SESSIONLESS_CNXN_TIMEOUT_ms = 10_000;

export class ServerCnxnFactory {
  readonly connections = new Set<ClientCnxn>();
  private readonly perIp = new Map<string, number>();
  private server: Server | undefined;
  private sessionlessSweep: NodeJS.Timeout | undefined;
  fourLetterWord: FourLetterWordHandler = () => undefined;

  constructor(
    private readonly zks: ZooKeeperServer,
    private readonly opts: FactoryOptions,
  ) {}

  /** Resolves once listening; rejects (e.g. EADDRINUSE) without leaving anything open. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      // Half-open allowed: `echo mntr | nc` closes its side at once, and an answer that
      // takes a moment (metrics, host facts) must still reach it. ClientCnxn ends the rest.
      const server = createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
      server.once('error', reject);
      server.listen({ host: this.opts.host, port: this.opts.port, backlog: 511 }, () => {
        server.off('error', reject);
        this.server = server;
        this.sessionlessSweep = setInterval(() => this.closeSessionless(Date.now()), SESSIONLESS_CNXN_TIMEOUT_ms);
        this.sessionlessSweep.unref();
        resolve();
      });
    });
  }

  get address(): { host: string; port: number } {
    const a = this.server?.address();
    if (a && typeof a === 'object') return { host: a.address, port: a.port };
    return { host: this.opts.host, port: this.opts.port };
  }

  /** crst / connection_stat_reset. */
  resetConnectionStats(): void {
    for (const c of this.connections) c.resetStats();
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    clearInterval(this.sessionlessSweep);
    const closed = server ? new Promise<void>((r) => server.close(() => r())) : Promise.resolve();
    // Dropped, not half-closed: a client that never closes its side must not hold us up.
    for (const c of this.connections) c.destroy();
    await closed;
  }

  /** Closes the connections that have sent no ConnectRequest and nothing at all for a whole timeout. */
  private closeSessionless(now_ms: number): void {
    for (const c of this.connections) {
      if (!c.sessionless || now_ms - c.lastActivity_ms < SESSIONLESS_CNXN_TIMEOUT_ms) continue;
      c.expireSessionless(now_ms - c.lastActivity_ms);
    }
  }

  private accept(socket: Socket): void {
    const ip = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const count = this.perIp.get(ip) ?? 0;
    if (this.opts.maxClientCnxns > 0 && count >= this.opts.maxClientCnxns) {
      this.opts.log(`Too many connections from /${ip} - max is ${this.opts.maxClientCnxns}`);
      this.zks.metrics.CONNECTION_REJECTED.add(1);
      // Closed, as ZooKeeper closes it (an orderly close, not a reset); whatever it sent is dropped.
      socket.on('error', () => socket.destroy());
      socket.resume();
      socket.end();
      return;
    }
    this.perIp.set(ip, count + 1);
    const cnxn = new ClientCnxn(socket, this.zks, this.opts, (word, c) => this.fourLetterWord(word, c), (c) => {
      this.connections.delete(c);
      const n = (this.perIp.get(ip) ?? 1) - 1;
      if (n <= 0) this.perIp.delete(ip);
      else this.perIp.set(ip, n);
    });
    this.connections.add(cnxn);
  }
}
