// An HTTP listener (the AdminServer's, the metrics endpoint's): bound with the error an
// operator can act on — which address is taken, which key moves it, where that key lives —
// and stopped without waiting on idle keep-alive connections.
import { createServer, type RequestListener, type Server } from 'node:http';

export interface ListenOptions {
  host: string;
  port: number;
  /** The zoo.cfg key that sets the port, and what else would free it. */
  key: string;
  alternative: string;
  cfgFile: string;
}

export class HttpListener {
  private constructor(private readonly server: Server) {}

  static start(handler: RequestListener, o: ListenOptions): Promise<HttpListener> {
    const server = createServer(handler);
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
        resolve(new HttpListener(server));
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen(o.port, o.host);
    });
  }

  get port(): number {
    const a = this.server.address();
    return a !== null && typeof a === 'object' ? a.port : 0;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}
