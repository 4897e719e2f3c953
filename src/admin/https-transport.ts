// HTTPS for an HTTP listener, as Jetty serves Apache's AdminServer: HTTPS alone
// (admin.forceHttps, Jetty's SslConnectionFactory), or HTTPS and plain HTTP on one port
// (admin.portUnification, Jetty's UnifiedConnectionFactory), told apart by a connection's
// first byte: 0x16 opens a TLS handshake record, anything else is HTTP.
import { createServer as createHttpServer, type IncomingMessage, type RequestListener } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import type { TLSSocket, TlsOptions } from 'node:tls';

export interface HttpsOptions {
  tls: TlsOptions;
  /** Plain HTTP on the same port too (admin.portUnification). */
  plainToo: boolean;
}

export interface Transport {
  /** What listens on the port. */
  listening: Server;
  /** Drops every connection (stop must not wait on idle keep-alive or silent ones). */
  closeAllConnections(): void;
}

/**
 * What Jetty's SecureRequestCustomizer adds to every HTTPS answer of Apache's AdminServer
 * (JettyAdminServer.DEFAULT_STS_MAX_AGE, a day, with subdomains).
 */
const STRICT_TRANSPORT_SECURITY = 'max-age=86400; includeSubDomains';

/** The first byte of a TLS connection: a handshake record (TLSPlaintext.type 22). */
const TLS_HANDSHAKE_RECORD_TYPE = 0x16;

/**
 * How long a connection may stay silent before its first byte says which protocol it
 * speaks: Jetty's idle timeout on the admin port (zookeeper.admin.idleTimeout, 30 s), past
 * which it closes a connection that sent nothing.
 */
export const FIRST_BYTE_TIMEOUT_ms = 30_000;

export function createTransport(onRequest: RequestListener, onClientError: (e: NodeJS.ErrnoException, socket: Socket) => void, https: HttpsOptions | undefined): Transport {
  const plain = () => {
    const s = createHttpServer(onRequest);
    s.on('clientError', onClientError);
    return s;
  };
  if (!https) {
    const s = plain();
    return { listening: s, closeAllConnections: () => s.closeAllConnections() };
  }
  const secure = createHttpsServer(https.tls, (req, res) => {
    res.setHeader('Strict-Transport-Security', STRICT_TRANSPORT_SECURITY);
    onRequest(req, res);
  });
  secure.on('clientError', onClientError);
  // A failed handshake (no certificate under needClientAuth, a plain request under forceHttps)
  // closes that connection only, as Jetty's.
  secure.on('tlsClientError', (_e: Error, socket: TLSSocket) => socket.destroy());
  if (!https.plainToo) return { listening: secure, closeAllConnections: () => secure.closeAllConnections() };
  const http = plain();
  const undecided = new Set<Socket>();
  const listening = createNetServer((socket) => {
    undecided.add(socket);
    socket.once('close', () => undecided.delete(socket));
    socket.setTimeout(FIRST_BYTE_TIMEOUT_ms, () => socket.destroy());
    socket.once('data', (first: Buffer) => {
      undecided.delete(socket);
      socket.setTimeout(0);
      socket.pause();
      // Put the byte back: the server it goes to reads the connection from its start.
      socket.unshift(first);
      if (first[0] === TLS_HANDSHAKE_RECORD_TYPE) {
        // The TLS socket Node wraps around it reads what is buffered first, then the handle.
        secure.emit('connection', socket);
      } else {
        http.emit('connection', socket);
        socket.resume();
      }
    });
    socket.on('error', () => socket.destroy());
  });
  const closeAllConnections = () => {
    for (const s of undecided) s.destroy();
    http.closeAllConnections();
    secure.closeAllConnections();
  };
  return { listening, closeAllConnections };
}

/** The DER certificate a request's TLS client showed and the trust store trusted, if any. */
export function clientCertificate(req: IncomingMessage): Buffer | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  if (typeof socket.getPeerX509Certificate !== 'function' || !socket.authorized) return undefined;
  return socket.getPeerX509Certificate()?.raw;
}
