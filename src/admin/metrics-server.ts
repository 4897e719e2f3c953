// The Prometheus endpoint: GET /metrics on metricsProvider.httpHost:httpPort, in the text
// exposition format, from the provider's prom-client registry.
import type { PrometheusMetricsProvider } from '../metrics/prometheus-metrics-provider';
import { HttpListener } from './http-listener';

export function startMetricsServer(
  provider: PrometheusMetricsProvider,
  opts: { host: string; port: number; cfgFile: string; log: (line: string) => void },
): Promise<HttpListener> {
  return HttpListener.start(
    (req, res) => {
      if (new URL(req.url ?? '/', 'http://metrics').pathname !== '/metrics') {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        return void res.end('Not Found: the metrics are at /metrics\n');
      }
      provider.metrics().then(
        (text) => {
          res.writeHead(200, { 'Content-Type': provider.contentType });
          res.end(text);
        },
        (e: Error) => {
          opts.log(`collecting metrics failed: ${e.stack ?? e.message}`);
          res.writeHead(500, { 'Content-Type': 'text/plain' });
          res.end('collecting metrics failed\n');
        },
      );
    },
    { host: opts.host, port: opts.port, key: 'metricsProvider.httpPort', alternative: 'another metricsProvider.httpHost', cfgFile: opts.cfgFile },
  );
}
