// The ensemble's membership as Apache ZooKeeper 3.8 holds it (QuorumMaj over QuorumServer):
// one server.N value → a QuorumServer, the members in Apache's order, the majority rule,
// and the config text that FLE notifications and /zookeeper/config carry, both ways.
import { isIPv6 } from 'node:net';
import { parseProperties } from './properties';

export type LearnerType = 'participant' | 'observer';

/** One `host:quorumPort:electionPort` of a server line (several with `|`). */
export interface PeerAddress {
  host: string;
  quorumPort: number;
  electionPort: number;
}

export interface ClientAddress {
  host: string;
  port: number;
}

export interface QuorumServer {
  id: number;
  type: LearnerType;
  /** In the order written; Apache prints them sorted (see quorumConfigText). */
  addresses: PeerAddress[];
  clientAddress?: ClientAddress;
  /** This server's client address came from zoo.cfg's clientPort, not its line: Apache leaves it out of the config text. */
  clientAddressFromStatic: boolean;
}

export interface QuorumVerifier {
  /** Every member, in the order Apache's QuorumMaj iterates them (its toString order). */
  servers: QuorumServer[];
  /** The config version (`version=` hex); a zxid in practice, hence 64 bits. */
  version: bigint;
}

/** What a server line must look like, for errors (Apache's QuorumServer "wrongFormat"). */
export const SERVER_LINE_FORM = 'host:quorumPort:electionPort[:participant|:observer][;[clientAddress:]clientPort]';

/** A server.N value Apache refuses; the caller adds file, line and key. */
export class ServerLineError extends Error {}

/**
 * Parses one server.N value as Apache's QuorumServer(sid, addressStr) does: `;` splits the
 * server part from the client part, `|` splits addresses (only with multiAddress enabled),
 * `[v6]` literals via ConfigUtils.getHostAndPort, Java String.split's dropping of trailing
 * empty fields ("h:1:2:" is accepted), Integer.parseInt ports ("+2888" is accepted) in
 * InetSocketAddress's 0..65535, the type case-insensitive and trimmed.
 */
export function parseServerValue(id: number, value: string, multiAddressEnabled: boolean): QuorumServer {
  const serverClient = javaSplit(value, ';');
  const serverParts = javaSplit(serverClient[0] ?? '', '|');
  // Apache: more than one `;` is the wrong format (checked per address, so always hit).
  if (serverClient.length > 2 || serverParts.length === 0) throw new ServerLineError(`must be ${SERVER_LINE_FORM}`);
  const server: QuorumServer = { id, type: 'participant', addresses: [], clientAddressFromStatic: false };

  if (serverClient.length === 2) {
    const client = hostAndPort(serverClient[1]!);
    if (client.length === 0 || client.length > 2) throw new ServerLineError(`must be ${SERVER_LINE_FORM}`);
    server.clientAddress = { host: client.length === 2 ? client[0]! : '0.0.0.0', port: portOf(client[client.length - 1]!, 'client port') };
  }
  // Apache 3.8 reads this switch from the Java system property only (zookeeper.multiAddress.enabled).
  if (!multiAddressEnabled && serverParts.length > 1) {
    throw new ServerLineError(`has several addresses (|) but the multiple address feature is disabled (set multiAddress.enabled=true)`);
  }
  let type: LearnerType | undefined;
  for (const part of serverParts) {
    const fields = hostAndPort(part);
    if (fields.length < 3 || fields.length > 4) throw new ServerLineError(`must be ${SERVER_LINE_FORM}`);
    const address: PeerAddress = { host: fields[0]!, quorumPort: portOf(fields[1]!, 'quorum port'), electionPort: portOf(fields[2]!, 'election port') };
    // Apache: "Client and election port must be different!" (it means the quorum port).
    if (address.quorumPort === address.electionPort) throw new ServerLineError(`must have different quorum and election ports`);
    // Apache keeps addresses in a set and would silently merge or mis-pair repeats: refuse them.
    if (server.addresses.some((a) => sameHost(a.host, address.host) && (a.quorumPort === address.quorumPort || a.electionPort === address.electionPort))) {
      throw new ServerLineError(`names the address ${address.host} twice`);
    }
    if (fields.length === 4) {
      const t = learnerType(fields[3]!);
      // Apache: "Multiple addresses should have similar roles".
      if (type !== undefined && t !== type) throw new ServerLineError(`must give every address the same role (participant or observer)`);
      type = t;
    }
    server.addresses.push(address);
  }
  if (type !== undefined) server.type = type;
  return server;
}

/** A QuorumMaj over these servers; `propertyCount` is the number of keys in the Properties they came from (it fixes Apache's order). */
export function quorumVerifier(servers: QuorumServer[], version: bigint, propertyCount: number): QuorumVerifier {
  return { servers: javaHashMapOrder(servers, propertyCount), version };
}

export function votingMembers(qv: QuorumVerifier): QuorumServer[] {
  return qv.servers.filter((s) => s.type === 'participant');
}

