// The AdminServer commands that answer differently in an ensemble — leader, voting_view,
// observers, zabstate — with the fields Apache 3.8's Commands give them, read from the
// quorum peer (absent standalone: then they answer as a standalone Apache server does).
import { javaHostString, votingMembers, type ClientAddress, type PeerAddress } from '../config/quorum-verifier';
import { epochOf, counterOf } from '../quorum/zxid';
import type { FourLetterContext } from '../server/four-letter-words';
import type { Json } from './json';

type Fields = { [key: string]: Json };

/** leader / lead: whether this member leads, and who does. */
export function leaderFields(ctx: FourLetterContext): Fields {
  const q = ctx.quorum;
  if (!q) return { error: 'server is not initialized' };
  const leader = q.verifier.servers.find((s) => s.id === q.leaderId);
  const address = leader?.addresses[0];
  return { is_leader: ctx.mode === 'leader', leader_id: q.leaderId, leader_ip: address ? javaHostString(address.host) : '' };
}

/** voting_view: the voting members (observers are not in it), by id. */
export function votingViewFields(ctx: FourLetterContext): Fields {
  const q = ctx.quorum;
  if (!q) return { current_config: {} };
  const view: Fields = {};
  for (const s of votingMembers(q.verifier)) {
    view[String(s.id)] = {
      server_addresses: s.addresses.map((a) => hostPort(a.host, a.quorumPort)),
      election_addresses: s.addresses.map((a) => hostPort(a.host, a.electionPort)),
      client_address: s.clientAddress ? hostPort(s.clientAddress.host, s.clientAddress.port) : '',
      learner_type: s.type,
    };
  }
  return { current_config: view };
}

/** observers / obsr: on the leader, its synced observers (LearnerHandlerBean's fields); elsewhere none. */
export function observersFields(ctx: FourLetterContext): Fields {
  const stats = ctx.mode === 'leader' ? ctx.quorum?.leaderStats : undefined;
  if (!stats) return { synced_observers: 0, observers: [] };
  const observers = stats.syncedObservers();
  return {
    synced_observers: observers.length,
    observers: observers.map((o) => ({
      remote_socket_address: `/${o.remote}`,
      sid: o.sid,
      established: o.established_ms,
      queued_packets: 0,
      queued_packets_size: 0,
      packets_received: o.packetsReceived,
      packets_sent: o.packetsSent,
      requests: o.requests,
      last_zxid: o.lastZxid,
    })),
  };
}

/** zabstate: this member's addresses, whether it votes, its last zxid and Zab phase. */
export function zabStateFields(ctx: FourLetterContext): Fields {
  const q = ctx.quorum;
  if (!q || ctx.mode === 'looking') return { voting: false, zabstate: '' };
  const me = q.verifier.servers.find((s) => s.id === q.myid);
  const voting = me !== undefined && me.type === 'participant';
  const zxid = ctx.zks.lastProcessedZxid;
  // The member's own addresses, voter or not (QuorumPeer.getQuorumAddress/getElectionAddress).
  return {
    myid: q.myid,
    is_leader: ctx.mode === 'leader',
    quorum_address: me ? multipleAddresses(me.addresses, (a) => a.quorumPort) : {},
    election_address: me ? multipleAddresses(me.addresses, (a) => a.electionPort) : {},
    client_address: clientAddress(me?.clientAddress ?? { host: ctx.config.clientPortAddress, port: ctx.config.clientPort }),
    voting,
    last_zxid: `0x${zxid.toString(16)}`,
    zab_epoch: epochOf(zxid),
    zab_counter: counterOf(zxid),
    zabstate: q.zabState,
  };
}

/** Apache's MultipleAddresses as Jackson prints its getters. */
function multipleAddresses(addresses: PeerAddress[], port: (a: PeerAddress) => number): Fields {
  const all = addresses.map((a) => hostPort(a.host, port(a)));
  return {
    empty: all.length === 0,
    all_addresses: all,
    all_reachable_addresses: all,
    one: all[0] ?? '',
    reachable_address: all[0] ?? '',
    wildcard_addresses: addresses.map((a) => `0.0.0.0:${port(a)}`),
    all_ports: addresses.map(port),
    all_host_strings: addresses.map((a) => javaHostString(a.host)),
    all_reachable_addresses_or_all: all,
    reachable_or_one: all[0] ?? '',
  };
}

function clientAddress(a: ClientAddress): string {
  return hostPort(a.host, a.port);
}

/** QuorumServer.delimitedHostString: an IPv6 host in brackets. */
function hostPort(host: string, port: number): string {
  const h = javaHostString(host);
  return `${h.includes(':') ? `[${h}]` : h}:${port}`;
}
