// The sockets of the two quorum ports (election and leader ↔ learner), plain or TLS as
// Apache 3.8 makes them (QuorumX509Util, UnifiedServerSocket): with sslQuorum a member dials
// over TLS; a listener with sslQuorum or portUnification reads the first 5 bytes of each
// connection to tell a TLS record from the plain protocol — TLS goes through the handshake
// (a certificate required, the peer's address checked against it), plain is taken only with
// portUnification, so that an ensemble can be switched member by member. Ours sniffs each
// connection on its own; Apache's election listener sniffs them one after another.
import { createServer, type Server, type Socket } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer, type ConnectionOptions, type Server as TlsServer, type TLSSocket, type TlsOptions } from 'node:tls';
import type { QuorumTlsConfig } from '../config/tls-config';
import { verifyPeerAddress } from './zk-hostname-verifier';

export interface QuorumSocketsLog {
  info(line: string): void;
  warn(line: string): void;
}

/** What a quorum listener or dialer needs to know of TLS; PLAIN_QUORUM when it is off. */
export interface QuorumSockets {
  /** sslQuorum: dial over TLS. */
  readonly dialsTls: boolean;
  /**
   * A listener whose every connection reaches `onSocket` once it is known to speak what we
   * accept (past the TLS handshake for TLS), within `handshakeTimeout_ms`; others are closed.
   */
  createServer(onSocket: (socket: Socket) => void, handshakeTimeout_ms: number): Server;
  /** A dialled connection, wrapped in TLS with sslQuorum (past the handshake and the check of the peer). */
  dialled(raw: Socket, handshakeTimeout_ms: number): Promise<Socket>;
}

/** Neither sslQuorum nor portUnification: the plain protocol, as before TLS. */
export const PLAIN_QUORUM: QuorumSockets = {
  dialsTls: false,
  createServer: (onSocket) => createServer(onSocket),
  dialled: (raw) => Promise.resolve(raw),
};

/** TLS record header: 5 bytes (content type, version, length) — what UnifiedServerSocket reads. */
const TLS_RECORD_HEADER_bytes = 5;
/** The largest TLS record (2^14 bytes of plaintext and the 2048 of expansion TLS allows). */
const TLS_RECORD_MAX_bytes = 16384 + 2048;

/**
 * `tls` holds the TLS options of secureServerOptions(ssl.quorum.*): the same key material
 * serves the member as a server and as a client.
 */
