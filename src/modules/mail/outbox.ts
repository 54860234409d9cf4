import type { Db } from '../../db/client.js';
import { sql } from 'drizzle-orm';
import { mailOutbox, users } from '../../db/schema/index.js';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  /** Same key, same message: enqueued once however many instances or retries ask. */
  dedupeKey?: string;
  /** The body carries a one-time secret (an invitation token): never logged, erased once sent. */
  sensitive?: boolean;
}

/** Queues a message in the caller's transaction; the dispatcher sends it after commit. */
export async function enqueueMail(ctx: { db: Db }, mail: OutgoingMail): Promise<void> {
  await ctx.db
    .insert(mailOutbox)
    .values({
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      dedupeKey: mail.dedupeKey ?? null,
      sensitive: mail.sensitive ?? false,
    })
    .onConflictDoNothing({ target: mailOutbox.dedupeKey });
}

/**
 * Queues the same message for every active secretariat user in one statement; each copy's
 * dedupe key is `dedupePrefix` + the user's id.
 */
export async function enqueueMailToSecretariat(
  ctx: { db: Db },
  mail: { subject: string; text: string; dedupePrefix: string },
): Promise<void> {
  await ctx.db.execute(sql`
    INSERT INTO ${mailOutbox} ("to", subject, text, dedupe_key)
    SELECT email, ${mail.subject}, ${mail.text}, ${mail.dedupePrefix} || id::text
    FROM ${users} WHERE role = 'secretariat' AND active
    ON CONFLICT (dedupe_key) DO NOTHING`);
}