export function observingMembers(qv: QuorumVerifier): QuorumServer[] {
  return qv.servers.filter((s) => s.type === 'observer');
}

/**
 * QuorumMaj.containsQuorum: more than half of the voting members. Apache assumes the set
 * holds voters only; ids of observers or strangers are not counted here, so a caller's slip
 * can never make a minority look like a quorum.
 */
export function containsQuorum(qv: QuorumVerifier, ids: Iterable<number>): boolean {
  const voters = new Set(votingMembers(qv).map((s) => s.id));
  const acked = new Set<number>();
  for (const id of ids) if (voters.has(id)) acked.add(id);
  return acked.size > Math.floor(voters.size / 2);
}

/**
 * QuorumMaj.toString with QuorumServer.toString: `server.N=...` lines in Apache's order, then
 * `version=<hex>`, no newline at the end. Addresses print as Java's getHostString (IP literals
 * normalised, names as written), quorum and election addresses each sorted by host.
 */
export function quorumConfigText(qv: QuorumVerifier): string {
  let out = '';
  for (const s of qv.servers) {
    const quorum = s.addresses.map((a) => ({ host: javaHostString(a.host), port: a.quorumPort })).sort(byHost);
    const election = s.addresses.map((a) => ({ host: javaHostString(a.host), port: a.electionPort })).sort(byHost);
    out += `server.${s.id}=${quorum.map((q, i) => `${delimited(q.host)}:${q.port}:${election[i]!.port}`).join('|')}:${s.type}`;
    if (s.clientAddress && !s.clientAddressFromStatic) out += `;${delimited(javaHostString(s.clientAddress.host))}:${s.clientAddress.port}`;
    out += '\n';
  }
  return `${out}version=${BigInt.asUintN(64, qv.version).toString(16)}`;
}

/** The config text a peer sends (QuorumPeer.configFromString); errors name the offending key. */
export function parseQuorumConfigText(text: string, multiAddressEnabled: boolean): QuorumVerifier {
  const props = new Map(parseProperties(text, '(config text)').map((p) => [p.key, p.value]));
  const servers: QuorumServer[] = [];
  let version = 0n;
  for (const [key, value] of props) {
    if (/^(group|weight)/.test(key)) throw new ServerLineError(`${key}: hierarchical quorums (group.N, weight.N) are not supported`);
    if (key === 'version') version = parseVersion(value);
    else if (key.startsWith('server.')) {
      try {
        servers.push(parseServerValue(parseServerId(key), value, multiAddressEnabled));
      } catch (e) {
        throw new ServerLineError(`${key} ${(e as Error).message} (got "${value}")`);
      }
    }
  }
  return quorumVerifier(servers, version, props.size);
}

/** Server ids are Java longs in Apache; ours must be exact JavaScript numbers and, as sid -1 means "unset" there, not negative. */
export const SERVER_ID_MAX = Number.MAX_SAFE_INTEGER;

/** `server.N` → N (Long.parseLong: "+1" and "01" are 1); throws ServerLineError. */
export function parseServerId(key: string): number {
  const n = key.slice('server.'.length);
  if (!/^\+?\d+$/.test(n) || Number(n) > SERVER_ID_MAX) throw new ServerLineError(`must be named server.N with N a server id from 0 to ${SERVER_ID_MAX}`);
  return Number(n);
}

/** `version=` is hex (Long.parseLong(v, 16)), a signed 64-bit value. */
export function parseVersion(value: string): bigint {
  if (!/^[+-]?[0-9a-fA-F]+$/.test(value)) throw new ServerLineError(`version must be a hexadecimal number (got "${value}")`);
  const v = value.startsWith('-') ? -BigInt('0x' + value.slice(1)) : BigInt('0x' + value.replace(/^\+/, ''));
  if (v !== BigInt.asIntN(64, v)) throw new ServerLineError(`version must fit in 64 bits (got "${value}")`);
  return v;
}

// --- helpers

function learnerType(s: string): LearnerType {
  const t = s.trim().toLowerCase();
  if (t !== 'participant' && t !== 'observer') throw new ServerLineError(`must end in :participant or :observer (got type "${s}")`);
  return t;
}

function portOf(s: string, what: string): number {
  // Integer.parseInt, then InetSocketAddress's range check (port 0 passes both).
  if (!/^[+-]?\d+$/.test(s) || Number(s) < 0 || Number(s) > 65535) throw new ServerLineError(`must have a ${what} from 0 to 65535 (got "${s}")`);
  return Number(s);
}

/** ConfigUtils.getHostAndPort: `[v6]:rest` keeps the literal whole; the character after `]` is skipped unchecked, as Apache does. */
function hostAndPort(s: string): string[] {
  if (!s.startsWith('[')) return javaSplit(s, ':');
  const close = s.indexOf(']');
  if (close < 0) throw new ServerLineError(`must close the IPv6 literal in ${s} with ']'`);
  if (close + 2 === s.length) throw new ServerLineError(`must have a port after the colon in ${s}`);
  if (close + 2 < s.length) return [s.slice(1, close), ...javaSplit(s.slice(close + 2), ':')];
  return [s.replace(/\[|\]/g, '')];
}

