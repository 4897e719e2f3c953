// Request latency figures as ZooKeeper keeps them, for the server (srvr, mntr) and for
// each connection (cons): min, max, average and last, in whole milliseconds.
import { zkAverage } from '../metrics/metrics-provider';

export class Latency {
  private min = Number.MAX_SAFE_INTEGER;
  max_ms = 0;
  last_ms = 0;
  private total = 0;
  private count = 0;

  add(latency_ms: number): void {
    const ms = Math.round(latency_ms);
    this.last_ms = ms;
    this.total += ms;
    this.count++;
    if (ms < this.min) this.min = ms;
    if (ms > this.max_ms) this.max_ms = ms;
  }

  /** 0 until something was measured, as ZooKeeper reports it. */
  get min_ms(): number {
    return this.count === 0 ? 0 : this.min;
  }

  /** The exact average (srvr prints it as a double; cons floors it). */
  get avg_ms(): number {
    return this.count === 0 ? 0 : this.total / this.count;
  }

  /** The average as ZooKeeper's server stats give it (srvr, mntr): rounded to 4 places. */
  get avgRounded_ms(): number {
    return zkAverage(this.total, this.count);
  }

  reset(): void {
    this.min = Number.MAX_SAFE_INTEGER;
    this.max_ms = 0;
    this.last_ms = 0;
    this.total = 0;
    this.count = 0;
  }
}
