// ServerStats: the counters srvr, stat and the server gauges show — packets, request
// latency (min/avg/max), reply sizes, failed auths. Reset by srst.
import { Latency } from './latency';

export class ServerStats {
  packetsReceived = 0;
  packetsSent = 0;
  readonly latency = new Latency();
  /** Sizes of the replies sent (ZooKeeper's client_response stats); -1 before any. */
  lastResponseSize = -1;
  minResponseSize = -1;
  maxResponseSize = -1;
  authFailed = 0;
  readonly startedAt_ms = Date.now();
  packetReceived(): void {
    this.packetsReceived++;
  }

  packetSent(): void {
    this.packetsSent++;
  }

  responseSize(bytes: number): void {
    this.lastResponseSize = bytes;
    if (this.minResponseSize < 0 || bytes < this.minResponseSize) this.minResponseSize = bytes;
    if (bytes > this.maxResponseSize) this.maxResponseSize = bytes;
  }

  /** A request answered `latency_ms` after it arrived. */
  requestLatency(latency_ms: number): void {
    this.latency.add(latency_ms);
  }

  get minLatency_ms(): number {
    return this.latency.min_ms;
  }

  get maxLatency_ms(): number {
    return this.latency.max_ms;
  }

  /** srst: zero the counters. */
  reset(): void {
    this.packetsReceived = 0;
    this.packetsSent = 0;
    this.latency.reset();
    this.lastResponseSize = this.minResponseSize = this.maxResponseSize = -1;
  }

  /** The average as ZooKeeper shows it: rounded to 4 places. */
  get avgLatency_ms(): number {
    return this.latency.avgRounded_ms;
  }
}
