import type { DbContext } from '../../db/tx.js';
import { write, writeTemplate } from '../../db/writes.js';
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

type NewMail = { to: string; subject: string; text: string; dedupeKey: string | null; sensitive: boolean };

const enqueueTemplate = writeTemplate<NewMail>('mail', (db, p) =>
  db
    .insert(mailOutbox)
    .values({
      to: p('to'),
      subject: p('subject'),
      text: p('text'),
      dedupeKey: p('dedupeKey'),
      sensitive: p('sensitive'),
    })
    .onConflictDoNothing({ target: mailOutbox.dedupeKey }),
);

/** Queues a message in the caller's change; the dispatcher sends it after commit. */
export async function enqueueMail(ctx: DbContext, mail: OutgoingMail): Promise<void> {
  await write(ctx, enqueueTemplate, {
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    dedupeKey: mail.dedupeKey ?? null,
    sensitive: mail.sensitive ?? false,
  });
}

type MailToSecretariat = { subject: string; text: string; dedupePrefix: string };

const toSecretariatTemplate = writeTemplate<MailToSecretariat>(
  'mail_to_secretariat',
  (_db, p) => sql`
    INSERT INTO ${mailOutbox} ("to", subject, text, dedupe_key)
    SELECT ${users.email}, ${p('subject')}::text, ${p('text')}::text, ${p('dedupePrefix')}::text || ${users.id}::text
    FROM ${users} WHERE ${users.role} = 'secretariat' AND ${users.active}
    ON CONFLICT (dedupe_key) DO NOTHING`,
);

/**
 * Queues the same message for every active secretariat user in one statement; each copy's
 * dedupe key is `dedupePrefix` + the user's id.
 */
export async function enqueueMailToSecretariat(ctx: DbContext, mail: MailToSecretariat): Promise<void> {
  await write(ctx, toSecretariatTemplate, mail);
}
