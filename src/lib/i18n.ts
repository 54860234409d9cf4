import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type englishCatalogue from '../../templates/messages/en.json';
import { type Language, languages } from './countries.js';
import { templatesDir } from './paths.js';

// The one message catalogue, templates/messages/{en,es,fr}.json: every string of the portal's
// pages and of the mails (and, later, of the PDFs) in English, Spanish and French. A message is a string
// with {placeholders}, or plural forms chosen by Intl.PluralRules ({ "one": …, "other": … }).
// English is the reference: its keys are the type below, and a test holds the other two to the
// same keys and placeholders.

export type MessageKey = keyof typeof englishCatalogue;
export type Message =
  string | { zero?: string; one?: string; two?: string; few?: string; many?: string; other: string };
export type MessageParams = Record<string, string | number>;
export type Catalogue = Record<string, Message>;

export { type Language, languages };

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (languages as readonly string[]).includes(value);
}

/** Whether a string is a key of the catalogue (a form's problem names its message by key). */
export function isMessageKey(value: string): value is MessageKey {
  return Object.hasOwn(catalogue('en'), value);
}

export function catalogueFile(language: Language): string {
  return join(templatesDir, 'messages', `${language}.json`);
}

const catalogues = new Map<Language, Catalogue>();

/** A language's catalogue, read once. */
export function catalogue(language: Language): Catalogue {
  let found = catalogues.get(language);
  if (!found) {
    found = JSON.parse(readFileSync(catalogueFile(language), 'utf8')) as Catalogue;
    catalogues.set(language, found);
  }
  return found;
}

/** Text in English, optionally Spanish and French (a pledge's title, an area's description…). */
export interface LocalisedText {
  en: string;
  es?: string;
  fr?: string;
}

export interface Translator {
  readonly lang: Language;
  /** The message, its placeholders filled in (numbers formatted for the language). */
  t(key: MessageKey, params?: MessageParams): string;
  /** A date as "12 March 2026" (UTC, so every reader sees the same day). */
  date(value: Date | string): string;
  /** A date and time as "12 March 2026, 14:05 UTC". */
  dateTime(value: Date | string): string;
  /** A day and month as "12 Mar" (UTC), where a chart's axis has little room. */
  /** "23 Nov"; with `withYear`, "23 Nov 2020" (for a series that spans more than one year). */
  shortDate(value: Date | string, withYear?: boolean): string;
  number(value: number): string;
  /** A wait in words: "15 minutes", "1 hour", "40 seconds". */
  duration(seconds: number): string;
  /** "a, b and c" in the language. */
  list(items: string[]): string;
  /**
   * A localised text in this language, or in English when it has no translation; `lang` says which,
   * so a page can mark English text inside a Spanish page.
   */
  pick(text: LocalisedText): { text: string; lang: Language };
}

const PLACEHOLDER = /\{(\w+)\}/g;

function format(message: string, params: MessageParams, numbers: Intl.NumberFormat): string {
  return message.replace(PLACEHOLDER, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    return typeof value === 'number' ? numbers.format(value) : value;
  });
}

/**
 * The locale whose conventions dates and numbers follow: international English writes
 * "29 November 2026", as the United Nations do; Spanish and French as they are.
 */
const formattingLocale: Record<Language, string> = { en: 'en-GB', es: 'es', fr: 'fr' };

function buildTranslator(lang: Language): Translator {
  const messages = catalogue(lang);
  const locale = formattingLocale[lang];
  const numbers = new Intl.NumberFormat(locale);
  const plurals = new Intl.PluralRules(lang);
  const dates = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' });
  const dateTimes = new Intl.DateTimeFormat(locale, {
    dateStyle: 'long',
    timeStyle: 'short',
    timeZone: 'UTC',
    hourCycle: 'h23',
  });
  const shortDates = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', timeZone: 'UTC' });
  const shortDatesWithYear = new Intl.DateTimeFormat(locale, {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  });
  const lists = new Intl.ListFormat(locale, { style: 'long', type: 'conjunction' });
  const unit = (name: 'second' | 'minute' | 'hour' | 'day') =>
    new Intl.NumberFormat(locale, { style: 'unit', unit: name, unitDisplay: 'long' });
  const units = { second: unit('second'), minute: unit('minute'), hour: unit('hour'), day: unit('day') };
  return {
    lang,
    t(key, params = {}) {
      const message = messages[key] ?? catalogue('en')[key];
      if (message === undefined) throw new Error(`no message ${key}`);
      if (typeof message === 'string') return format(message, params, numbers);
      const count = Number(params.count ?? 0);
      const form = (count === 0 && message.zero) || message[plurals.select(count)] || message.other;
      return format(form, params, numbers);
    },
    date: (value) => dates.format(new Date(value)),
    dateTime: (value) => `${dateTimes.format(new Date(value))} UTC`,
    shortDate: (value, withYear = false) => (withYear ? shortDatesWithYear : shortDates).format(new Date(value)),
    number: (value) => numbers.format(value),
    duration(seconds) {
      const s = Math.max(1, Math.ceil(seconds));
      if (s < 60) return units.second.format(s);
      if (s < 3600) return units.minute.format(Math.ceil(s / 60));
      if (s < 86_400) return units.hour.format(Math.ceil(s / 3600));
      return units.day.format(Math.ceil(s / 86_400));
    },
    list: (items) => lists.format(items),
    pick(text) {
      const translated = text[lang];
      return translated ? { text: translated, lang } : { text: text.en, lang: 'en' };
    },
  };
}

const translators = new Map<Language, Translator>();

/** The translator of a language, built once. */
export function translator(lang: Language): Translator {
  let found = translators.get(lang);
  if (!found) translators.set(lang, (found = buildTranslator(lang)));
  return found;
}

/**
 * The first of our languages that an Accept-Language header asks for, by its q-values
 * (RFC 9110 §12.5.4): "es-EC,es;q=0.9,en;q=0.5" → es. Undefined when it names none of them.
 */
export function negotiateLanguage(header: string | undefined): Language | undefined {
  if (!header) return undefined;
  const wanted = header
    .slice(0, 1000)
    .split(',')
    .map((part, index) => {
      const [tag = '', ...parameters] = part.trim().split(';');
      const q = parameters.map((p) => /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(p)?.[1]).find(Boolean);
      return { base: tag.trim().toLowerCase().split('-')[0] ?? '', q: q === undefined ? 1 : Number(q), index };
    })
    .filter((w) => w.q > 0 && isLanguage(w.base))
    .sort((a, b) => b.q - a.q || a.index - b.index);
  return wanted[0]?.base as Language | undefined;
}
