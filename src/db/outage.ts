import { describeUnavailability } from './availability.js';

export interface OutageLogger {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface OutageOptions {
  /** Checks the database; rejects while it is away. */
  ping: () => Promise<void>;
  log: () => OutageLogger;
  /** How often to check whether it is back. */
  probeEveryMs?: number;
  /** How often to say, while it lasts, that it still does. */
  summaryEveryMs?: number;
}

/**
 * Logs a database outage as one: its start once (not a stack per request), a summary now and then
 * while it lasts, and its end with its length and how many requests it cost. Its end is found by
 * pinging the database, so it is logged even when no request comes in.
 */
export class DatabaseOutage {
  private startedAt: number | undefined;
  private failures = 0;
  private failuresAtSummary = 0;
  private lastSummaryAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly probeEveryMs: number;
  private readonly summaryEveryMs: number;

  constructor(private readonly options: OutageOptions) {
    this.probeEveryMs = options.probeEveryMs ?? 1_000;
    this.summaryEveryMs = options.summaryEveryMs ?? 30_000;
  }

  get ongoing(): boolean {
    return this.startedAt !== undefined;
  }

  /** Something could not reach the database: the first report starts an outage, later ones are counted. */
  report(err: unknown): void {
    this.failures++;
    if (this.startedAt !== undefined || this.stopped) return;
    this.startedAt = Date.now();
    this.lastSummaryAt = this.startedAt;
    this.failures = 1;
    this.failuresAtSummary = 0;
    this.options
      .log()
      .error({ cause: describeUnavailability(err) }, 'database unavailable: answering 503 until it is back');
    this.scheduleProbe();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private scheduleProbe(): void {
    this.timer = setTimeout(() => void this.probe(), this.probeEveryMs);
    this.timer.unref();
  }

  private async probe(): Promise<void> {
    if (this.stopped || this.startedAt === undefined) return;
    try {
      await this.options.ping();
    } catch (err) {
      const now = Date.now();
      if (now - this.lastSummaryAt >= this.summaryEveryMs) {
        this.options.log().warn(
          {
            downForMs: now - this.startedAt,
            failures: this.failures,
            failuresSinceLast: this.failures - this.failuresAtSummary,
            cause: describeUnavailability(err),
          },
          'database still unavailable',
        );
        this.lastSummaryAt = now;
        this.failuresAtSummary = this.failures;
      }
      if (!this.stopped) this.scheduleProbe();
      return;
    }
    this.options
      .log()
      .info({ downForMs: Date.now() - this.startedAt, failures: this.failures }, 'database available again');
    this.startedAt = undefined;
    this.failures = 0;
  }
}
