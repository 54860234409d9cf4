import type { Role } from '../../db/schema/index.js';
import type { Language } from '../../lib/i18n.js';
import { type MailContent, mailText, portalLinks } from '../mail/index.js';
import { translator } from '../../lib/i18n.js';

/**
 * The invitation e-mail, in the language chosen when inviting. Its link holds the one-time token,
 * so the outbox marks it sensitive: never logged, erased once sent.
 */
export function invitationMail(p: {
  name: string;
  role: Role;
  token: string;
  expiresAt: Date;
  baseUrl: string;
  language: Language;
}): MailContent {
  const t = translator(p.language);
  return {
    subject: t.t('mail.invitation.subject'),
    text: mailText(t, p.name, [
      t.t('mail.invitation.intro', { role: t.t(`role.${p.role}`) }),
      { lead: t.t('mail.invitation.accept'), link: portalLinks.invitation(p.baseUrl, p.token) },
      t.t('mail.invitation.expiry', { date: t.date(p.expiresAt) }),
    ]),
  };
}
