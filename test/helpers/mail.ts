import { eq, sql } from 'drizzle-orm';
import { mailOutbox } from '../../src/db/schema/index.js';
import { enqueueMail } from '../../src/modules/mail/outbox.js';
import type { MailMessage, MailTransport } from '../../src/modules/mail/transport.js';
import type { TestApp } from './app.js';
import { unique } from './factories.js';

/**
 * A transport that records what it is asked to send; `fail` makes it throw instead. It carries
 * `concurrency` messages at once (4 unless told), so the dispatcher sends that many in parallel.
 */
export function fakeTransport(options: { fail?: (m: MailMessage) => string | undefined; concurrency?: number } = {}) {
  const sent: MailMessage[] = [];
  const attempted: MailMessage[] = [];
  let closed = 0;
  const transport: MailTransport = {
    kind: 'smtp',
    concurrency: options.concurrency ?? 4,
    send: async (message) => {
      attempted.push({ ...message });
      // Yield, so that concurrent dispatchers interleave.
      await new Promise((resolve) => setImmediate(resolve));
      const failure = options.fail?.(message);
      if (failure) throw new Error(failure);
      sent.push({ ...message });
    },
    close: () => {
      closed++;
    },
  };
  return { transport, sent, attempted, closedCount: () => closed };
}

/** A logger that keeps its calls. */
export function fakeLogger() {
  const calls: Array<{ level: string; obj: object; msg: string }> = [];
  const at = (level: string) => (obj: object, msg: string) => {
    calls.push({ level, obj, msg });
  };
  return { calls, info: at('info'), warn: at('warn'), error: at('error') };
}

/** Reading and filling the mail outbox of the file's app. `app()` is read at call time. */
export function outbox(app: () => TestApp) {
  const mailTo = (to: string) => app().db.select().from(mailOutbox).where(eq(mailOutbox.to, to));
  const mailById = async (id: string) => (await app().db.select().from(mailOutbox).where(eq(mailOutbox.id, id)))[0]!;
  /** Makes every pending message due now, as if its back-off had elapsed. */
  const makeDue = () => app().db.execute(sql`UPDATE mail_outbox SET next_attempt_at = now() - interval '1 second'`);

  /** Queues one message (to a fresh address unless given) and returns its row. */
  async function enqueue(overrides: { to?: string; text?: string; sensitive?: boolean; dedupeKey?: string } = {}) {
    const to = overrides.to ?? `${unique('rcpt-')}@example.org`;
    await enqueueMail(app().system, {
      to,
      subject: `Subject for ${to}`,
      text: overrides.text ?? `Body for ${to}`,
      ...overrides,
    });
    const [row] = await mailTo(to);
    return row!;
  }

  return { mailTo, mailById, makeDue, enqueue };
}