export function quorumSockets(cfg: QuorumTlsConfig, tls: TlsOptions | undefined, log: QuorumSocketsLog): QuorumSockets {
  const x509 = cfg.x509;
  // The key material, versions, suites and CAs; a server's other options say nothing to a client.
  const clientOptions: ConnectionOptions = tls
    ? { key: tls.key, cert: tls.cert, pfx: tls.pfx, passphrase: tls.passphrase, ca: tls.ca, minVersion: tls.minVersion, maxVersion: tls.maxVersion, ciphers: tls.ciphers }
    : {};

  /** QuorumX509Util.shouldVerifyClientHostname: both ends check the other's address. */
  const checkPeer = async (s: TLSSocket, what: string): Promise<boolean> => {
    if (!x509.hostnameVerification) return true;
    const cert = s.getPeerCertificate();
    if (!cert || Object.keys(cert).length === 0) return true; // none shown (clientAuth none or want)
    const address = (s.remoteAddress ?? '').replace(/^::ffff:/, '');
    const ok = await verifyPeerAddress(address, cert);
    if (ok === true) return true;
    log.warn(`${what} ${address}: ${ok}; closing the connection (${x509.prefix}.hostnameVerification)`);
    s.destroy();
    return false;
  };

  return {
    dialsTls: cfg.sslQuorum,
    createServer(onSocket, handshakeTimeout_ms) {
      let secure: TlsServer | undefined;
      if (tls) {
        // The certificate is checked here, not by Node, which drops an untrusted one without a word.
        secure = createTlsServer({ ...tls, rejectUnauthorized: false, handshakeTimeout: handshakeTimeout_ms }, (s) => {
          s.on('error', () => s.destroy());
          const refusal = untrustedPeer(s, x509.clientAuth);
          if (refusal) {
            log.warn(`Unsuccessful TLS handshake with ${peer(s)} on the quorum: ${refusal}`);
            return void s.destroy();
          }
          void checkPeer(s, 'TLS connection from').then((ok) => {
            if (!ok) return;
            log.info(`Accepted TLS connection from ${peer(s)} - ${s.getProtocol()} - ${s.getCipher().standardName}`);
            onSocket(s);
          });
        });
        secure.on('tlsClientError', (e: Error, s: TLSSocket) => {
          log.warn(`Unsuccessful TLS handshake with ${peer(s)} on the quorum: ${e.message}`);
          s.destroy();
        });
      }
      return createServer((raw) => sniff(raw, x509.handshakeDetectionTimeout_ms, (isTls) => {
        if (isTls && secure) return void secure.emit('connection', raw);
        if (isTls) {
          log.warn(`TLS connection from ${peer(raw)}, but ${x509.prefix}.keyStore.location is not set: closing it`);
          return void raw.destroy();
        }
        if (cfg.portUnification) {
          onSocket(raw);
          // sniff paused it, and a 'data' listener does not resume a stream paused so.
          return void raw.resume();
        }
        log.warn(`Socket mode is not TLS: closing the connection from ${peer(raw)} (sslQuorum without portUnification takes TLS only)`);
        raw.destroy();
      }));
    },
    async dialled(raw, handshakeTimeout_ms) {
      if (!cfg.sslQuorum) return raw;
      const s = await new Promise<TLSSocket>((resolve, reject) => {
        // Not Node's check of a name: Apache's, of the address dialled, below.
        const t = tlsConnect({ ...clientOptions, socket: raw, checkServerIdentity: () => undefined });
        const timer = setTimeout(() => t.destroy(new Error(`no TLS handshake within ${handshakeTimeout_ms} ms`)), handshakeTimeout_ms);
        t.once('error', (e) => {
          clearTimeout(timer);
          raw.destroy();
          reject(e);
        });
        t.once('secureConnect', () => {
          clearTimeout(timer);
          if (!t.authorized) {
            t.destroy();
            return reject(new Error(`the TLS certificate of ${peer(raw)} is not trusted: ${String(t.authorizationError)}`));
          }
          resolve(t);
        });
      });
      if (!(await checkPeer(s, 'TLS connection to'))) throw new Error(`the certificate of ${peer(raw)} does not name its address`);
      return s;
    },
  };
}

/**
 * Why a member's certificate is refused (ssl.quorum.clientAuth: need, the default, wants a
 * trusted one; want refuses an untrusted one, as Java's wantClientAuth; none asks for none).
 */
function untrustedPeer(s: TLSSocket, clientAuth: 'none' | 'want' | 'need'): string | undefined {
  if (clientAuth === 'none' || s.authorized) return undefined;
  const shown = Object.keys(s.getPeerCertificate() ?? {}).length > 0;
  if (!shown) return clientAuth === 'need' ? 'no certificate shown (ssl.quorum.clientAuth=need)' : undefined;
  return `its certificate is not trusted: ${String(s.authorizationError)}`;
}

/**
 * UnifiedServerSocket.detectMode: waits for the first 5 bytes (or the detection timeout, or
 * the end), then hands the socket on with them unread, telling whether they start a TLS record.
 */
function sniff(raw: Socket, timeout_ms: number, decided: (isTls: boolean) => void): void {
  let head: Buffer = Buffer.alloc(0);
  let done = false;
  const decide = (isTls: boolean) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    raw.off('data', onData);
    raw.off('end', onEnd);
    raw.pause();
    if (head.length > 0) raw.unshift(head);
    decided(isTls);
  };
  const onData = (d: Buffer) => {
    head = head.length === 0 ? d : Buffer.concat([head, d]);
    if (head.length >= TLS_RECORD_HEADER_bytes) decide(isTlsRecord(head));
  };
  const onEnd = () => decide(false);
  // Apache, past the timeout, takes the connection for plain (and then closes it, TLS-only).
  const timer = setTimeout(() => decide(false), timeout_ms);
  raw.on('error', () => raw.destroy());
  raw.once('close', () => clearTimeout(timer));
  raw.on('data', onData);
  raw.on('end', onEnd);
}

/** Netty's SslHandler.isEncrypted for a TLS record: content type 20..23, major version 3, a length a record may have. */
function isTlsRecord(b: Buffer): boolean {
  const type = b[0]!;
  const length = b.readUInt16BE(3);
  return type >= 20 && type <= 23 && b[1] === 3 && length > 0 && length <= TLS_RECORD_MAX_bytes;
}

function peer(s: Socket): string {
  return `/${(s.remoteAddress ?? '').replace(/^::ffff:/, '')}:${s.remotePort ?? 0}`;
}
