// An HTTP listener (the AdminServer's, the metrics endpoint's): bound with the error an
// operator can act on — which address is taken, which key moves it, where that key lives —
// and stopped without waiting on idle keep-alive connections. Every request reaches its
// handler with a target already parsed as Jetty parses it; whatever a request does wrong
// (a target, a method or a header Jetty refuses, or a handler that throws) is answered with
// Jetty's status and one log line, and the listener serves on.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../log/logger';
import { clientCertificate, createTransport, type HttpsOptions, type Transport } from './https-transport';
import { parseRequestTarget } from './request-target';

export interface HttpRequest {
  method: string;
  /** Decoded, dot segments resolved. */
  path: string;
  query: URLSearchParams;
  /** The Authorization header (3.9's admin auth: "digest user:pw", "x509", "ip"). */
  authorization: string | undefined;
  remoteAddress: string;
  /** The certificate an HTTPS client showed, trusted (DER). */
  clientCertificate: Buffer | undefined;
}

export type HttpLog = Pick<Logger, 'warn' | 'error'>;

export type HttpHandler = (req: HttpRequest, res: ServerResponse) => void | Promise<void>;

export interface ListenOptions {
  host: string;
  port: number;
  /** The zoo.cfg key that sets the port, and what else would free it. */
  key: string;
  alternative: string;
  cfgFile: string;
  /** One line per refused request (warn) or failed handler (error). */
  log: HttpLog;
  /** HTTPS, alone or beside HTTP (the AdminServer's admin.forceHttps / admin.portUnification). */
  https?: HttpsOptions;
}

export class HttpListener {
  private constructor(private readonly transport: Transport) {}

  static start(handler: HttpHandler, o: ListenOptions): Promise<HttpListener> {
    const transport = createTransport(
      (req, res) => serve(handler, req, res, o.log),
      (e: NodeJS.ErrnoException, socket: Socket) => refuseUnparsed(e, socket, o.log),
      o.https,
    );
    const server = transport.listening;
    return new Promise((resolve, reject) => {
      const onError = (e: NodeJS.ErrnoException) => {
        server.off('listening', onListening);
        const where = `${o.host}:${o.port}`;
        if (e.code === 'EADDRINUSE') reject(new Error(`${where} is already in use: set ${o.key} in ${o.cfgFile} to a free port (or ${o.alternative})`));
        else if (e.code === 'EACCES') reject(new Error(`${where} cannot be bound (permission denied): set ${o.key} in ${o.cfgFile} to a port above 1023`));
        else reject(new Error(`${where} cannot be bound (${e.message}): check ${o.key} in ${o.cfgFile}`));
      };
      const onListening = () => {
        server.off('error', onError);
        resolve(new HttpListener(transport));
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen(o.port, o.host);
    });
  }

  get port(): number {
    const a = this.transport.listening.address();
    return a !== null && typeof a === 'object' ? a.port : 0;
  }

  stop(): Promise<void> {
    this.transport.closeAllConnections();
    return new Promise((r) => this.transport.listening.close(() => r()));
  }
}

/** Jetty's error page, as ZooKeeper's AdminServer (and its metrics servlet) answer. */
export function httpError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'text/html;charset=iso-8859-1', 'Cache-Control': 'must-revalidate,no-cache,no-store' });
  res.end(`<html><body><h2>HTTP ERROR ${status} ${message}</h2></body></html>\n`);
}

function serve(handler: HttpHandler, req: IncomingMessage, res: ServerResponse, log: HttpLog): void {
  const who = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
  const method = req.method ?? 'GET';
  const target = parseRequestTarget(req.url ?? '/');
  if (target.kind === 'asterisk') {
    if (method === 'OPTIONS') return void res.writeHead(200, { Allow: 'GET, HEAD, OPTIONS' }).end();
    log.warn(`refused ${method} * from ${who}: 400`);
    return httpError(res, 400, 'Bad Request');
  }
  if (target.kind === 'bad') {
    log.warn(`refused ${method} ${printable(req.url ?? '')} from ${who}: 400 (${target.why})`);
    return httpError(res, 400, 'Bad Request');
  }
  const failed = (e: unknown) => {
    log.error(`${method} ${printable(req.url ?? '')} from ${who} failed: ${printable(e instanceof Error ? e.message : String(e))}`);
    if (!res.headersSent) httpError(res, 500, 'Server Error');
    else res.destroy();
  };
  try {
    const request: HttpRequest = {
      method,
      path: target.path,
      query: target.query,
      authorization: req.headers.authorization,
      remoteAddress: (req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
      clientCertificate: clientCertificate(req),
    };
    const done = handler(request, res);
    if (done) done.catch(failed);
  } catch (e) {
    failed(e);
  }
}

/**
 * A request Node's parser refused before any handler saw it: Jetty's status for it (501
 * for a method it does not know, 505 for an HTTP version it does not speak, 431 for
 * headers past its limit, 400 otherwise), then the connection closes.
 */
function refuseUnparsed(e: NodeJS.ErrnoException, socket: Socket, log: HttpLog): void {
  if (e.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
  // Jetty reads the request line before the method: one without a target is 400, an empty
  // target (two spaces) is taken for HTTP/0.9 (505); a known shape with an unknown method is 501.
  const line = (e as { rawPacket?: Buffer }).rawPacket?.toString('latin1').split('\r\n', 1)[0] ?? '';
  const [status, reason] =
    !/^\S+ /.test(line) ? [400, 'No URI']
    : /^\S+  /.test(line) ? [505, 'HTTP/0.9 not supported']
    : e.code === 'HPE_INVALID_METHOD' ? [501, 'Not Implemented']
    : e.code === 'HPE_INVALID_VERSION' ? [505, 'HTTP Version Not Supported']
    : e.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large']
    : [400, 'Bad Request'];
  log.warn(`refused a request from ${socket.remoteAddress}:${socket.remotePort}: ${status} (${e.code ?? e.message})`);
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
}

/** A target as a log line may show it: bounded, control characters escaped. */
function printable(s: string): string {
  const LOGGED_TARGET_CHARS_MAX = 200; // enough to recognise a request, too little to flood the log
  const cut = s.length > LOGGED_TARGET_CHARS_MAX ? `${s.slice(0, LOGGED_TARGET_CHARS_MAX)}...` : s;
  return JSON.stringify(cut).slice(1, -1);
}
