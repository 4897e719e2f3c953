// Autopurge (DatadirCleanupManager): with autopurge.purgeInterval > 0, purge once at start
// and then every purgeInterval hours, keeping autopurge.snapRetainCount snapshots. The
// schedule is node-cron's; tests give a shorter cron expression.
import { schedule, type ScheduledTask } from 'node-cron';
import { purge } from './purge';

export interface CleanupOptions {
  dataDir: string;
  dataLogDir: string;
  snapRetainCount: number;
  /** Hours between purges; 0 turns autopurge off. */
  purgeInterval_hours: number;
  log: { info(line: string): void; warn(line: string): void };
  /** A cron expression to run on instead of every purgeInterval hours (for tests). */
  cronExpression?: string;
}

export class DatadirCleanupManager {
  private task: ScheduledTask | undefined;
  private hoursSincePurge = 0;

  constructor(private readonly opts: CleanupOptions) {}

  start(): void {
    if (this.opts.purgeInterval_hours <= 0 && !this.opts.cronExpression) {
      this.opts.log.info('autopurge is off (autopurge.purgeInterval is 0)');
      return;
    }
    this.opts.log.info(`autopurge: keeping ${this.opts.snapRetainCount} snapshots, every ${this.opts.cronExpression ?? `${this.opts.purgeInterval_hours} h`}`);
    this.runOnce();
    // Hourly ticks, counted up to the interval: cron itself cannot say "every 36 hours".
    const expression = this.opts.cronExpression ?? '0 0 * * * *';
    this.task = schedule(expression, () => {
      if (!this.opts.cronExpression && ++this.hoursSincePurge < this.opts.purgeInterval_hours) return;
      this.hoursSincePurge = 0;
      this.runOnce();
    });
  }

  runOnce(): void {
    try {
      const { deleted } = purge(this.opts.dataDir, this.opts.dataLogDir, this.opts.snapRetainCount);
      for (const f of deleted) this.opts.log.info(`autopurge deleted ${f.path}`);
    } catch (e) {
      this.opts.log.warn(`autopurge failed: ${(e as Error).message}`);
    }
  }

  stop(): void {
    void this.task?.stop();
    this.task = undefined;
  }
}
