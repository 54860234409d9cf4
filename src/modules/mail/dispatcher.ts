import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { rowsOf } from '../../db/tx.js';
import { mailOutbox } from '../../db/schema/index.js';
import type { MailMessage, MailTransport } from './transport.js';

export const MAX_MAIL_ATTEMPTS = 8;
const LEASE_SECONDS = 120;

/** Back-off after the n-th failed attempt: 30 s, 1 min, 2 min … capped at one hour. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(3_600, 30 * 2 ** Math.max(0, attempts - 1));
}

interface Logger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * Sends queued mail outside any request. Rows are claimed with a lease (SKIP LOCKED), so several
 * instances share the queue without sending a message twice, and no transaction stays open
 * while talking to the SMTP server.
 */
export class MailDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly db: Db,
    private readonly transport: MailTransport,
    private readonly log: Logger,
  ) {}

  async dispatchOnce(batchSize = 20): Promise<{ sent: number; failed: number }> {
    const claimed = rowsOf<{
      id: string;
      to: string;
      subject: string;
      text: string | null;
      sensitive: boolean;
      attempts: number;
    }>(
      await this.db.execute(sql`
        UPDATE ${mailOutbox} SET locked_until = now() + make_interval(secs => ${LEASE_SECONDS}), attempts = attempts + 1
        WHERE id IN (
          SELECT id FROM ${mailOutbox}
          WHERE status = 'pending' AND next_attempt_at <= now() AND (locked_until IS NULL OR locked_until < now())
          ORDER BY next_attempt_at LIMIT ${batchSize}
          FOR UPDATE SKIP LOCKED)
        RETURNING id, "to", subject, text, sensitive, attempts`),
    );
    let sent = 0;
    let failed = 0;
    for (const row of claimed) {
      const message: MailMessage = {
        id: row.id,
        to: row.to,
        subject: row.subject,
        text: row.text,
        sensitive: row.sensitive,
      };
      try {
        await this.transport.send(message);
        await this.db
          .update(mailOutbox)
          .set({
            status: 'sent',
            sentAt: new Date(),
            lockedUntil: null,
            lastError: null,
            ...(row.sensitive ? { text: null } : {}),
          })
          .where(eq(mailOutbox.id, row.id));
        sent++;
      } catch (err) {
        failed++;
        const giveUp = row.attempts >= MAX_MAIL_ATTEMPTS;
        const reason = err instanceof Error ? err.message.slice(0, 500) : 'unknown error';
        this.log[giveUp ? 'error' : 'warn'](
          { mailId: row.id, attempts: row.attempts, reason },
          giveUp ? 'mail given up' : 'mail will be retried',
        );
        await this.db
          .update(mailOutbox)
          .set({
            status: giveUp ? 'failed' : 'pending',
            lockedUntil: null,
            // A secret that will never be delivered has no reason to stay.
            ...(giveUp && row.sensitive ? { text: null } : {}),
            lastError: reason,
            nextAttemptAt: new Date(Date.now() + retryDelaySeconds(row.attempts) * 1_000),
          })
          .where(and(eq(mailOutbox.id, row.id)));
      }
    }
    return { sent, failed };
  }

  start(intervalMs = 2_000): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.dispatchOnce()
        .catch((err) => this.log.warn({ err }, 'mail dispatch round failed'))
        .finally(() => (this.running = undefined));
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    this.transport.close();
  }
}
