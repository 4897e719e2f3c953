// The secure client port (secureClientPort): the same protocol inside TLS, as Apache's
// NettyServerCnxnFactory serves it. After the handshake, a connection that showed a
// certificate is handed to the provider ssl.authProvider names (x509): the certificate's
// subject becomes its x509 id. A failed handshake closes that connection only, with one
// log line, as Apache's "Unsuccessful handshake".
import type { Socket } from 'node:net';
import { createServer, type Server, type TLSSocket, type TlsOptions } from 'node:tls';
import type { ClientAuth } from '../config/tls-config';
import type { Id } from '../jute/records';
import { serverProvider } from '../tree/auth';
import { subjectName, X509AuthenticationProvider } from '../tree/x509-auth';

export interface SecureListenerOptions {
  host: string;
  port: number;
  tls: TlsOptions;
  clientAuth: ClientAuth;
  /** ssl.authProvider: the scheme whose provider turns a certificate into ids ("x509"). */
  sslAuthProvider: string;
}

export interface SecureListenerHooks {
  /** A connection past its handshake, with the ids its certificate proves. */
  accept(socket: Socket, ids: Id[]): void;
  /** A handshake that failed, or a certificate no provider takes: counted as Apache counts them. */
  refused(): void;
  log(line: string): void;
  info(line: string): void;
}

/**
 * How long a client may take over its TLS handshake: Netty's SslHandler default
 * (handshakeTimeoutMillis, 10 s), which Apache's secure port keeps. Past it the connection
 * is dropped, so that a client that opens the port and says nothing holds no descriptor
 * for longer than on Apache.
 */
export const TLS_HANDSHAKE_TIMEOUT_ms = 10_000;

export function createSecureListener(opts: SecureListenerOptions, hooks: SecureListenerHooks): Server {
  // Half-open allowed for the same reason as the plain port (a four-letter word's answer).
  const server = createServer({ ...opts.tls, allowHalfOpen: true, handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_ms }, (socket) => onSecure(socket, opts, hooks));
  server.on('tlsClientError', (err: Error, socket: TLSSocket) => {
    hooks.refused();
    hooks.log(`Unsuccessful handshake with ${peer(socket)}: ${err.message}`);
    socket.destroy();
  });
  return server;
}

function onSecure(socket: TLSSocket, opts: SecureListenerOptions, hooks: SecureListenerHooks): void {
  socket.on('error', () => socket.destroy());
  const cert = opts.clientAuth === 'none' ? undefined : socket.getPeerX509Certificate();
  if (!cert) return hooks.accept(socket, []); // none asked, or want and none shown
  // want: Node lets an untrusted certificate through the handshake; Java's wantClientAuth does not.
  if (!socket.authorized) {
    hooks.refused();
    hooks.log(`Unsuccessful handshake with ${peer(socket)}: ${String(socket.authorizationError)}`);
    return void socket.destroy();
  }
  const provider = serverProvider(opts.sslAuthProvider);
  if (!(provider instanceof X509AuthenticationProvider)) {
    // As Apache: a certificate asked for and shown needs the provider (authProvider.x509=...).
    hooks.refused();
    hooks.log(`X509 Auth provider not found: ${opts.sslAuthProvider}; closing ${peer(socket)}`);
    return void socket.destroy();
  }
  const ids = provider.idsFor(subjectName(cert.raw));
  hooks.info(`Authenticated Id '${ids[ids.length - 1]!.id}' for Scheme 'x509' from ${peer(socket)}`);
  hooks.accept(socket, ids);
}

function peer(socket: Socket): string {
  return `/${(socket.remoteAddress ?? '').replace(/^::ffff:/, '')}:${socket.remotePort ?? 0}`;
}
