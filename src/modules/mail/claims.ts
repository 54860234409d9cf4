import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { rowsOf } from '../../db/tx.js';
import { mailOutbox } from '../../db/schema/index.js';

/** A message one dispatcher holds: `attempts` is the claim's number, which no other claim shares. */
export interface ClaimedMail {
  id: string;
  to: string;
  subject: string;
  text: string | null;
  sensitive: boolean;
  attempts: number;
}

/**
 * Claims the next due message for `seconds` (SKIP LOCKED: two dispatchers never get the same
 * row), counting the attempt. One message per claim, taken just before it is sent: a message
 * never waits, claimed, behind another one's slow delivery, so a claim only has to outlive one
 * send.
 */
export async function claimNextMail(db: Db, seconds: number): Promise<ClaimedMail | undefined> {
  const [row] = rowsOf<ClaimedMail>(
    await db.execute(sql`
      UPDATE ${mailOutbox} SET locked_until = now() + make_interval(secs => ${seconds}), attempts = attempts + 1
      WHERE id = (
        SELECT id FROM ${mailOutbox}
        WHERE status = 'pending' AND next_attempt_at <= now() AND (locked_until IS NULL OR locked_until < now())
        ORDER BY next_attempt_at LIMIT 1
        FOR UPDATE SKIP LOCKED)
      RETURNING id, "to", subject, text, sensitive, attempts`),
  );
  return row;
}

/**
 * The row as long as this claim is still the latest: a dispatcher whose claim had passed and was
 * taken over must not overwrite what the new holder does with the message.
 */
const stillClaimed = (mail: ClaimedMail) => and(eq(mailOutbox.id, mail.id), eq(mailOutbox.attempts, mail.attempts));

/** Marks a claimed message sent (a secret in its body erased); false when the claim had been taken over. */
export async function recordSent(db: Db, mail: ClaimedMail): Promise<boolean> {
  const updated = await db
    .update(mailOutbox)
    .set({
      status: 'sent',
      sentAt: new Date(),
      lockedUntil: null,
      lastError: null,
      ...(mail.sensitive ? { text: null } : {}),
    })
    .where(stillClaimed(mail))
    .returning({ id: mailOutbox.id });
  return updated.length === 1;
}

/**
 * Releases a claimed message after a failed attempt: pending again from `retryAt`, or failed for
 * good (a secret that will never be delivered has no reason to stay). False when the claim had
 * been taken over.
 */
export async function recordFailure(
  db: Db,
  mail: ClaimedMail,
  outcome: { giveUp: boolean; reason: string; retryAt: Date },
): Promise<boolean> {
  const updated = await db
    .update(mailOutbox)
    .set({
      status: outcome.giveUp ? 'failed' : 'pending',
      lockedUntil: null,
      ...(outcome.giveUp && mail.sensitive ? { text: null } : {}),
      lastError: outcome.reason,
      nextAttemptAt: outcome.retryAt,
    })
    .where(stillClaimed(mail))
    .returning({ id: mailOutbox.id });
  return updated.length === 1;
}
