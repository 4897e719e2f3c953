// The AdminServer: ZooKeeper's admin commands over HTTP (admin.serverAddress,
// admin.serverPort, admin.commandURL). GET <commandURL> lists the commands as links;
// GET <commandURL>/<name> answers JSON. Everything else is 404, other methods 405.
import type { ServerResponse } from 'node:http';
import { PRIMARY_NAMES, runCommand, type AdminContext } from './commands';
import { httpError, HttpListener, type HttpLog, type HttpRequest } from './http-listener';
import type { HttpsOptions } from './https-transport';
import { prettyJsonInSlices } from './json';

export interface AdminServerOptions {
  host: string;
  port: number;
  commandURL: string;
  log: HttpLog;
  /** admin.forceHttps / admin.portUnification, with the quorum's stores. */
  https?: HttpsOptions;
}

/** Fails naming admin.serverPort when the port is taken, as an operator must change that key. */
export function startAdminServer(ctx: AdminContext, opts: AdminServerOptions): Promise<HttpListener> {
  const base = opts.commandURL.replace(/\/+$/, '');
  // The command is what follows `<commandURL>/`, as the servlet's path info: `/commands/ruok/`
  // asks for "ruok/", `/commands//ruok` for "/ruok" (unknown commands both, as in ZooKeeper).
  const handle = async (req: HttpRequest, res: ServerResponse): Promise<void> => {
    const { path } = req;
    if (path !== base && !path.startsWith(`${base}/`)) return httpError(res, 404, 'Not Found');
    if (req.method !== 'GET' && req.method !== 'HEAD') return httpError(res, 405, 'Method Not Allowed');
    const name = path.slice(base.length + 1);
    if (name === '') {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      return void res.end(PRIMARY_NAMES.map((n) => `<a href="${base}/${n}">${n}</a>\n<br/>\n`).join(''));
    }
    // A command that throws is the listener's to answer (500, one log line).
    const body = await prettyJsonInSlices(await runCommand(ctx, name, req.query));
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(body);
  };
  return HttpListener.start(handle, {
    host: opts.host,
    port: opts.port,
    key: 'admin.serverPort',
    alternative: 'admin.enableServer=false',
    cfgFile: ctx.config.file,
    log: opts.log,
    ...(opts.https ? { https: opts.https } : {}),
  });
}
