import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import type { DbContext } from '../../db/tx.js';
import { type Localised, users } from '../../db/schema/index.js';
import type { Translator } from '../../lib/i18n.js';
import {
  enqueueMail,
  enqueueMailToSecretariat,
  type MailContent,
  mailText,
  mailTranslator,
  portalLinks,
} from '../mail/index.js';

export interface Facts {
  endorsementId: string;
  revision: number;
  cityName: string;
  /** The pledge's title in each language it has: each mail names it in its reader's. */
  pledgeTitle: Localised;
  versionNumber: number;
  baseUrl: string;
}

async function officialsOf(db: Db, cityId: string) {
  return db
    .select({ id: users.id, email: users.email, name: users.name, language: users.language })
    .from(users)
    .where(and(eq(users.role, 'city_official'), eq(users.cityId, cityId), eq(users.active, true)));
}

/** The secretariat hears of every submission, amendment, re-confirmation and withdrawal. */
export async function tellSecretariat(ctx: DbContext, f: Facts, what: SecretariatNews, reason?: string | null) {
  await enqueueMailToSecretariat(ctx, {
    dedupePrefix: secretariatDedupePrefix(f.endorsementId, f.revision, what),
    compose: (t) => secretariatMessage(t, f, what, reason),
  });
}

type SecretariatNews = 'submitted' | 'amended' | 'reconfirmed' | 'withdrawn';

/** One mail per secretariat user per revision and news: the key ends with the user's id. */
export const secretariatDedupePrefix = (endorsementId: string, revision: number, what: SecretariatNews) =>
  `endorsement:${endorsementId}:r${revision}:${what}:`;

/** What a secretariat user reads of an endorsement's news, in `t`'s language. */
export function secretariatMessage(
  t: Translator,
  f: Facts,
  what: SecretariatNews,
  reason?: string | null,
): MailContent {
  const params = {
    city: f.cityName,
    pledge: t.pick(f.pledgeTitle).text,
    version: String(f.versionNumber),
    revision: String(f.revision),
  };
  const link = portalLinks.secretariatEndorsement(f.baseUrl, f.endorsementId);
  return {
    subject: t.t(`mail.endorsement.${what}.subject`, params),
    text: mailText(t, undefined, [
      t.t(`mail.endorsement.${what}.body`, params),
      reason ? t.t('mail.endorsement.reason', { reason }) : undefined,
      what === 'withdrawn'
        ? { lead: t.t('mail.endorsement.history'), link }
        : { lead: t.t('mail.endorsement.toVerify'), link },
    ]),
  };
}

/** What a city official reads of the secretariat's decision, in `t`'s language. */
export function cityDecisionMessage(
  t: Translator,
  f: Facts & { name: string; certificateSerial?: string },
  decision: 'verified' | 'rejected',
  note?: string | null,
): MailContent {
  const params = { city: f.cityName, pledge: t.pick(f.pledgeTitle).text, version: String(f.versionNumber) };
  return {
    subject: t.t(`mail.decision.${decision}.subject`, params),
    text: mailText(t, f.name, [
      t.t(`mail.decision.${decision}.body`, params),
      note ? t.t('mail.decision.note', { note }) : undefined,
      f.certificateSerial && {
        lead: t.t('mail.decision.certificate'),
        link: portalLinks.certificate(f.baseUrl, f.certificateSerial),
      },
      { lead: t.t('mail.decision.link'), link: portalLinks.cityEndorsement(f.baseUrl, f.endorsementId) },
    ]),
  };
}

/** The city's officials hear the secretariat's decision, each in their language. */
export async function tellCity(
  ctx: DbContext,
  cityId: string,
  f: Facts & { certificateSerial?: string },
  decision: 'verified' | 'rejected',
  note?: string | null,
) {
  for (const o of await officialsOf(ctx.db, cityId)) {
    await enqueueMail(ctx, {
      to: o.email,
      dedupeKey: `endorsement:${f.endorsementId}:r${f.revision}:${decision}:${o.id}`,
      ...cityDecisionMessage(mailTranslator(o.language), { ...f, name: o.name }, decision, note),
    });
  }
}
