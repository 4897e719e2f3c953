// ZooKeeper's DefaultMetricsProvider: each summary keeps avg/min/max/count/sum (and, when
// advanced, percentiles from a uniform sample), shown flat as avg_<name>, min_<name>, ...
// This is what mntr and the AdminServer's monitor show when Prometheus is not configured.
import { JavaDouble, zkAverage, type Counter, type CounterSet, type Gauge, type GaugeSet, type MetricValue, type MetricsProvider, type Summary, type SummarySet } from './metrics-provider';

class SimpleCounter implements Counter {
  value = 0;
  add(delta: number): void {
    this.value += delta;
  }
}

/** Values kept for percentiles: a uniform sample of everything seen (Vitter's algorithm R), as ZooKeeper's reservoir. */
const RESERVOIR_SIZE = 4096;

class AvgMinMax implements Summary {
  private count = 0;
  private total = 0;
  private min = Number.MAX_SAFE_INTEGER;
  private max = Number.MIN_SAFE_INTEGER;
  private readonly sample: number[] | undefined;

  constructor(
    private readonly name: string,
    advanced: boolean,
  ) {
    this.sample = advanced ? [] : undefined;
  }

  add(value: number): void {
    const v = Math.round(value);
    this.count++;
    this.total += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    const s = this.sample;
    if (s) {
      if (s.length < RESERVOIR_SIZE) s.push(v);
      else {
        const i = Math.floor(Math.random() * this.count);
        if (i < RESERVOIR_SIZE) s[i] = v;
      }
    }
  }

  reset(): void {
    this.count = 0;
    this.total = 0;
    this.min = Number.MAX_SAFE_INTEGER;
    this.max = Number.MIN_SAFE_INTEGER;
    if (this.sample) this.sample.length = 0;
  }

  dump(sink: (key: string, value: MetricValue) => void): void {
    const name = this.name;
    // ZooKeeper shows 0 for min and max before any value.
    sink(`avg_${name}`, new JavaDouble(zkAverage(this.total, this.count)));
    sink(`min_${name}`, this.count === 0 ? 0 : this.min);
    sink(`max_${name}`, this.count === 0 ? 0 : this.max);
    sink(`cnt_${name}`, this.count);
    sink(`sum_${name}`, this.total);
    if (this.sample) {
      const sorted = [...this.sample].sort((a, b) => a - b);
      sink(`p50_${name}`, quantile(sorted, 0.5));
      sink(`p95_${name}`, quantile(sorted, 0.95));
      sink(`p99_${name}`, quantile(sorted, 0.99));
      sink(`p999_${name}`, quantile(sorted, 0.999));
    }
  }
}

/** The value at quantile q of sorted values, interpolated as Dropwizard's snapshot does; 0 when empty. */
function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  const pos = q * (sorted.length + 1);
  if (pos < 1) return sorted[0]!;
  if (pos >= sorted.length) return sorted[sorted.length - 1]!;
  const lower = sorted[Math.floor(pos) - 1]!;
  const upper = sorted[Math.floor(pos)]!;
  return Math.round(lower + (pos - Math.floor(pos)) * (upper - lower));
}

class AvgMinMaxSet implements SummarySet {
  readonly byKey = new Map<string, AvgMinMax>();
  constructor(
    private readonly name: string,
    private readonly advanced: boolean,
  ) {}
  add(key: string, value: number): void {
    let s = this.byKey.get(key);
    if (!s) this.byKey.set(key, (s = new AvgMinMax(`${key}_${this.name}`, this.advanced)));
    s.add(value);
  }
}

/** SimpleCounterSet: one counter per key, shown as <key>_<name>. */
class SimpleCounterSet implements CounterSet {
  readonly byKey = new Map<string, SimpleCounter>();
  add(key: string, delta: number): void {
    let c = this.byKey.get(key);
    if (!c) this.byKey.set(key, (c = new SimpleCounter()));
    c.add(delta);
  }
}

export class DefaultMetricsProvider implements MetricsProvider {
  private readonly gauges = new Map<string, Gauge>();
  private readonly gaugeSets = new Map<string, GaugeSet>();
  private readonly counters = new Map<string, SimpleCounter>();
  private readonly counterSets = new Map<string, SimpleCounterSet>();
  private readonly summaries = new Map<string, AvgMinMax>();
  private readonly summarySets = new Map<string, AvgMinMaxSet>();

  counter(name: string): Counter {
    let c = this.counters.get(name);
    if (!c) this.counters.set(name, (c = new SimpleCounter()));
    return c;
  }

  summary(name: string, advanced: boolean): Summary {
    let s = this.summaries.get(name);
    if (!s) this.summaries.set(name, (s = new AvgMinMax(name, advanced)));
    return s;
  }

  summarySet(name: string, advanced: boolean): SummarySet {
    let s = this.summarySets.get(name);
    if (!s) this.summarySets.set(name, (s = new AvgMinMaxSet(name, advanced)));
    return s;
  }

  counterSet(name: string): CounterSet {
    let c = this.counterSets.get(name);
    if (!c) this.counterSets.set(name, (c = new SimpleCounterSet()));
    return c;
  }

  registerGaugeSet(name: string, gaugeSet: GaugeSet): void {
    this.gaugeSets.set(name, gaugeSet);
  }

  registerGauge(name: string, gauge: Gauge): void {
    this.gauges.set(name, gauge);
  }

  unregisterGauge(name: string): void {
    this.gauges.delete(name);
  }

  dump(): Promise<Array<[string, MetricValue]>> {
    const out: Array<[string, MetricValue]> = [];
    const sink = (key: string, value: MetricValue) => out.push([key, value]);
    for (const [name, gauge] of this.gauges) {
      const v = gauge();
      if (v !== undefined) sink(name, v);
    }
    // ZooKeeper's order: gauges, gauge sets, counters, counter sets, summaries.
    for (const [name, set] of this.gaugeSets) for (const [key, v] of set()) sink(`${key}_${name}`, v);
    for (const [name, c] of this.counters) sink(name, c.value);
    for (const [name, set] of this.counterSets) for (const [key, c] of set.byKey) sink(`${key}_${name}`, c.value);
    for (const s of this.summaries.values()) s.dump(sink);
    for (const set of this.summarySets.values()) for (const s of set.byKey.values()) s.dump(sink);
    return Promise.resolve(out);
  }

  resetAll(): void {
    for (const c of this.counters.values()) c.value = 0;
    for (const set of this.counterSets.values()) for (const c of set.byKey.values()) c.value = 0;
    for (const s of this.summaries.values()) s.reset();
    // ZooKeeper zeroes each key's summary and keeps the key.
    for (const set of this.summarySets.values()) for (const summary of set.byKey.values()) summary.reset();
  }
}
