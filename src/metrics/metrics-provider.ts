// The metrics API the server records into, as ZooKeeper's MetricsProvider: counters,
// summaries (optionally per key), and gauges read on demand. The provider decides how
// values are kept and shown — ZooKeeper's default (avg/min/max/percentiles, for mntr) or
// Prometheus.

export interface Counter {
  add(delta: number): void;
}

export interface Summary {
  add(value: number): void;
}

export interface SummarySet {
  add(key: string, value: number): void;
}

/** Counters per key (a namespace); mntr shows each as <key>_<name>, Prometheus labels it `key`. */
export interface CounterSet {
  add(key: string, delta: number): void;
}

/** Gauges per key, read together whenever the metric is shown (ZooKeeper's GaugeSet). */
export type GaugeSet = () => Map<string, number>;

/**
 * A callback read whenever the metric is shown; undefined (Java's null) when it has no
 * value now — mntr leaves it out, Prometheus shows 0, as ZooKeeper's providers do.
 */
export type Gauge = () => MetricValue | undefined;

/**
 * A value Java holds as a double: printed "0.0", "1.5" (mntr, the AdminServer's JSON),
 * where a long prints "0".
 */
export class JavaDouble {
  constructor(readonly value: number) {}
  toString(): string {
    return javaDouble(this.value);
  }
  toJSON(): number {
    return this.value;
  }
}

export type MetricValue = number | JavaDouble;

/** An average as ZooKeeper's AvgMinMaxCounter gives it: rounded to 4 places, 0 before any value. */
export function zkAverage(total: number, count: number): number {
  return count === 0 ? 0 : Math.round((total / count) * 10_000) / 10_000;
}

/** How Java prints a double: "0.0", "1.5", "0.3333333333333333", "NaN". */
export function javaDouble(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  return Number.isInteger(x) ? `${x}.0` : String(x);
}

export interface MetricsProvider {
  counter(name: string): Counter;
  summary(name: string, advanced: boolean): Summary;
  summarySet(name: string, advanced: boolean): SummarySet;
  counterSet(name: string): CounterSet;
  registerGaugeSet(name: string, gaugeSet: GaugeSet): void;
  registerGauge(name: string, gauge: Gauge): void;
  /** A role's gauges go when the role ends (ZooKeeper's unregisterGauge). */
  unregisterGauge(name: string): void;
  /** Every value, flat, under the keys mntr and the monitor command print. */
  dump(): Promise<Array<[key: string, value: MetricValue]>>;
  /** srst: back to zero where the provider allows it (Prometheus does not). */
  resetAll(): void;
}
