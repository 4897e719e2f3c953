// Apache's MultipleAddresses (3.6+, server.N=a:2888:3888|b:2888:3888 with multiAddress
// enabled): a member reachable at several addresses. Its own listeners bind every one of
// them (a bind that fails is logged and the others serve, as Apache's Leader and election
// Listener do; only when none binds does the member fail), and a dial to a member tries its
// addresses in turn until one answers (Apache's getReachableOrOne probes with
// InetAddress.isReachable, which on one host says yes for every address: a TCP connect is
// the probe that tells a live port from a dead one).
import { connect, isIPv6, type Server, type Socket } from 'node:net';
import { javaHostString, type QuorumServer } from '../config/quorum-verifier';

export interface SocketAddress {
  host: string;
  port: number;
}

/** A member's election addresses, in the order of its server line. */
export function electionAddresses(s: QuorumServer): SocketAddress[] {
  return s.addresses.map((a) => ({ host: a.host, port: a.electionPort }));
}

/** A member's quorum (learner) addresses, in the order of its server line. */
export function quorumAddresses(s: QuorumServer): SocketAddress[] {
  return s.addresses.map((a) => ({ host: a.host, port: a.quorumPort }));
}

/**
 * Listens on each address with a server `make` returns (on the wildcard of each distinct
 * port with listenOnAllIPs, as Apache's getWildcardAddresses); resolves with those that
 * bound, rejects with every error if none did.
 */
export async function listenAll(
  addresses: readonly SocketAddress[],
  listenOnAllIPs: boolean,
  make: () => Server,
  log: { warn(line: string): void },
  opts: { exclusive?: boolean } = {},
): Promise<Server[]> {
  const targets = listenOnAllIPs ? [...new Set(addresses.map((a) => a.port))].map((port) => ({ host: '0.0.0.0', port })) : addresses;
  const bound: Server[] = [];
  const errors: string[] = [];
  for (const a of targets) {
    const server = make();
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: a.host, port: a.port, exclusive: opts.exclusive }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      bound.push(server);
    } catch (e) {
      errors.push(`${formatInetAddr(a)}: ${(e as Error).message}`);
      if (targets.length > 1) log.warn(`cannot bind ${formatInetAddr(a)} (${(e as Error).message}); listening on the other addresses`);
    }
  }
  if (bound.length === 0) throw new Error(`cannot bind any of ${targets.map(formatInetAddr).join('|')}: ${errors.join('; ')}`);
  return bound;
}

/**
 * Connects to the first of `addresses` that accepts, in the order given, each attempt
 * given `timeout_ms`; resolves with the connected socket and its address, or rejects with
 * what every address answered. `cancelled` stops the walk between attempts.
 */
export async function dialFirst(addresses: readonly SocketAddress[], timeout_ms: number, cancelled: () => boolean = () => false): Promise<{ socket: Socket; address: SocketAddress }> {
  const errors: string[] = [];
  for (const address of addresses) {
    if (cancelled()) break;
    try {
      return { socket: await dialOne(address, timeout_ms), address };
    } catch (e) {
      errors.push(`${formatInetAddr(address)}: ${(e as Error).message}`);
    }
  }
  throw new Error(errors.length > 0 ? errors.join('; ') : 'stopped');
}

function dialOne(a: SocketAddress, timeout_ms: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: a.host, port: a.port });
    s.setTimeout(timeout_ms, () => s.destroy(new Error(`no connection within ${timeout_ms} ms`)));
    s.once('error', reject);
    s.once('connect', () => {
      s.setTimeout(0);
      s.off('error', reject);
      resolve(s);
    });
  });
}

/**
 * NetUtils.formatInetAddr: host:port, an IPv6 literal bracketed and written as Java writes
 * it ([0:0:0:0:0:0:0:1]:3888). Apache writes a name resolved to its IP; we keep the name,
 * which the receiver resolves the same.
 */
export function formatInetAddr(a: SocketAddress): string {
  const host = isIPv6(a.host) ? javaHostString(a.host) : a.host;
  return host.includes(':') ? `[${host}]:${a.port}` : `${host}:${a.port}`;
}

/**
 * The address text of an initial message (QuorumCnxManager.InitialMessage.parse):
 * `h1:p1|h2:p2|...`, each host:port or [v6]:port; wildcard hosts are left out. A string
 * says what is wrong, in Apache's words.
 */
export function parseAddressList(text: string): SocketAddress[] | string {
  const out: SocketAddress[] = [];
  for (const part of text.split('|')) {
    let host: string;
    let port: string;
    if (part.startsWith('[')) {
      const close = part.indexOf(']');
      if (close < 0 || part[close + 1] !== ':' || close + 2 >= part.length) return `Badly formed address: ${part}`;
      host = part.slice(1, close);
      port = part.slice(close + 2);
    } else {
      const fields = part.split(':');
      if (fields.length !== 2) return `Badly formed address: ${part}`;
      [host, port] = fields as [string, string];
    }
    if (!/^[+-]?\d+$/.test(port) || Number(port) < 0 || Number(port) > 65535) return `Bad port number: ${port}`;
    if (!isWildcard(host)) out.push({ host, port: Number(port) });
  }
  return out;
}

/** InitialMessage.isWildcardAddress: the any-address (0.0.0.0, ::) says nothing about where to dial. */
function isWildcard(host: string): boolean {
  const h = javaHostString(host);
  return h === '0.0.0.0' || h === '0:0:0:0:0:0:0:0';
}
