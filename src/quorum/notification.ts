// The messages of fast leader election on the election port (FastLeaderElection's
// Notification), as Apache ZooKeeper 3.4–3.9 write them. We always write version 2 (with
// the quorum config text, as 3.5+ do) and read the older short forms too: 28 bytes (no
// peer epoch), 40 bytes (version not read), 44+ bytes (version, and from version 2 the
// config).
import { ServerState } from './vote';

export interface Notification {
  state: ServerState;
  leader: bigint;
  zxid: bigint;
  electionEpoch: bigint;
  peerEpoch: bigint;
  version: number;
  /** The sender's quorum config (QuorumVerifier.toString), from version 2 on. */
  config?: string;
}

export const NOTIFICATION_VERSION = 2;

/** Shorter than this, no generation of the protocol sent it (Apache drops it too). */
const MIN_NOTIFICATION_BYTES = 28;

export function encodeNotification(n: Omit<Notification, 'version'>): Buffer {
  const config = Buffer.from(n.config ?? '', 'utf8');
  const b = Buffer.alloc(44 + config.length);
  b.writeInt32BE(n.state, 0);
  b.writeBigInt64BE(n.leader, 4);
  b.writeBigInt64BE(n.zxid, 12);
  b.writeBigInt64BE(n.electionEpoch, 20);
  b.writeBigInt64BE(n.peerEpoch, 28);
  b.writeInt32BE(NOTIFICATION_VERSION, 36);
  b.writeInt32BE(config.length, 40);
  config.copy(b, 44);
  return b;
}

/** A notification, or why the message is not one (the caller logs it and drops it). */
export function decodeNotification(b: Buffer): Notification | string {
  if (b.length < MIN_NOTIFICATION_BYTES) return `a ${b.length}-byte message is too short for a notification`;
  const state = b.readInt32BE(0);
  if (!(state in ServerState)) return `unknown peer state ${state}`;
  const leader = b.readBigInt64BE(4);
  const zxid = b.readBigInt64BE(12);
  const electionEpoch = b.readBigInt64BE(20);
  if (b.length === 28) {
    // Before peer epochs: the epoch is the high half of the zxid.
    return { state, leader, zxid, electionEpoch, peerEpoch: zxid >> 32n, version: 0 };
  }
  if (b.length < 36) return `a ${b.length}-byte notification is cut short`;
  const peerEpoch = b.readBigInt64BE(28);
  // Exactly 40 bytes: the 3.4 form, whose version field Apache does not read.
  if (b.length === 40) return { state, leader, zxid, electionEpoch, peerEpoch, version: 0 };
  if (b.length < 40) return `a ${b.length}-byte notification is cut short`;
  const version = b.readInt32BE(36);
  if (version <= 1) return { state, leader, zxid, electionEpoch, peerEpoch, version };
  if (b.length < 44) return `a version ${version} notification has no config length`;
  const length = b.readInt32BE(40);
  if (length < 0 || length > b.length - 44) return `a version ${version} notification announces ${length} bytes of config, has ${b.length - 44}`;
  return { state, leader, zxid, electionEpoch, peerEpoch, version, config: b.toString('utf8', 44, 44 + length) };
}
