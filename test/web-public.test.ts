import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPledge } from '../src/modules/pledges/pledges.service.js';
import { SIGNATORIES_PER_PAGE } from '../src/web/public.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createCity, createSecretariat, type TestUser } from './helpers/factories.js';
import { createPublishedPledge } from './helpers/pledge-factories.js';
import { errorSummary, fieldError, h1Of, textOf, WebClient } from './helpers/web.js';
import { verifiedSignatory } from './helpers/web-fixtures.js';

// Anyone's pages: the published pledges with their counts, a pledge's text in the reader's
// language, and the list of verified signatories with its filters, paging and CSV.

let t: TestApp;
let secretariat: TestUser;
let slug: string;
let contentHash: string;
let draftSlug: string;
const visitor = () => new WebClient(() => t.app);

beforeAll(async () => {
  t = await buildTestApp();
  secretariat = await createSecretariat(t);
  ({ slug, contentHash } = await createPublishedPledge(t, { areaKeys: ['governance', 'economy', 'climate'] }));
  draftSlug = `draft-${slug}`;
  await createPledge(t.system, { slug: draftSlug, title: { en: 'A draft nobody may read yet' } });
  await verifiedSignatory(t, secretariat, slug, { country: 'EC', name: 'Quito Web', networks: ['MMC'] });
  await verifiedSignatory(t, secretariat, slug, {
    country: 'FR',
    name: 'Strasbourg Web',
    networks: ['UCLG'],
    areaKeys: ['climate'],
    signatory: { name: '=HYPERLINK("http://x","y")', title: 'Maire' },
  });
  await verifiedSignatory(t, secretariat, slug, {
    country: 'KE',
    name: 'Nairobi Web',
    networks: ['MMC', 'Metropolis'],
    areaKeys: ['economy', 'climate'],
  });
  // Submitted but not verified: on no public page.
  await t.app.inject({
    method: 'POST',
    url: `/api/v1/pledges/${slug}/endorsements`,
    headers: secretariat.headers,
    payload: {
      cityId: (await createCity(t, { country: 'PL', name: 'Kraków Web' })).id,
      versionNumber: 1,
      scope: 'whole',
      signatory: { name: 'Not yet', title: 'Mayor' },
      language: 'en',
    },
  });
});
afterAll(async () => t.close());

describe('the home page', () => {
  it('lists the published pledges with their verified signatories, and no draft', async () => {
    const page = await visitor().get('/');
    expect(page.statusCode).toBe(200);
    const text = textOf(page.body);
    expect(text).toContain(`Pledge ${slug} Version 1 · published on`);
    expect(text).toContain('Endorsed by 3 cities and regions');
    expect(page.body).toContain(`<a href="/pledges/${slug}/signatories">See who has endorsed it`);
    expect(text).not.toContain('A draft nobody may read yet');
  });
});

describe('a pledge’s page', () => {
  it('shows the published text: each area with commitments and references, the version, hash and counts', async () => {
    const page = await visitor().get(`/pledges/${slug}`);
    expect(page.statusCode).toBe(200);
    expect(h1Of(page.body)).toBe(`Pledge ${slug}`);
    const text = textOf(page.body);
    expect(text).toContain('Version 1, published on');
    expect(text).toContain('3 verified endorsements');
    expect(page.body).toContain(`<code class="hash">${contentHash}</code>`);
    expect(text).toContain('1. Area governance Endorsed by 1 city or region What governance is about.');
    expect(text).toContain('2. Area economy Endorsed by 2 cities and regions');
    expect(text).toContain('3. Area climate Endorsed by 3 cities and regions');
    expect(text).toContain('Commitments Act on climate.');
    expect(text).toContain('Global Compact for Migration objectives Objective 15: Provide access to basic services');
    expect(text).toContain('Sustainable Development Goal targets Target 10.7');
    expect(page.body).toContain('<a href="#area-climate">Area climate</a>');
  });

  it('reads in Spanish, the untranslated parts shown in English and marked as English', async () => {
    const page = await visitor().get(`/pledges/${slug}?lang=es`);
    expect(h1Of(page.body)).toBe(`Compromiso ${slug}`);
    const text = textOf(page.body);
    expect(text).toContain('Partes de este texto aún no se han traducido y se muestran en inglés.');
    expect(text).toContain('3. Área climate Suscrita por 3 ciudades y regiones');
    expect(text).toContain('Objetivo 15: Proporcionar a los migrantes acceso a servicios básicos');
    expect(text).toContain('Meta 10.7');
    expect(page.body).toContain('<div class="prose" lang="en">\n    <p>What climate is about.</p>');
    expect(page.body).toContain('<li lang="en">Act on climate.</li>');
  });

  it('is the 404 page for a pledge with no published version', async () => {
    const page = await visitor().get(`/pledges/${draftSlug}`);
    expect(page.statusCode).toBe(404);
    expect(h1Of(page.body)).toBe('Page not found');
    expect(page.body).not.toContain('A draft nobody may read yet');
  });
});

/** The cities named in the list's rows. */
const citiesIn = (html: string) => [...html.matchAll(/data-label="City or region"><strong>([^<]+)</g)].map((m) => m[1]);

