// ServerStats: the counters srvr, stat, mntr and the metrics report — packets, request
// latency (min/avg/max), fsync time. Reset by srst.

export class ServerStats {
  packetsReceived = 0;
  packetsSent = 0;
  latencyMin_ms = Number.MAX_SAFE_INTEGER;
  latencyMax_ms = 0;
  private latencyTotal_ms = 0;
  private latencyCount = 0;
  fsyncCount = 0;
  fsyncTotal_ms = 0;
  fsyncMax_ms = 0;
  packetReceived(): void {
    this.packetsReceived++;
  }

  packetSent(): void {
    this.packetsSent++;
  }

  /** A request answered `latency_ms` after it arrived. */
  requestLatency(latency_ms: number): void {
    const latency = Math.round(latency_ms);
    this.latencyTotal_ms += latency;
    this.latencyCount++;
    if (latency < this.latencyMin_ms) this.latencyMin_ms = latency;
    if (latency > this.latencyMax_ms) this.latencyMax_ms = latency;
  }

  fsyncTime(ms: number): void {
    this.fsyncCount++;
    this.fsyncTotal_ms += ms;
    if (ms > this.fsyncMax_ms) this.fsyncMax_ms = ms;
  }

  get minLatency_ms(): number {
    return this.latencyCount === 0 ? 0 : this.latencyMin_ms;
  }

  get avgLatency_ms(): number {
    return this.latencyCount === 0 ? 0 : this.latencyTotal_ms / this.latencyCount;
  }

  get maxLatency_ms(): number {
    return this.latencyMax_ms;
  }

  /** srst: zero the counters. */
  reset(): void {
    this.packetsReceived = 0;
    this.packetsSent = 0;
    this.latencyMin_ms = Number.MAX_SAFE_INTEGER;
    this.latencyMax_ms = 0;
    this.latencyTotal_ms = 0;
    this.latencyCount = 0;
  }
}
