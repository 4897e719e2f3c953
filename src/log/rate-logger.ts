// RateLogger, as ZooKeeper's: a message that repeats is logged once, then again at most
// once per interval with how many times it came ("[12 times] Message: ..."), so a client
// hammering a full quota cannot flood the log. A different message flushes the count.
/** ZooKeeper's RateLogger default: 100 ms between two lines of one repeated message. */
export const RATE_LOG_INTERVAL_ms = 100;

export class RateLogger {
  private msg: string | undefined;
  private timestamp_ms = 0;
  private count = 0;

  constructor(
    private readonly warn: (line: string) => void,
    private readonly interval_ms = RATE_LOG_INTERVAL_ms,
    private readonly now_ms: () => number = () => performance.now(),
  ) {}

  rateLimitLog(message: string): void {
    const now = this.now_ms();
    if (message === this.msg) {
      this.count++;
      if (now - this.timestamp_ms >= this.interval_ms) {
        this.flush();
        this.msg = message;
        this.timestamp_ms = now;
      }
      return;
    }
    this.flush();
    this.msg = message;
    this.timestamp_ms = now;
    this.warn(message);
  }

  /** The repeats not yet logged, in one line. */
  flush(): void {
    if (this.msg !== undefined && this.count > 0) {
      this.warn(`${this.count > 1 ? `[${this.count} times] ` : ''}Message: ${this.msg}`);
    }
    this.msg = undefined;
    this.count = 0;
  }
}