/** Java's String.split on a literal: trailing empty fields dropped ("" stays [""]). */
function javaSplit(s: string, sep: string): string[] {
  if (s === '') return [''];
  const parts = s.split(sep);
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

function sameHost(a: string, b: string): boolean {
  return javaHostString(a) === javaHostString(b);
}

function byHost(a: { host: string }, b: { host: string }): number {
  // String.compareTo: UTF-16 code units, as JavaScript's < does.
  return a.host < b.host ? -1 : a.host > b.host ? 1 : 0;
}

function delimited(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * InetSocketAddress(host, port).getHostString(): a name stays as written ("" is localhost's),
 * an IPv4 literal is written out in full ("127.1" → 127.0.0.1), an IPv6 literal without a
 * scope is written as Java does (eight groups, no "::"), an IPv4-mapped one as IPv4.
 */
export function javaHostString(host: string): string {
  if (host === '') return 'localhost';
  const v4 = ipv4Bytes(host);
  if (v4) return v4.join('.');
  if (host.includes('%') || !isIPv6(host)) return host;
  const bytes = ipv6Bytes(host);
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return bytes.slice(12).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(':');
}

/** Java's textToNumericFormatV4: 1 to 4 decimal parts, the last filling the remaining bytes. */
function ipv4Bytes(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length > 4 || parts.some((p) => !/^\d{1,10}$/.test(p))) return undefined;
  const nums = parts.map(Number);
  const lastMax = 2 ** (8 * (5 - parts.length)) - 1;
  if (nums.slice(0, -1).some((n) => n > 255) || nums[nums.length - 1]! > lastMax) return undefined;
  const bytes = nums.slice(0, -1);
  let last = nums[nums.length - 1]!;
  const tail: number[] = [];
  for (let i = 0; i < 5 - parts.length; i++) {
    tail.unshift(last % 256);
    last = Math.floor(last / 256);
  }
  return [...bytes, ...tail];
}

function ipv6Bytes(s: string): number[] {
  let text = s;
  let v4Tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    v4Tail = dotted[1]!.split('.').map(Number);
    text = text.slice(0, -dotted[1]!.length) + '0:0';
  }
  const [head, tail] = text.includes('::') ? (text.split('::') as [string, string]) : [text, undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t].map((g) => parseInt(g, 16));
  const bytes = groups.flatMap((g) => [g >> 8, g & 0xff]);
  if (v4Tail.length > 0) bytes.splice(12, 4, ...v4Tail);
  return bytes;
}

/**
 * Apache keeps members in a java.util.HashMap<Long, QuorumServer> filled while iterating the
 * Properties (a ConcurrentHashMap<String, ...>): so its order is by HashMap bucket of the id,
 * and within a bucket by the Properties' bin of the "server.N" key. Ids 0..15 in a small
 * ensemble come out ascending; server.17 comes before server.1 when their keys' bins say so.
 * (Within one bin of both maps we keep the written order; Apache's resize split may differ.)
 */
function javaHashMapOrder(servers: QuorumServer[], propertyCount: number): QuorumServer[] {
  const mapCapacity = javaCapacity(servers.length, JAVA_HASHMAP_INITIAL_CAPACITY, (n, cap) => n > cap * 0.75);
  // Properties resizes its ConcurrentHashMap when the count reaches 3/4 of the table.
  const propsCapacity = javaCapacity(propertyCount, JAVA_PROPERTIES_INITIAL_CAPACITY, (n, cap) => n >= cap - (cap >>> 2));
  const keyed = servers.map((s, i) => ({
    s,
    i,
    bucket: (spread(longHashCode(s.id)) & (mapCapacity - 1)) >>> 0,
    bin: (spread(javaStringHash(`server.${s.id}`)) & 0x7fffffff & (propsCapacity - 1)) >>> 0,
  }));
  keyed.sort((a, b) => a.bucket - b.bucket || a.bin - b.bin || a.i - b.i);
  return keyed.map((k) => k.s);
}

/** java.util.HashMap's default table, 16 buckets, doubling past a 0.75 load. */
const JAVA_HASHMAP_INITIAL_CAPACITY = 16;
/** java.util.Properties' ConcurrentHashMap(8) starts with 16 bins (JDK 9+). */
const JAVA_PROPERTIES_INITIAL_CAPACITY = 16;

function javaCapacity(n: number, initial: number, grows: (n: number, cap: number) => boolean): number {
  let cap = initial;
  while (grows(n, cap)) cap *= 2;
  return cap;
}

function spread(h: number): number {
  return h ^ (h >>> 16);
}

function longHashCode(id: number): number {
  const v = BigInt(id);
  return Number(BigInt.asIntN(32, v ^ (v >> 32n)));
}

function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}
