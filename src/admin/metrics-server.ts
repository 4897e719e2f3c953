// The Prometheus endpoint: GET /metrics on metricsProvider.httpHost:httpPort, in the text
// exposition format, from the provider's prom-client registry.
import { createServer, type Server } from 'node:http';
import type { PrometheusMetricsProvider } from '../metrics/prometheus-metrics-provider';
import { listen } from './listen';

export class MetricsServer {
  private server: Server | undefined;

  constructor(
    private readonly provider: PrometheusMetricsProvider,
    private readonly opts: { host: string; port: number; cfgFile: string; log: (line: string) => void },
  ) {}

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://metrics').pathname;
      if (path !== '/metrics') {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        return void res.end('Not Found: the metrics are at /metrics\n');
      }
      this.provider.metrics().then(
        (text) => {
          res.writeHead(200, { 'Content-Type': this.provider.contentType });
          res.end(text);
        },
        (e: Error) => {
          this.opts.log(`collecting metrics failed: ${e.stack ?? e.message}`);
          res.writeHead(500, { 'Content-Type': 'text/plain' });
          res.end('collecting metrics failed\n');
        },
      );
    });
    await listen(server, this.opts.host, this.opts.port, 'metricsProvider.httpPort', 'another metricsProvider.httpHost', this.opts.cfgFile);
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
}
