import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import type { DbContext } from '../../db/tx.js';
import { users } from '../../db/schema/index.js';
import { enqueueMail, enqueueMailToSecretariat } from '../mail/index.js';

export interface Facts {
  endorsementId: string;
  revision: number;
  cityName: string;
  pledgeTitle: string;
  versionNumber: number;
  baseUrl: string;
}

const link = (f: Facts) => `${f.baseUrl}/api/v1/endorsements/${f.endorsementId}`;

async function officialsOf(db: Db, cityId: string) {
  return db
    .select({ id: users.id, email: users.email, name: users.name })
    .from(users)
    .where(and(eq(users.role, 'city_official'), eq(users.cityId, cityId), eq(users.active, true)));
}

/** The secretariat hears of every submission, amendment, re-confirmation and withdrawal. */
export async function tellSecretariat(ctx: DbContext, f: Facts, what: SecretariatNews, reason?: string | null) {
  await enqueueMailToSecretariat(ctx, secretariatMessage(f, what, reason));
}

type SecretariatNews = 'submitted' | 'amended' | 'reconfirmed' | 'withdrawn';

/** One mail per secretariat user per revision and news: the key ends with the user's id. */
export const secretariatDedupePrefix = (endorsementId: string, revision: number, what: SecretariatNews) =>
  `endorsement:${endorsementId}:r${revision}:${what}:`;

export function secretariatMessage(f: Facts, what: SecretariatNews, reason?: string | null) {
  return {
    dedupePrefix: secretariatDedupePrefix(f.endorsementId, f.revision, what),
    subject: `${f.cityName} ${what} its endorsement of ${f.pledgeTitle}`,
    text: [
      `${f.cityName} ${what} its endorsement of "${f.pledgeTitle}" (version ${f.versionNumber}, revision ` +
        `${f.revision}).`,
      ...(reason ? ['', `Reason: ${reason}`] : []),
      ...(what === 'withdrawn' ? [] : ['', 'It awaits verification.']),
      '',
      link(f),
    ].join('\n'),
  };
}

const templates = new Map<string, { subject: string; text: string }>();

/**
 * The secretariat's message as templates for PostgreSQL's format(), for a statement that knows the
 * city's name (%1$s), the pledge's title (%2$s) and the endorsement's id (%3$s) only as it writes
 * the mail. format() inserts them as they are, so a name holding % or %1$s comes out unchanged.
 * The templates depend only on the news, the version and the base URL: made once for each.
 */
export function secretariatMessageTemplate(
  f: Pick<Facts, 'revision' | 'versionNumber' | 'baseUrl'>,
  what: SecretariatNews,
) {
  const key = `${what}\n${f.revision}\n${f.versionNumber}\n${f.baseUrl}`;
  let template = templates.get(key);
  if (!template) {
    const [city, title, id] = ['\u0000city\u0000', '\u0000title\u0000', '\u0000id\u0000'];
    const message = secretariatMessage({ ...f, cityName: city, pledgeTitle: title, endorsementId: id }, what);
    const toFormat = (text: string) =>
      text.replaceAll('%', '%%').replaceAll(city, '%1$s').replaceAll(title, '%2$s').replaceAll(id, '%3$s');
    template = { subject: toFormat(message.subject), text: toFormat(message.text) };
    templates.set(key, template);
  }
  return template;
}

/** The city hears the secretariat's decision. */
export async function tellCity(
  ctx: DbContext,
  cityId: string,
  f: Facts,
  decision: 'verified' | 'rejected',
  note?: string | null,
) {
  for (const o of await officialsOf(ctx.db, cityId)) {
    await enqueueMail(ctx, {
      to: o.email,
      dedupeKey: `endorsement:${f.endorsementId}:r${f.revision}:${decision}:${o.id}`,
      subject:
        decision === 'verified'
          ? `Your endorsement of ${f.pledgeTitle} is verified`
          : `Your endorsement of ${f.pledgeTitle} was not accepted`,
      text: [
        `Dear ${o.name},`,
        '',
        decision === 'verified'
          ? `The secretariat has verified ${f.cityName}'s endorsement of "${f.pledgeTitle}" (version ` +
            `${f.versionNumber}). Thank you.`
          : `The secretariat could not accept ${f.cityName}'s endorsement of "${f.pledgeTitle}" as submitted. ` +
            `You may submit it again.`,
        ...(note ? ['', `Note from the secretariat: ${note}`] : []),
        '',
        link(f),
      ].join('\n'),
    });
  }
}
