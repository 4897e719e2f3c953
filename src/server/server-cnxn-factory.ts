// ServerCnxnFactory: the client port's listener. Accepts connections, enforces
// maxClientCnxns per client IP (ZooKeeper closes the extra connection at once), closes
// connections that never send a ConnectRequest, and keeps the set of live connections
// for the four-letter words. A quorum peer hands it the server of each role it takes; in
// between (an election) it serves no client and says so to four-letter words. With
// secureClientPort it listens there too (secure-listener.ts): one set of connections, so
// that four-letter words, limits and role changes treat both ports alike.
import { createServer, type Server, type Socket } from 'node:net';
import type { Id } from '../jute/records';
import { createSecureListener, type SecureListenerOptions } from './secure-listener';
import { ClientCnxn, type CnxnLimits, type FourLetterWordHandler } from './server-cnxn';
import type { ZooKeeperServer } from './zookeeper-server';

export interface FactoryOptions extends CnxnLimits {
  host: string;
  port: number;
  /** 0 means no limit, as in ZooKeeper. */
  maxClientCnxns: number;
  /** secureClientPort: the same protocol over TLS. */
  secure?: SecureListenerOptions;
  log(line: string): void;
  info?(line: string): void;
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
  private secureServer: Server | undefined;
  private sessionlessSweep: NodeJS.Timeout | undefined;
  fourLetterWord: FourLetterWordHandler = () => undefined;

  /** The answer to a four-letter word while no server runs (see notServingAnswer); undefined closes. */
  fourLetterWordWhileNotServing: (word: string) => string | undefined = () => undefined;

  constructor(
    private zks: ZooKeeperServer | undefined,
    private readonly opts: FactoryOptions,
  ) {}

  /**
   * The server of the role the peer takes now (undefined: none, while it elects): every
   * client connection of the one before is dropped — clients reconnect, as they do when an
   * Apache member changes role.
   */
  setZooKeeperServer(zks: ZooKeeperServer | undefined, reason: string): void {
    this.zks = zks;
    for (const c of this.connections) c.close(reason);
  }

  /** Resolves once listening; rejects (e.g. EADDRINUSE) without leaving anything open. */
  async start(): Promise<void> {
    // Half-open allowed: `echo mntr | nc` closes its side at once, and an answer that
    // takes a moment (metrics, host facts) must still reach it. ClientCnxn ends the rest.
    const server = createServer({ allowHalfOpen: true }, (socket) => this.accept(socket, []));
    // A negative port: no plain port (secureClientPort serves alone).
    const plain = this.opts.port >= 0;
    if (plain) await listen(server, this.opts.host, this.opts.port);
    const secure = this.opts.secure;
    if (secure) {
      const tlsServer = createSecureListener(secure, {
        accept: (socket, ids) => this.accept(socket, ids),
        refused: () => {
          if (!this.zks) return;
          this.zks.stats.authFailed++;
          this.zks.metrics.UNSUCCESSFUL_HANDSHAKE.add(1);
        },
        log: this.opts.log,
        info: this.opts.info ?? (() => undefined),
      });
      try {
        await listen(tlsServer, secure.host, secure.port);
      } catch (e) {
        if (plain) await new Promise<void>((r) => server.close(() => r()));
        if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') throw Object.assign(new Error(`${secure.host}:${secure.port} (secureClientPort) is already in use`), { code: 'EADDRINUSE_SECURE' });
        throw e;
      }
      this.secureServer = tlsServer;
    }
    if (plain) this.server = server;
    this.sessionlessSweep = setInterval(() => this.closeSessionless(Date.now()), SESSIONLESS_CNXN_TIMEOUT_ms);
    this.sessionlessSweep.unref();
  }

  /** The secure port's address, when there is one. */
  get secureAddress(): { host: string; port: number } | undefined {
    const a = this.secureServer?.address();
    if (a && typeof a === 'object') return { host: a.address, port: a.port };
    return undefined;
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
    const servers = [this.server, this.secureServer].filter((s) => s !== undefined);
    this.server = undefined;
    this.secureServer = undefined;
    clearInterval(this.sessionlessSweep);
    const closed = servers.map((server) => new Promise<void>((r) => server.close(() => r())));
    // Dropped, not half-closed: a client that never closes its side must not hold us up.
    for (const c of this.connections) c.destroy();
    await Promise.all(closed);
  }

  /** Closes the connections that have sent no ConnectRequest and nothing at all for a whole timeout. */
  private closeSessionless(now_ms: number): void {
    for (const c of this.connections) {
      if (!c.sessionless || now_ms - c.lastActivity_ms < SESSIONLESS_CNXN_TIMEOUT_ms) continue;
      c.expireSessionless(now_ms - c.lastActivity_ms);
    }
  }

  /** A new connection; `ids`: what its TLS certificate proved (none on the plain port). */
  private accept(socket: Socket, ids: Id[]): void {
    const zks = this.zks;
    if (!zks) return notServing(socket, this.fourLetterWordWhileNotServing);
    const ip = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const count = this.perIp.get(ip) ?? 0;
    if (this.opts.maxClientCnxns > 0 && count >= this.opts.maxClientCnxns) {
      this.opts.log(`Too many connections from /${ip} - max is ${this.opts.maxClientCnxns}`);
      zks.metrics.CONNECTION_REJECTED.add(1);
      // Closed, as ZooKeeper closes it (an orderly close, not a reset); whatever it sent is dropped.
      socket.on('error', () => socket.destroy());
      socket.resume();
      socket.end();
      return;
    }
    this.perIp.set(ip, count + 1);
    const cnxn = new ClientCnxn(socket, zks, this.opts, (word, c) => this.fourLetterWord(word, c), (c) => {
      this.connections.delete(c);
      const n = (this.perIp.get(ip) ?? 1) - 1;
      if (n <= 0) this.perIp.delete(ip);
      else this.perIp.set(ip, n);
    });
    if (ids.length > 0) {
      cnxn.certificateIds = ids;
      cnxn.addAuthInfo(ids);
    }
    this.connections.add(cnxn);
  }
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, backlog: 511 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** How long a connection to a peer that serves nobody may take to say its word. */
const NOT_SERVING_WORD_TIMEOUT_ms = 5000;

/** A connection while no server runs: a four-letter word gets its answer, anything else is closed. */
function notServing(socket: Socket, answer: (word: string) => string | undefined): void {
  socket.on('error', () => socket.destroy());
  socket.setTimeout(NOT_SERVING_WORD_TIMEOUT_ms, () => socket.destroy());
  let head = Buffer.alloc(0);
  socket.on('data', (d: Buffer) => {
    head = Buffer.concat([head, d]).subarray(0, 4);
    if (head.length < 4) return;
    socket.removeAllListeners('data');
    const a = answer(head.toString('latin1'));
    if (a === undefined) socket.destroy();
    else socket.end(a);
  });
}
