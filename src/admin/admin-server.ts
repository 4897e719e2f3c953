// The AdminServer: ZooKeeper's admin commands over HTTP (admin.serverAddress,
// admin.serverPort, admin.commandURL). GET <commandURL> lists the commands as links;
// GET <commandURL>/<name> answers JSON. Everything else is 404, other methods 405.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PRIMARY_NAMES, runCommand, type AdminContext } from './commands';
import { HttpListener } from './http-listener';
import { prettyJson } from './json';

export interface AdminServerOptions {
  host: string;
  port: number;
  commandURL: string;
  log: (line: string) => void;
}

/** Fails naming admin.serverPort when the port is taken, as an operator must change that key. */
export function startAdminServer(ctx: AdminContext, opts: AdminServerOptions): Promise<HttpListener> {
  const base = opts.commandURL.replace(/\/+$/, '');
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://admin');
    const path = url.pathname.replace(/\/+$/, '');
    if (path !== base && !path.startsWith(`${base}/`)) return httpError(res, 404, 'Not Found');
    if (req.method !== 'GET' && req.method !== 'HEAD') return httpError(res, 405, 'Method Not Allowed');
    if (path === base) {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      return void res.end(PRIMARY_NAMES.map((n) => `<a href="${base}/${n}">${n}</a>\n<br/>\n`).join(''));
    }
    const name = decodeURIComponent(path.slice(base.length + 1));
    try {
      const body = prettyJson(await runCommand(ctx, name, url.searchParams));
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(body);
    } catch (e) {
      opts.log(`admin command ${name} failed: ${(e as Error).stack ?? e}`);
      httpError(res, 500, 'Internal Server Error');
    }
  };
  return HttpListener.start((req, res) => void handle(req, res), {
    host: opts.host,
    port: opts.port,
    key: 'admin.serverPort',
    alternative: 'admin.enableServer=false',
    cfgFile: ctx.config.file,
  });
}

/** Jetty's error page, as ZooKeeper's AdminServer answers. */
function httpError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'text/html;charset=iso-8859-1', 'Cache-Control': 'must-revalidate,no-cache,no-store' });
  res.end(`<html><body><h2>HTTP ERROR ${status} ${message}</h2></body></html>\n`);
}
