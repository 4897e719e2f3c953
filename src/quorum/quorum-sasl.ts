// Quorum SASL as Apache 3.8's SaslQuorumAuthLearner and SaslQuorumAuthServer speak it on a
// member-to-member connection (the election port after the initial message; the quorum port
// before FOLLOWERINFO): QuorumAuthPacket records (magic, status, token) carrying a DIGEST-MD5
// exchange with protocol "zookeeper-quorum" and server name "zk-quorum-sasl-md5". The
// dialling member (the learner side) starts with an empty token; the accepting member answers
// IN_PROGRESS with its challenge, then SUCCESS with its rspauth, or ERROR. Who calls which
// side, and when, is quorum-auth.ts.
import type { Socket } from 'node:net';
import { DigestMd5Client, DigestMd5Server, MAX_DIGEST_TOKEN_bytes, SaslError } from '../sasl/digest-md5';

/**
 * QuorumAuth.QUORUM_AUTH_MAGIC_NUMBER, -0xa0dbcafecafe1234L. Java's hex literal is already a
 * negative long, so the minus makes it positive (0x5f2435013501edcc), whatever Apache's
 * comment says: Java's arithmetic, wrapped to 64 bits here.
 */
export const QUORUM_AUTH_MAGIC = BigInt.asIntN(64, -BigInt.asIntN(64, 0xa0dbcafecafe1234n));
export const QUORUM_SASL_PROTOCOL = 'zookeeper-quorum';
export const QUORUM_SASL_SERVER_NAME = 'zk-quorum-sasl-md5';

/** QuorumAuth.Status. */
export const QuorumAuthStatus = { IN_PROGRESS: 0, SUCCESS: 1, ERROR: -1 } as const;

/**
 * SaslQuorumAuthServer.MAX_RETRIES: rounds the accepting side allows. DIGEST-MD5 needs two;
 * a peer that needs more is not speaking it.
 */
const MAX_ROUNDS = 5;
/** The whole exchange, from the first packet to SUCCESS: a live peer on a loaded host answers in well under this. */
export const QUORUM_SASL_TIMEOUT_ms = 10_000;

export interface QuorumAuthPacket {
  magic: bigint;
  status: number;
  token: Buffer | null;
}

export function encodeQuorumAuthPacket(status: number, token: Buffer | null): Buffer {
  const b = Buffer.alloc(16 + (token?.length ?? 0));
  b.writeBigInt64BE(QUORUM_AUTH_MAGIC, 0);
  b.writeInt32BE(status, 8);
  b.writeInt32BE(token === null ? -1 : token.length, 12);
  token?.copy(b, 16);
  return b;
}

/** A packet at the head of `b` and what follows it, 'incomplete', or why it cannot be one. */
export function decodeQuorumAuthPacket(b: Buffer): { packet: QuorumAuthPacket; rest: Buffer } | 'incomplete' | string {
  if (b.length < 16) return 'incomplete';
  const magic = b.readBigInt64BE(0);
  if (magic !== QUORUM_AUTH_MAGIC) return `not a quorum auth packet (magic ${magic})`;
  const length = b.readInt32BE(12);
  if (length < -1 || length > MAX_DIGEST_TOKEN_bytes) return `a quorum auth token of ${length} bytes (allowed up to ${MAX_DIGEST_TOKEN_bytes})`;
  const end = 16 + Math.max(0, length);
  if (b.length < end) return 'incomplete';
  return { packet: { magic, status: b.readInt32BE(8), token: length === -1 ? null : Buffer.from(b.subarray(16, end)) }, rest: b.subarray(end) };
}

/** QuorumAuth.nextPacketIsAuth: whether the bytes start with the magic (undefined: fewer than 8 yet). */
export function nextPacketIsAuth(b: Buffer): boolean | undefined {
  if (b.length < 8) return undefined;
  return b.readBigInt64BE(0) === QUORUM_AUTH_MAGIC;
}

/**
 * Reads packets off a socket; `pending` holds bytes already read past the last one, which the
 * connection's own protocol takes over once the exchange ends.
 */
class PacketReader {
  private pending: Buffer;
  private wake: (() => void) | undefined;
  private ended = false;

  constructor(
    private readonly socket: Socket,
    initial: Buffer,
  ) {
    this.pending = initial;
    socket.on('data', this.onData);
    socket.once('close', this.onClose);
  }

  private readonly onData = (d: Buffer) => {
    this.pending = Buffer.concat([this.pending, d]);
    this.wake?.();
  };

  private readonly onClose = () => {
    this.ended = true;
    this.wake?.();
  };

  async next(): Promise<QuorumAuthPacket> {
    for (;;) {
      const got = decodeQuorumAuthPacket(this.pending);
      if (typeof got === 'string' && got !== 'incomplete') throw new SaslError(got);
      if (typeof got === 'object') {
        this.pending = got.rest;
        return got.packet;
      }
      if (this.ended) throw new SaslError('the peer closed the connection during quorum SASL');
      await new Promise<void>((r) => (this.wake = r));
      this.wake = undefined;
    }
  }

  /** QuorumAuth.nextPacketIsAuth on what came so far: waits for 8 bytes. */
  async nextIsAuth(): Promise<boolean> {
    for (;;) {
      const is = nextPacketIsAuth(this.pending);
      if (is !== undefined) return is;
      if (this.ended) throw new SaslError('the peer closed the connection before authenticating');
      await new Promise<void>((r) => (this.wake = r));
      this.wake = undefined;
    }
  }

