import { isLanguage, type Language, languages, type Translator, translator } from '../../lib/i18n.js';

// Every mail is written from the one message catalogue (the `mail.` keys of
// templates/messages/{en,es,fr}.json), in its recipient's language, and links to the portal's
// pages: never to the JSON API.

export interface MailContent {
  subject: string;
  text: string;
}

/** The language a person's mail is written in: their preference, English when they have none. */
export function mailLanguage(preference: string | null | undefined): Language {
  return isLanguage(preference) ? preference : 'en';
}

/** The translator for a person's mail (see mailLanguage). */
export const mailTranslator = (preference: string | null | undefined): Translator =>
  translator(mailLanguage(preference));

/** The same mail in each of the three languages, for recipients whose language is known only as it is written. */
export function inEveryLanguage(compose: (t: Translator) => MailContent): Record<Language, MailContent> {
  return Object.fromEntries(languages.map((lang) => [lang, compose(translator(lang))])) as Record<
    Language,
    MailContent
  >;
}

/** A paragraph, or a lead-in followed by the address it leads to, on a line of its own. */
export type Paragraph = string | { lead: string; link: string };

/**
 * A mail's text: the greeting (when the recipient's name is known), the paragraphs separated by
 * blank lines (absent ones left out), and the footer that says who sent it.
 */
export function mailText(t: Translator, name: string | undefined, paragraphs: Array<Paragraph | false | undefined>) {
  const blocks = paragraphs
    .filter((p): p is Paragraph => Boolean(p))
    .map((p) => (typeof p === 'string' ? p : `${p.lead}\n${p.link}`));
  return [...(name === undefined ? [] : [t.t('mail.greeting', { name })]), ...blocks, t.t('mail.footer')].join('\n\n');
}

/** The portal's pages that mails link to, from PUBLIC_BASE_URL (no trailing slash). */
export const portalLinks = {
  invitation: (base: string, token: string) => `${base}/invitations/${encodeURIComponent(token)}`,
  cityEndorsement: (base: string, id: string) => `${base}/city/endorsements/${id}`,
  secretariatEndorsement: (base: string, id: string) => `${base}/secretariat/endorsements/${id}`,
  certificate: (base: string, serial: string) => `${base}/certificates/${encodeURIComponent(serial)}`,
  reviewRound: (base: string, id: string) => `${base}/review/rounds/${id}`,
  secretariatRound: (base: string, id: string) => `${base}/secretariat/rounds/${id}`,
};
