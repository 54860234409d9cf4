import { describe, expect, it } from 'vitest';
import { countryName } from '../src/lib/countries.js';
import { renderSummaryPdf, type SummaryInput } from '../src/modules/reports/summary.pdf.js';
import { overlappingWords, pdftotextMissing, pdfWords } from './helpers/pdf-words.js';

// The briefing's signatory table with the names that used to run into the next row: long city and
// country names, long dates in Spanish, areas as "n of N"; enough rows for the table to go on over
// pages. poppler lays out every word; no two words' boxes may overlap.

const missing = pdftotextMissing();
if (missing) console.warn(`summary-pdf-layout: skipped: ${missing}`);

const places: Array<[string, string, string]> = [
  ['Ciudad Autónoma de Buenos Aires', 'AR', 'Americas'],
  ['Washington, District of Columbia', 'US', 'Americas'],
  ['Abidjan', 'CI', 'Africa'],
  ['São Tomé', 'ST', 'Africa'],
  ['Saint-Denis de La Réunion', 'RE', 'Africa'],
  ['Kinshasa', 'CD', 'Africa'],
  ['Kingstown', 'VC', 'Americas'],
  ['Llanfairpwllgwyngyllgogerychwyndrobwllllantysiliogogogoch', 'GB', 'Europe'],
  ['Київ', 'UA', 'Europe'],
  ['Αθήνα', 'GR', 'Europe'],
];

function input(): SummaryInput {
  const signatories = Array.from({ length: 70 }, (_, i) => {
    const [city, country, region] = places[i % places.length]!;
    return {
      city: i < places.length ? city : `${city} ${i}`,
      country,
      region,
      scope: i % 3 === 0 ? 'whole' : 'areas',
      areas: { endorsed: 1 + (i % 5), of: 6 },
      // September's long names, each day a different width.
      verifiedAt: new Date(Date.UTC(2020, 8, 1 + (i % 30), 12)).toISOString(),
    };
  });
  return {
    pledgeTitle: 'Quito City Action Pledge',
    summary: {
      totals: { endorsements: 70, verified: 70, cities: 70, countries: 9 },
      byArea: [{ key: 'governance', count: 40 }],
      byRegion: [
        { key: 'Africa', count: 28 },
        { key: 'Europe', count: 21 },
        { key: 'Americas', count: 21 },
      ],
      byCountry: [],
      byNetwork: [],
      byStatus: [{ key: 'verified', count: 70 }],
      byVersion: [{ key: '1', count: 70 }],
      timeline: [
        { date: '2020-01-20', count: 30 },
        { date: '2020-01-27', count: 40 },
      ],
    },
    areaTitles: { governance: 'Migration governance' },
    signatories,
    moreSignatories: 12,
    generatedAt: new Date('2026-11-29T08:00:00Z'),
  };
}

describe.skipIf(missing)('the briefing PDF', () => {
  it.each(['en', 'es', 'fr'] as const)('lays out the signatory table in %s with no words overlapping', async (lang) => {
    const words = pdfWords(await renderSummaryPdf(input(), lang));
    expect(overlappingWords(words)).toEqual([]);

    const pages = new Set(words.map((w) => w.page));
    expect(pages.size).toBeGreaterThanOrEqual(3);
    const text = (page: number) =>
      words
        .filter((w) => w.page === page)
        .map((w) => w.text)
        .join(' ');
    // The headings again on each page the table goes on to (every page with a row's date).
    const heading = { en: 'Verified on', es: 'Verificada el', fr: 'Vérifiée le' }[lang];
    const tablePages = [...pages].filter((p) => p >= 2 && text(p).includes('2020'));
    expect(tablePages.length).toBeGreaterThanOrEqual(2);
    for (const page of tablePages) expect(text(page)).toContain(heading);
    // The country names whole, with their own letters, in the page's language; areas as "n of N".
    const all = [...pages].map(text).join(' ');
    for (const code of ['US', 'CI', 'ST']) expect(all).toContain(countryName(code, lang));
    expect(all).toContain({ en: '2 of 6', es: '2 de 6', fr: '2 sur 6' }[lang]);
    expect(all).toContain({ en: 'September 2, 2020', es: '2 de septiembre de 2020', fr: '2 septembre 2020' }[lang]);
  });
});