  /**
   * Stops reading; returns the bytes that came after the exchange. The socket is left paused,
   * so that nothing flows before its next reader is attached: that reader resumes it.
   */
  release(): Buffer {
    this.socket.pause();
    this.socket.off('data', this.onData);
    this.socket.off('close', this.onClose);
    return this.pending;
  }
}

/** Bounds a step of the exchange by QUORUM_SASL_TIMEOUT_ms. */
function withDeadline<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SaslError(`${what}: no answer within ${QUORUM_SASL_TIMEOUT_ms} ms`)), QUORUM_SASL_TIMEOUT_ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

/**
 * SaslQuorumAuthLearner.authenticate: logs in to the member at the other end as `username`
 * (the JAAS QuorumLearner section). Resolves with the bytes read past the exchange; rejects
 * with a SaslError when the peer says ERROR or its rspauth does not prove the password.
 */
export function authenticateAsLearner(socket: Socket, login: { username: string; password: string }): Promise<Buffer> {
  const reader = new PacketReader(socket, Buffer.alloc(0));
  const run = async () => {
    const mechanism = new DigestMd5Client({ protocol: QUORUM_SASL_PROTOCOL, serverName: QUORUM_SASL_SERVER_NAME, ...login });
    socket.write(encodeQuorumAuthPacket(QuorumAuthStatus.IN_PROGRESS, mechanism.evaluateChallenge(Buffer.alloc(0))));
    for (;;) {
      const packet = await reader.next();
      if (packet.status === QuorumAuthStatus.ERROR) throw new SaslError(`Authentication failed against server addr: /${socket.remoteAddress}:${socket.remotePort}`);
      if (packet.token === null) throw new SaslError("Error in authenticating with a Zookeeper Quorum member: the quorum member's saslToken is null.");
      const response = mechanism.evaluateChallenge(packet.token);
      if (packet.status === QuorumAuthStatus.SUCCESS) {
        if (!mechanism.isComplete) throw new SaslError('Protocol error: SUCCESS before the exchange completed');
        return;
      }
      if (packet.status !== QuorumAuthStatus.IN_PROGRESS) throw new SaslError(`Unknown status: ${packet.status}`);
      socket.write(encodeQuorumAuthPacket(QuorumAuthStatus.IN_PROGRESS, response));
    }
  };
  return withDeadline(run(), 'quorum SASL as learner').then(
    () => reader.release(),
    (e: unknown) => {
      reader.release();
      throw e;
    },
  );
}

export interface QuorumServerAuth {
  /** user → password: the JAAS QuorumServer section's user_NAME options. */
  passwordOf(user: string): string | undefined;
  /** quorum.auth.serverRequireSasl: a peer that does not authenticate is refused. */
  required: boolean;
  warn(line: string): void;
}

/**
 * SaslQuorumAuthServer.authenticate on an accepted connection whose first bytes after the
 * initial message are `pending`. Resolves with the bytes past the exchange (and whether the
 * peer proved a password); rejects when authentication is required and the peer failed it.
 */
export function authenticateAsServer(socket: Socket, pending: Buffer, auth: QuorumServerAuth): Promise<{ rest: Buffer; authenticated: boolean }> {
  const reader = new PacketReader(socket, pending);
  const run = async (): Promise<boolean> => {
    let isAuth: boolean;
    try {
      isAuth = await reader.nextIsAuth();
    } catch (e) {
      // A peer that hung up unauthenticated: the smaller id of a pair, which only says who it is.
      if (auth.required) throw e;
      return false;
    }
    if (!isAuth) {
      if (auth.required) throw new SaslError('Learner not trying to authenticate and authentication is required');
      return false;
    }
    const mechanism = new DigestMd5Server({
      protocol: QUORUM_SASL_PROTOCOL,
      serverName: QUORUM_SASL_SERVER_NAME,
      passwordOf: auth.passwordOf,
      authorizedId: (user) => user,
      warn: auth.warn,
    });
    try {
      let token = (await reader.next()).token ?? Buffer.alloc(0);
      for (let round = 1; ; round++) {
        const challenge = mechanism.evaluateResponse(token);
        if (mechanism.isComplete) {
          socket.write(encodeQuorumAuthPacket(QuorumAuthStatus.SUCCESS, challenge));
          return true;
        }
        if (round > MAX_ROUNDS) throw new SaslError(`Failed to authenticate using SASL, retries=${round} exceeded`);
        socket.write(encodeQuorumAuthPacket(QuorumAuthStatus.IN_PROGRESS, challenge));
        token = (await reader.next()).token ?? Buffer.alloc(0);
      }
    } catch (e) {
      socket.write(encodeQuorumAuthPacket(QuorumAuthStatus.ERROR, Buffer.alloc(0)));
      if (auth.required) throw e;
      auth.warn(`Failed to authenticate using SASL (${(e as Error).message}); maintaining learner connection despite SASL authentication failure: quorum.auth.serverRequireSasl is false`);
      return false;
    }
  };
  return withDeadline(run(), 'quorum SASL as server').then(
    (authenticated) => ({ rest: reader.release(), authenticated }),
    (e: unknown) => {
      reader.release();
      throw e;
    },
  );
}
