import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { users } from '../../db/schema/index.js';
import { enqueueMail, enqueueMailToSecretariat } from '../mail/outbox.js';

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
export async function tellSecretariat(db: Db, f: Facts, what: SecretariatNews, reason?: string | null) {
  await enqueueMailToSecretariat({ db }, secretariatMessage(f, what, reason));
}

type SecretariatNews = 'submitted' | 'amended' | 'reconfirmed' | 'withdrawn';

export function secretariatMessage(f: Facts, what: SecretariatNews, reason?: string | null) {
  return {
    dedupePrefix: `endorsement:${f.endorsementId}:r${f.revision}:${what}:`,
    subject: `${f.cityName} ${what} its endorsement of ${f.pledgeTitle}`,
    text: [
      `${f.cityName} ${what} its endorsement of "${f.pledgeTitle}" (version ${f.versionNumber}, revision ${f.revision}).`,
      ...(reason ? ['', `Reason: ${reason}`] : []),
      ...(what === 'withdrawn' ? [] : ['', 'It awaits verification.']),
      '',
      link(f),
    ].join('\n'),
  };
}

/**
 * The secretariat's message as templates for PostgreSQL's format(), for a statement that knows the
 * city's name (%1$s) and the pledge's title (%2$s) only as it writes the mail. format() inserts
 * them as they are, so a name holding % or %1$s comes out unchanged.
 */
export function secretariatMessageTemplate(f: Omit<Facts, 'cityName' | 'pledgeTitle'>, what: SecretariatNews) {
  const city = '\u0000city\u0000';
  const title = '\u0000title\u0000';
  const message = secretariatMessage({ ...f, cityName: city, pledgeTitle: title }, what);
  const template = (text: string) => text.replaceAll('%', '%%').replaceAll(city, '%1$s').replaceAll(title, '%2$s');
  return { dedupePrefix: message.dedupePrefix, subject: template(message.subject), text: template(message.text) };
}

/** The city hears the secretariat's decision. */
export async function tellCity(db: Db, cityId: string, f: Facts, decision: 'verified' | 'rejected', note?: string | null) {
  for (const o of await officialsOf(db, cityId)) {
    await enqueueMail({ db }, {
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
          ? `The secretariat has verified ${f.cityName}'s endorsement of "${f.pledgeTitle}" (version ${f.versionNumber}). Thank you.`
          : `The secretariat could not accept ${f.cityName}'s endorsement of "${f.pledgeTitle}" as submitted. You may submit it again.`,
        ...(note ? ['', `Note from the secretariat: ${note}`] : []),
        '',
        link(f),
      ].join('\n'),
    });
  }
}
