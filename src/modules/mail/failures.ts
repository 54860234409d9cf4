import { desc, eq, sql } from 'drizzle-orm';
import { preparedQuery } from '../../db/prepared.js';
import type { ServiceContext } from '../context.js';
import { mailOutbox } from '../../db/schema/index.js';
import { requireSecretariat } from '../../lib/authorize.js';
import { retryDelaySeconds } from './dispatcher.js';

// The mails given up on (failed for good after every attempt), as the secretariat sees them: who
// they were for without the whole address, and what went wrong in a few words rather than the
// mail server's text (which may quote the address, or the server's own).

/** "m•••a@quito.gob.ec": enough to tell one recipient from another, not the address itself. */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  const local = at > 0 ? address.slice(0, at) : address;
  const domain = at > 0 ? address.slice(at) : '';
  const chars = [...local];
  const shown = chars.length > 2 ? `${chars[0]}•••${chars.at(-1)}` : `${chars[0] ?? ''}•••`;
  return `${shown}${domain}`;
}

export const failureReasons = ['timeout', 'unreachable', 'refused', 'authentication', 'other'] as const;
export type FailureReason = (typeof failureReasons)[number];

/** What a recorded failure (the dispatcher's or the SMTP client's message) comes down to. */
export function failureReasonOf(error: string | null): FailureReason {
  const text = error ?? '';
  if (/no answer from the mail server|timed? ?out|ETIMEDOUT|ESOCKETTIMEDOUT/i.test(text)) return 'timeout';
  if (/\b53[045]\b|\bauth/i.test(text)) return 'authentication';
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|ECONNRESET|EAI_AGAIN|getaddrinfo/i.test(text))
    return 'unreachable';
  if (/\b5\d\d\b|reject|refus|unknown user|no such user|mailbox/i.test(text)) return 'refused';
  return 'other';
}

/** The latest mails failed for good, each row carrying how many there are in all. */
const latestFailures = preparedQuery('mail_latest_failures', (db) =>
  db
    .select({
      id: mailOutbox.id,
      to: mailOutbox.to,
      subject: mailOutbox.subject,
      attempts: mailOutbox.attempts,
      lastError: mailOutbox.lastError,
      nextAttemptAt: mailOutbox.nextAttemptAt,
      total: sql<number>`(count(*) OVER ())::int`,
    })
    .from(mailOutbox)
    .where(eq(mailOutbox.status, 'failed'))
    .orderBy(desc(mailOutbox.nextAttemptAt), desc(mailOutbox.id))
    .limit(sql.placeholder('limit')),
);

/**
 * How many mails failed for good, and the latest `limit` (at least one) of them. A failure is
 * recorded with its next attempt `retryDelaySeconds(attempts)` ahead (the dispatcher's rule), so
 * the moment it was given up is read back from that.
 */
export async function mailFailures(ctx: ServiceContext, limit: number) {
  requireSecretariat(ctx.actor);
  const rows = await latestFailures(ctx.db).execute({ limit: Math.max(1, limit) });
  return {
    count: rows[0]?.total ?? 0,
    latest: rows.map((r) => ({
      id: r.id,
      recipient: maskAddress(r.to),
      subject: r.subject,
      attempts: r.attempts,
      reason: failureReasonOf(r.lastError),
      failedAt: new Date(r.nextAttemptAt.getTime() - retryDelaySeconds(r.attempts) * 1_000),
    })),
  };
}
