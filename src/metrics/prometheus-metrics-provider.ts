// ZooKeeper's PrometheusMetricsProvider on prom-client: counters, gauges and summaries
// under ZooKeeper's own names (summaries with the median, advanced ones also 0.9 and
// 0.99; summary sets labelled `key`), in a registry of our own that /metrics exposes.
// mntr and monitor then show the registry flat, as ZooKeeper does with this provider:
// `readlatency{quantile="0.5"}`, `readlatency_count`, ...
import { Counter as PromCounter, Gauge as PromGauge, Registry, Summary as PromSummary, collectDefaultMetrics } from 'prom-client';
import { JavaDouble, type Counter, type CounterSet, type Gauge, type GaugeSet, type MetricValue, type MetricsProvider, type Summary, type SummarySet } from './metrics-provider';

/** The metricsProvider.className that switches this provider on, as in ZooKeeper's zoo.cfg. */
export const PROMETHEUS_PROVIDER_CLASS = 'org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider';

const BASIC_QUANTILES = [0.5];
const ADVANCED_QUANTILES = [0.5, 0.9, 0.99];

export class PrometheusMetricsProvider implements MetricsProvider {
  readonly registry = new Registry();
  private readonly counters = new Map<string, Counter>();
  private readonly summaries = new Map<string, Summary>();
  private readonly summarySets = new Map<string, SummarySet>();
  private readonly counterSets = new Map<string, CounterSet>();

  /** exportJvmInfo: here the process and Node runtime metrics (process_*, nodejs_*). */
  constructor(exportRuntimeInfo: boolean) {
    if (exportRuntimeInfo) collectDefaultMetrics({ register: this.registry });
  }

  counter(name: string): Counter {
    let c = this.counters.get(name);
    if (!c) {
      const inner = new PromCounter({ name, help: name, registers: [this.registry] });
      this.counters.set(name, (c = { add: (delta) => inner.inc(delta) }));
    }
    return c;
  }

  summary(name: string, advanced: boolean): Summary {
    let s = this.summaries.get(name);
    if (!s) {
      const inner = new PromSummary({ name, help: name, percentiles: advanced ? ADVANCED_QUANTILES : BASIC_QUANTILES, registers: [this.registry] });
      this.summaries.set(name, (s = { add: (v) => inner.observe(v) }));
    }
    return s;
  }

  summarySet(name: string, advanced: boolean): SummarySet {
    let s = this.summarySets.get(name);
    if (!s) {
      const inner = new PromSummary({
        name,
        help: name,
        labelNames: ['key'],
        percentiles: advanced ? ADVANCED_QUANTILES : BASIC_QUANTILES,
        registers: [this.registry],
      });
      this.summarySets.set(name, (s = { add: (key, v) => inner.observe({ key }, v) }));
    }
    return s;
  }

  counterSet(name: string): CounterSet {
    let c = this.counterSets.get(name);
    if (!c) {
      const inner = new PromCounter({ name, help: name, labelNames: ['key'], registers: [this.registry] });
      this.counterSets.set(name, (c = { add: (key, delta) => inner.inc({ key }, delta) }));
    }
    return c;
  }

  /** As ZooKeeper's labelled gauge: a key once shown keeps its last value after it leaves the set. */
  registerGaugeSet(name: string, gaugeSet: GaugeSet): void {
    new PromGauge({
      name,
      help: name,
      labelNames: ['key'],
      registers: [this.registry],
      collect() {
        for (const [key, v] of gaugeSet()) this.set({ key }, v);
      },
    });
  }

  registerGauge(name: string, gauge: Gauge): void {
    new PromGauge({
      name,
      help: name,
      registers: [this.registry],
      collect() {
        const v = gauge();
        this.set(v === undefined ? 0 : v instanceof JavaDouble ? v.value : v);
      },
    });
  }

  unregisterGauge(name: string): void {
    this.registry.removeSingleMetric(name);
  }

  /** A gauge whose value comes from an asynchronous source (host facts). */
  registerAsyncGauge(name: string, help: string, read: () => Promise<number | undefined>): void {
    new PromGauge({
      name,
      help,
      registers: [this.registry],
      async collect() {
        const v = await read();
        if (v !== undefined) this.set(v);
      },
    });
  }

  async dump(): Promise<Array<[string, MetricValue]>> {
    const out: Array<[string, MetricValue]> = [];
    for (const metric of await this.registry.getMetricsAsJSON()) {
      for (const sample of metric.values) {
        const name = (sample as { metricName?: string }).metricName ?? metric.name;
        const labels = Object.entries(sample.labels);
        const key = labels.length === 0 ? name : `${name}{${labels.map(([k, v]) => `${k}="${v}"`).join(',')}}`;
        // The Java client holds every sample as a double.
        out.push([key, new JavaDouble(sample.value)]);
      }
    }
    return out;
  }

  /** ZooKeeper's Prometheus provider cannot reset either. */
  resetAll(): void {}

  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
