// The quorum port's messages (zookeeper.jute: QuorumPacket, LearnerInfo) and the packet
// types of Apache's Leader. On the wire a QuorumPacket is its bare jute record, one after
// another with no frame around them; after a SNAP the leader writes the snapshot itself
// into the same stream (see snapshot-stream.ts).
import { JuteError, Reader, Writer } from '../jute/codec';
import * as R from '../jute/records';
import type { Id } from '../jute/records';

/** Leader's packet type constants. */
export enum PacketType {
  REQUEST = 1,
  PROPOSAL = 2,
  ACK = 3,
  COMMIT = 4,
  PING = 5,
  REVALIDATE = 6,
  SYNC = 7,
  INFORM = 8,
  COMMITANDACTIVATE = 9,
  NEWLEADER = 10,
  FOLLOWERINFO = 11,
  UPTODATE = 12,
  DIFF = 13,
  TRUNC = 14,
  SNAP = 15,
  OBSERVERINFO = 16,
  LEADERINFO = 17,
  ACKEPOCH = 18,
  INFORMANDACTIVATE = 19,
}

export type QuorumPacket = R.QuorumPacket;

/** The Zab protocol version a 3.4+ learner and leader announce (0x10000: Zab 1.0). */
export const ZAB_PROTOCOL_VERSION = 0x10000;

export function packet(type: PacketType, zxid: number, data: Buffer | null = null, authinfo: Id[] = []): QuorumPacket {
  return { type, zxid, data, authinfo };
}

export function encodePacket(p: QuorumPacket, w = new Writer()): Buffer {
  w.reset();
  R.QuorumPacket.write(w, p);
  return w.toBuffer();
}

/**
 * Reads one packet from `buf` at `offset`: the packet and where the next begins, or
 * undefined when the bytes so far end inside it. Throws a JuteError when they cannot be a
 * packet (data longer than `maxBuffer_bytes`, a negative length, too many auth ids).
 */
export function readPacket(buf: Buffer, offset: number, maxBuffer_bytes: number): { packet: QuorumPacket; next: number } | undefined {
  // Check the lengths first, so a short read is told apart from a malformed packet.
  let at = offset + 12;
  if (buf.length < at + 4) return undefined;
  const length = buf.readInt32BE(at);
  if (length < -1 || length > maxBuffer_bytes) throw new JuteError(`a quorum packet announces ${length} bytes of data (allowed up to jute.maxbuffer, ${maxBuffer_bytes})`);
  at += 4 + Math.max(0, length);
  if (buf.length < at + 4) return undefined;
  const count = buf.readInt32BE(at);
  if (count < -1 || count > MAX_AUTHINFO) throw new JuteError(`a quorum packet announces ${count} auth ids`);
  at += 4;
  for (let i = 0; i < count; i++) {
    for (let field = 0; field < 2; field++) {
      if (buf.length < at + 4) return undefined;
      const n = buf.readInt32BE(at);
      if (n < -1 || n > maxBuffer_bytes) throw new JuteError(`a quorum packet's auth id announces ${n} bytes`);
      at += 4 + Math.max(0, n);
    }
  }
  if (buf.length < at) return undefined;
  const r = new Reader(buf, offset, at);
  return { packet: R.QuorumPacket.read(r), next: at };
}

/** More auth ids than any client could have added: the stream is not what it claims. */
const MAX_AUTHINFO = 1024;

export const LearnerInfo = R.LearnerInfo;
export type LearnerInfo = R.LearnerInfo;

export function packetName(type: number): string {
  return PacketType[type] ?? `UNKNOWN(${type})`;
}
