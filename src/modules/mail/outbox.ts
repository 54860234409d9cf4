import type { DbContext } from '../../db/tx.js';
import { write, writeTemplate } from '../../db/writes.js';
import { type Placeholder, sql } from 'drizzle-orm';
import type { Translator } from '../../lib/i18n.js';
import { inEveryLanguage, type MailContent } from './compose.js';
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

type MailToSecretariat = {
  dedupePrefix: string;
  enSubject: string;
  enText: string;
  esSubject: string;
  esText: string;
  frSubject: string;
  frText: string;
};

/** The value for the recipient's language (English when they have none), chosen as the row is written. */
const inRecipientLanguage = (en: Placeholder, es: Placeholder, fr: Placeholder) =>
  sql`CASE ${users.language} WHEN 'es' THEN ${es}::text WHEN 'fr' THEN ${fr}::text ELSE ${en}::text END`;

const toSecretariatTemplate = writeTemplate<MailToSecretariat>(
  'mail_to_secretariat',
  (_db, p) => sql`
    INSERT INTO ${mailOutbox} ("to", subject, text, dedupe_key)
    SELECT ${users.email},
      ${inRecipientLanguage(p('enSubject'), p('esSubject'), p('frSubject'))},
      ${inRecipientLanguage(p('enText'), p('esText'), p('frText'))},
      ${p('dedupePrefix')}::text || ${users.id}::text
    FROM ${users} WHERE ${users.role} = 'secretariat' AND ${users.active}
    ON CONFLICT (dedupe_key) DO NOTHING`,
);

/**
 * Queues a message for every active secretariat user in one statement, each in their language
 * (`compose` writes it in each of the three); each copy's dedupe key is `dedupePrefix` + the
 * user's id.
 */
export async function enqueueMailToSecretariat(
  ctx: DbContext,
  mail: { dedupePrefix: string; compose: (t: Translator) => MailContent },
): Promise<void> {
  const { en, es, fr } = inEveryLanguage(mail.compose);
  await write(ctx, toSecretariatTemplate, {
    dedupePrefix: mail.dedupePrefix,
    enSubject: en.subject,
    enText: en.text,
    esSubject: es.subject,
    esText: es.text,
    frSubject: fr.subject,
    frText: fr.text,
  });
}