describe('the signatories page', () => {
  it('lists the verified signatories, newest first, with what they endorsed and who signed', async () => {
    const page = await visitor().get(`/pledges/${slug}/signatories`);
    expect(page.statusCode).toBe(200);
    expect(citiesIn(page.body)).toEqual(['Nairobi Web', 'Strasbourg Web', 'Quito Web']);
    const text = textOf(page.body);
    expect(text).toContain('3 signatories · showing 1 to 3');
    expect(text).toContain('Quito Web Ecuador Americas The whole pledge Version 1 Mayor of Quito Web Mayor');
    expect(text).toContain('Nairobi Web Kenya Africa Area economy Area climate Version 1');
    expect(page.body).toContain(`href="/pledges/${slug}/signatories.csv" download>Download this list (CSV)`);
  });

  it.each([
    ['region=Europe', ['Strasbourg Web']],
    ['country=KE', ['Nairobi Web']],
    ['area=economy', ['Nairobi Web', 'Quito Web']],
    ['network=mmc', ['Nairobi Web', 'Quito Web']],
    ['network=MMC&region=Africa&area=climate', ['Nairobi Web']],
    ['region=Oceania', []],
  ])('filters by %s', async (query, cities) => {
    const page = await visitor().get(`/pledges/${slug}/signatories?${query}`);
    expect(page.statusCode).toBe(200);
    expect(citiesIn(page.body)).toEqual(cities);
    const text = textOf(page.body);
    if (cities.length === 0) expect(text).toContain('0 signatories match the filters');
    if (cities.length === 0) expect(text).toContain('No signatory matches these filters.');
    else expect(text).toContain(`${cities.length} ${cities.length === 1 ? 'signatory matches' : 'signatories match'}`);
    // The chosen values stay chosen, and the CSV link carries the same filters.
    const wanted = new URLSearchParams(query.replace('mmc', 'MMC'));
    for (const [, value] of wanted) expect(page.body).toMatch(new RegExp(`<option value="${value}" selected`));
    const csv = /href="[^"?]+\.csv\?([^"]+)" download/.exec(page.body)?.[1]?.replace(/&amp;/g, '&');
    expect(Object.fromEntries(new URLSearchParams(csv))).toEqual(Object.fromEntries(wanted));
    expect(text).toContain('Clear filters');
  });

  it('says which filter is not one of its choices, and lists without it', async () => {
    const page = await visitor().get(`/pledges/${slug}/signatories?region=Mars&area=nowhere&network=NOPE&country=XX`);
    expect(page.statusCode).toBe(400);
    expect(errorSummary(page.body)).toEqual([
      ['region', 'Choose a region from the list'],
      ['country', 'Choose a country from the list'],
      ['area', 'Choose an action area from the list'],
      ['network', 'Choose a network from the list'],
    ]);
    expect(fieldError(page.body, 'region')).toBe('Choose a region from the list');
    expect(citiesIn(page.body)).toHaveLength(3);
  });

  it('filters and reads in Spanish', async () => {
    const page = await visitor().get(`/pledges/${slug}/signatories?lang=es&region=Africa`);
    const text = textOf(page.body);
    expect(h1Of(page.body)).toBe('Firmantes');
    expect(text).toContain('1 firmante coincide con los filtros');
    expect(text).toContain('Nairobi Web Kenia África Área economy Área climate Versión 1');
    expect(page.body).toContain('<option value="Africa" selected>África</option>');
  });

  it('gives the list as CSV, filtered, in the reader’s language, its cells safe in a spreadsheet', async () => {
    const res = await visitor().get(`/pledges/${slug}/signatories.csv?region=Europe&lang=fr`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="${slug}-signatories-fr.csv"`);
    expect(res.body.startsWith('\uFEFF')).toBe(true);
    const rows = parse(res.body.slice(1)) as string[][];
    expect(rows[0]).toEqual([
      'Ville ou région',
      'Code du pays',
      'Pays',
      'Région',
      'Adhésion',
      'Domaines d’action',
      'Version',
      'Signataire',
      'Fonction du signataire',
      'Langue',
      'Vérifié le',
    ]);
    expect(rows.slice(1)).toEqual([
      [
        'Strasbourg Web',
        'FR',
        'France',
        'Europe',
        'Domaines d’action choisis',
        'Domaine climate',
        '1',
        `'=HYPERLINK("http://x","y")`,
        'Maire',
        'en',
        new Date().toISOString().slice(0, 10),
      ],
    ]);
  });
});

describe('paging through the signatories', () => {
  let pagedSlug: string;
  beforeAll(async () => {
    ({ slug: pagedSlug } = await createPublishedPledge(t, { areaKeys: ['governance'] }));
    for (let i = 0; i < SIGNATORIES_PER_PAGE + 2; i++)
      await verifiedSignatory(t, secretariat, pagedSlug, { country: 'CL', name: `Paged ${i}` });
  }, 120_000);

  it('pages with a next link, says which rows are shown, and goes back to the first page', async () => {
    const browser = visitor();
    const first = await browser.get(`/pledges/${pagedSlug}/signatories`);
    expect(citiesIn(first.body)).toHaveLength(SIGNATORIES_PER_PAGE);
    expect(textOf(first.body)).toContain(`52 signatories · showing 1 to ${SIGNATORIES_PER_PAGE}`);
    const next = /<a href="([^"]+)" rel="next">Next page<\/a>/.exec(first.body)?.[1]?.replace(/&amp;/g, '&');
    expect(next).toBeDefined();
    const second = await browser.get(next!);
    expect(citiesIn(second.body)).toEqual(['Paged 1', 'Paged 0']);
    expect(textOf(second.body)).toContain('52 signatories · showing 51 to 52');
    expect(second.body).not.toContain('rel="next"');
    expect(second.body).toContain(`<a href="/pledges/${pagedSlug}/signatories">First page</a>`);
  });

  it('takes a made-up cursor as a request it cannot understand', async () => {
    const page = await visitor().get(`/pledges/${pagedSlug}/signatories?cursor=not-a-cursor&page=2`);
    expect(page.statusCode).toBe(400);
    expect(h1Of(page.body)).toBe('This request could not be understood');
  });
});
