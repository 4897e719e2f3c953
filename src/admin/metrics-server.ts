// The Prometheus endpoint: GET /metrics on metricsProvider.httpHost:httpPort, in the text
// exposition format, from the provider's prom-client registry.
import type { PrometheusMetricsProvider } from '../metrics/prometheus-metrics-provider';
import { HttpListener, type HttpLog } from './http-listener';

export function startMetricsServer(
  provider: PrometheusMetricsProvider,
  opts: { host: string; port: number; cfgFile: string; log: HttpLog },
): Promise<HttpListener> {
  return HttpListener.start(
    (req, res) => {
      if (req.path !== '/metrics') {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        return void res.end('Not Found: the metrics are at /metrics\n');
      }
      // Collecting that fails is the listener's to answer (500, one log line).
      return provider.metrics().then((text) => {
        res.writeHead(200, { 'Content-Type': provider.contentType });
        res.end(text);
      });
    },
    { host: opts.host, port: opts.port, key: 'metricsProvider.httpPort', alternative: 'another metricsProvider.httpHost', cfgFile: opts.cfgFile, log: opts.log },
  );
}
