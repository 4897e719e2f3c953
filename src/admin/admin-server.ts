// The AdminServer: ZooKeeper's admin commands over HTTP (admin.serverAddress,
// admin.serverPort, admin.commandURL). GET <commandURL> lists the commands as links;
// GET <commandURL>/<name> answers JSON. Everything else is 404, other methods 405.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { PRIMARY_NAMES, runCommand, type AdminContext } from './commands';
import { prettyJson } from './json';
import { listen } from './listen';

export interface AdminServerOptions {
  host: string;
  port: number;
  commandURL: string;
  log: (line: string) => void;
}

export class AdminServer {
  private server: Server | undefined;

  constructor(
    private readonly ctx: AdminContext,
    private readonly opts: AdminServerOptions,
  ) {}

  /** Fails naming admin.serverPort when the port is taken, as an operator must change that key. */
  async start(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    await listen(server, this.opts.host, this.opts.port, 'admin.serverPort', 'admin.enableServer=false', this.ctx.config.file);
    this.server = server;
  }

  get port(): number {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a.port : this.opts.port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://admin');
    const base = this.opts.commandURL.replace(/\/+$/, '');
    const path = url.pathname.replace(/\/+$/, '');
    if (path !== base && !path.startsWith(`${base}/`)) return this.error(res, 404, 'Not Found');
    if (req.method !== 'GET' && req.method !== 'HEAD') return this.error(res, 405, 'Method Not Allowed');
    if (path === base) {
      const links = PRIMARY_NAMES.map((n) => `<a href="${base}/${n}">${n}</a>\n<br/>\n`).join('');
      res.writeHead(200, { 'Content-Type': 'text/html' });
      return void res.end(links);
    }
    const name = decodeURIComponent(path.slice(base.length + 1));
    try {
      const body = prettyJson(await runCommand(this.ctx, name, url.searchParams));
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(body);
    } catch (e) {
      this.opts.log(`admin command ${name} failed: ${(e as Error).stack ?? e}`);
      this.error(res, 500, 'Internal Server Error');
    }
  }

  private error(res: ServerResponse, status: number, message: string): void {
    res.writeHead(status, { 'Content-Type': 'text/html;charset=iso-8859-1', 'Cache-Control': 'must-revalidate,no-cache,no-store' });
    res.end(`<html><body><h2>HTTP ERROR ${status} ${message}</h2></body></html>\n`);
  }
}
