import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogue, type Catalogue, languages, negotiateLanguage, translator } from '../src/lib/i18n.js';
import { templatesDir } from '../src/lib/paths.js';
import { gcmObjectiveTitles, gcrAreas, gcrAreaTitles } from '../src/lib/references.js';

// The one message catalogue: the same messages in the three languages, with the same
// placeholders, and every key the pages use present.

const placeholders = (message: Catalogue[string]) =>
  [
    ...new Set(
      (typeof message === 'string' ? [message] : Object.values(message)).flatMap((m) => m!.match(/\{\w+\}/g) ?? []),
    ),
  ]
    .sort()
    .join(',');

describe('the message catalogue', () => {
  it('has the same keys in English, Spanish and French, each message with the same placeholders', () => {
    const english = catalogue('en');
    for (const lang of languages) {
      const other = catalogue(lang);
      expect(Object.keys(other).sort(), lang).toEqual(Object.keys(english).sort());
      for (const [key, message] of Object.entries(english)) {
        expect(placeholders(other[key]!), `${lang} ${key}`).toBe(placeholders(message));
        expect(typeof other[key], `${lang} ${key}`).toBe(typeof message);
        if (typeof message !== 'string') expect(other[key]).toHaveProperty('other');
      }
    }
  });

  it('has no empty message, and says in English only what is the same word in the language', () => {
    // Names, and words that French or Spanish write as English does.
    const sameAsEnglish = new Set([
      'es site.name',
      'es layout.errorPrefix',
      'es language.en',
      'es language.es',
      'es language.fr',
      'es review.comment.general',
      'fr site.name',
      'fr language.en',
      'fr language.es',
      'fr language.fr',
      'fr pledge.version',
      'fr pledge.versionNumber',
      'fr signatories.csv.version',
      'fr certificate.version',
      'fr certificate.signature',
      'fr diff.field.description',
      'fr review.endorsements.col.dates',
    ]);
    for (const lang of ['es', 'fr'] as const) {
      for (const [key, message] of Object.entries(catalogue(lang))) {
        expect(JSON.stringify(message).length, `${lang} ${key}`).toBeGreaterThan(2);
        const same = JSON.stringify(message) === JSON.stringify(catalogue('en')[key]);
        if (!key.startsWith('region.')) expect(same, `${lang} ${key}`).toBe(sameAsEnglish.has(`${lang} ${key}`));
      }
    }
  });

  it('holds every key that a template or the portal’s code asks for', () => {
    const english = catalogue('en');
    const sources = [
      ...readdirSync(join(templatesDir, 'web'), { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.eta'))
        .map((f) => readFileSync(join(templatesDir, 'web', f), 'utf8')),
    ];
    const asked = sources.flatMap((s) => [...s.matchAll(/\bt\('([a-zA-Z0-9_.]*[a-zA-Z0-9_])'/g)].map((m) => m[1]!));
    expect(asked.length).toBeGreaterThan(50);
    for (const key of asked) expect(english, key).toHaveProperty([key]);
  });

  it('names the GCM objectives and GCR areas in English as the reference lists do, and in the other two', () => {
    for (const [n, title] of Object.entries(gcmObjectiveTitles)) {
      expect(translator('en').t(`gcm.${n}` as never)).toBe(title);
      expect(translator('es').t(`gcm.${n}` as never)).not.toBe(title);
      expect(translator('fr').t(`gcm.${n}` as never)).not.toBe(title);
    }
    for (const area of gcrAreas) expect(translator('en').t(`gcr.${area}` as never)).toBe(gcrAreaTitles[area]);
  });
});

describe('a translator', () => {
  it('fills placeholders, formats numbers and chooses plural forms by the language’s rules', () => {
    expect(translator('en').t('signatories.count', { count: 1 })).toBe('1 signatory');
    expect(translator('en').t('signatories.count', { count: 1234 })).toBe('1,234 signatories');
    expect(translator('es').t('signatories.count', { count: 1234 })).toBe('1234 firmantes');
    // French groups thousands with a narrow no-break space, and puts a no-break space before a unit.
    expect(translator('fr').t('signatories.count', { count: 12345 })).toBe('12\u202f345 signataires');
    // French counts 0 with the singular.
    expect(translator('fr').t('signatories.count', { count: 0 })).toBe('0 signataire');
    expect(translator('en').t('signatories.count', { count: 0 })).toBe('0 signatories');
  });

  it('says a wait in words, rounded up', () => {
    expect(translator('en').duration(900)).toBe('15 minutes');
    expect(translator('en').duration(61)).toBe('2 minutes');
    expect(translator('es').duration(899)).toBe('15 minutos');
    expect(translator('fr').duration(30)).toBe('30\u00a0secondes');
    expect(translator('en').duration(3600)).toBe('1 hour');
  });

  it('writes dates the way each language does, in UTC', () => {
    const date = new Date('2026-03-01T23:30:00Z');
    expect(translator('en').date(date)).toBe('1 March 2026');
    expect(translator('es').date(date)).toBe('1 de marzo de 2026');
    expect(translator('fr').date(date)).toBe('1 mars 2026');
    expect(translator('en').shortDate(date)).toBe('1 Mar');
    expect(translator('en').shortDate(date, true)).toBe('1 Mar 2026');
  });

  it('picks a text in its language, or in English saying so', () => {
    expect(translator('es').pick({ en: 'Housing', es: 'Vivienda' })).toEqual({ text: 'Vivienda', lang: 'es' });
    expect(translator('fr').pick({ en: 'Housing', es: 'Vivienda' })).toEqual({ text: 'Housing', lang: 'en' });
  });
});

describe('Accept-Language', () => {
  it.each([
    ['es-EC,es;q=0.9,en;q=0.5', 'es'],
    ['de-DE,de;q=0.9,fr;q=0.8,en;q=0.7', 'fr'],
    ['en;q=0.2, fr-CA;q=0.9', 'fr'],
    ['FR', 'fr'],
    ['*', undefined],
    ['fr;q=0, es;q=0.1', 'es'],
    ['de, it', undefined],
    ['', undefined],
    ['es;q=abc', 'es'],
  ])('%j asks for %s', (header, expected) => {
    expect(negotiateLanguage(header)).toBe(expected);
  });
});
