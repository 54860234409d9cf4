import { and, desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, cities } from '../src/db/schema/index.js';
import { getCity } from '../src/modules/cities/index.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createCity, createSecretariat, type TestUser, unique } from './helpers/factories.js';
import { errorSummary, fieldError, h1Of, inputValue, textOf, type WebClient } from './helpers/web.js';
import { secretariatContext, signedInAs } from './helpers/web-city.js';

// The secretariat's cities, networks and audit log over app.inject: adding and changing a city
// (the service's rules said beside the fields), the CSV import (a bad line in the report's table,
// the others saved, as the API's import does), a network's members, the audit log's filters and
// "Verify chain".

let t: TestApp;
let staff: TestUser;
let browser: WebClient;

beforeAll(async () => {
  t = await buildTestApp();
  staff = await createSecretariat(t);
  browser = await signedInAs(t, staff);
});
afterAll(async () => t.close());

const cityNamed = async (name: string) => (await t.db.select().from(cities).where(eq(cities.name, name)))[0];

/** The rows of a page's first table, each as its cells' text. */
function tableRows(html: string): string[][] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) =>
    [...row[1]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((cell) => textOf(cell[1]!)),
  );
}

async function upload(csv: string | Buffer) {
  const form = await browser.get('/secretariat/cities/import');
  const data = typeof csv === 'string' ? Buffer.from(csv) : csv;
  return browser.postMultipart(
    '/secretariat/cities/import',
    [{ name: 'file', filename: 'cities.csv', type: 'text/csv', data }],
    form,
  );
}

describe('adding and changing a city', () => {
  it('keeps the answers and says each problem beside its field', async () => {
    const form = await browser.get('/secretariat/cities/new');
    expect(h1Of(form.body)).toBe('Add a city');
    expect(form.body).toContain('<option value="EC">Ecuador</option>');
    const res = await browser.post(
      '/secretariat/cities/new',
      { name: 'Cuenca', country: '', kind: 'city', population: 'many', preferredLanguage: 'es' },
      { csrfFrom: form },
    );
    expect(res.statusCode).toBe(400);
    expect(errorSummary(res.body)).toEqual([
      ['country', 'Choose the country'],
      ['population', 'Enter the population as a whole number, or leave it empty'],
    ]);
    expect(inputValue(res.body, 'name')).toBe('Cuenca');
    expect(inputValue(res.body, 'population')).toBe('many');
  });

  it('adds a city with its networks, in the page’s language, and says a name taken in words', async () => {
    const name = unique('Medellín ');
    const form = await browser.get('/secretariat/cities/new?lang=es');
    expect(form.body).toContain('<option value="CO">Colombia</option>');
    const res = await browser.post(
      '/secretariat/cities/new',
      {
        name,
        country: 'CO',
        kind: 'city',
        region: '',
        population: '2 500 000',
        preferredLanguage: 'es',
        networks: 'MMC',
      },
      { csrfFrom: form },
    );
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/secretariat/cities?q=${encodeURIComponent(name)}&notice=created`);
    const saved = await getCity(secretariatContext(t, staff), (await cityNamed(name))!.id);
    expect(saved).toMatchObject({ country: 'CO', region: 'Americas', population: 2_500_000, networks: ['MMC'] });
    const list = textOf((await browser.get(res.headers.location as string)).body);
    expect(list).toContain('La ciudad se ha añadido.');
    expect(list).toContain(`${name} Colombia Américas Ciudad MMC`);
    await browser.get('/secretariat/cities?lang=en');

    const again = await browser.post(
      '/secretariat/cities/new',
      { name: name.toUpperCase(), country: 'CO', kind: 'city', preferredLanguage: 'es' },
      { csrfFrom: form },
    );
    expect(again.statusCode).toBe(409);
    expect(errorSummary(again.body)).toEqual([['name', 'This country already has a city of this name']]);
  });

  it('changes a city: the form shows it as it is, and an empty population is cleared', async () => {
    const city = await createCity(t, { name: unique('Edited '), population: 1000, networks: ['UCLG'] });
    const form = await browser.get(`/secretariat/cities/${city.id}`);
    expect(h1Of(form.body)).toBe(`Change ${city.name}`);
    expect(inputValue(form.body, 'population')).toBe('1000');
    expect(form.body).toMatch(/value="UCLG" id="networks-UCLG" checked>/);
    const res = await browser.post(
      `/secretariat/cities/${city.id}`,
      { name: city.name, country: 'EC', kind: 'municipality', region: '', population: '', preferredLanguage: 'fr' },
      { csrfFrom: form },
    );
    expect(res.statusCode).toBe(303);
    expect(await getCity(secretariatContext(t, staff), city.id)).toMatchObject({
      kind: 'municipality',
      population: null,
      preferredLanguage: 'fr',
      networks: [],
    });
    expect((await browser.get('/secretariat/cities/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
  });
});

describe('importing cities from a CSV file', () => {
  it('saves the good lines and reports the bad one in a table: line, column, problem', async () => {
    const tag = unique('Imp');
    const existing = await createCity(t, { name: `${tag} Known`, country: 'PE' });
    const res = await upload(
      [
        'name,country,kind,networks',
        `${tag} Alpha,EC,city,MMC`,
        `${tag} Nowhere,XX,city,`,
        `${tag} Known,PE,municipality,`,
        `${tag} Beta,FR,region,UCLG`,
      ].join('\n'),
    );
    expect(res.statusCode).toBe(200);
    const text = textOf(res.body);
    expect(text).toContain('2 cities added');
    expect(text).toContain('1 city changed');
    expect(text).toContain('1 line left out: see the table below');
    expect(tableRows(res.body)).toEqual([
      ['3', 'country', '“XX” is not a country code: use the two-letter ISO 3166-1 code, such as EC or FR'],
    ]);
    expect(await cityNamed(`${tag} Alpha`)).toMatchObject({ country: 'EC' });
    expect(await cityNamed(`${tag} Beta`)).toMatchObject({ country: 'FR', kind: 'region' });
    expect(await cityNamed(`${tag} Nowhere`)).toBeUndefined();
    expect(await cityNamed(existing.name)).toMatchObject({ kind: 'municipality' });
  });

  it('says the problems in the page’s language', async () => {
    await browser.get('/secretariat/cities/import?lang=fr');
    try {
      const res = await upload(['name,country,kind', 'Solo,EC', `${unique('Ok')},EC,city`].join('\n'));
      expect(textOf(res.body)).toContain('1 ville ajoutée');
      expect(tableRows(res.body)).toEqual([
        ['2', 'toute la ligne', 'La ligne a 2 cellules là où la première ligne nomme 3 colonnes'],
      ]);
    } finally {
      await browser.get('/secretariat/cities/import?lang=en');
    }
  });

  it('refuses a file it cannot read as a whole, in words, and asks for a file when there is none', async () => {
    const missing = await upload('name,country\nLima,PE\n');
    expect(missing.statusCode).toBe(400);
    expect(errorSummary(missing.body)).toEqual([
      ['file', 'The first line must also name the columns kind. Nothing was imported.'],
    ]);
    const unknown = await upload('name,country,kind,mayor\n');
    expect(fieldError(unknown.body, 'file')).toBe(
      'The first line names columns that are not known: mayor. Nothing was imported.',
    );
    const latin1 = await upload(Buffer.from('name,country,kind\nS\xe3o Paulo,BR,city\n', 'latin1'));
    expect(errorSummary(latin1.body)).toEqual([
      ['file', 'The file must be text in UTF-8: save it again as “CSV UTF-8”'],
    ]);
    const form = await browser.get('/secretariat/cities/import');
    const none = await browser.postMultipart('/secretariat/cities/import', [], form);
    expect(errorSummary(none.body)).toEqual([['file', 'Choose a CSV file to import']]);
  });
});

describe('a network’s members', () => {
  it('adds a member found by name and removes it, through the city’s networks (audited)', async () => {
    const city = await createCity(t, { name: unique('Memberville '), country: 'KE' });
    const page = await browser.get(`/secretariat/networks/metropolis?q=${encodeURIComponent(city.name)}`);
    expect(page.statusCode).toBe(200);
    expect(h1Of(page.body)).toBe('Metropolis');
    const add = await browser.post(`/secretariat/networks/Metropolis/members`, { cityId: city.id }, { csrfFrom: page });
    expect(add.statusCode).toBe(303);
    expect(add.headers.location).toBe('/secretariat/networks/Metropolis?notice=added');
    expect((await getCity(secretariatContext(t, staff), city.id)).networks).toEqual(['Metropolis']);
    const after = await browser.get(add.headers.location as string);
    expect(textOf(after.body)).toContain('The city is now a member of the network.');
    expect(tableRows(after.body).map((r) => r[0])).toContain(city.name);
    expect(textOf((await browser.get('/secretariat/networks')).body)).toContain(`${city.name} (KE)`);

    const remove = await browser.post(
      `/secretariat/networks/Metropolis/members/remove`,
      { cityId: city.id },
      { csrfFrom: after },
    );
    expect(remove.headers.location).toBe('/secretariat/networks/Metropolis?notice=removed');
    expect((await getCity(secretariatContext(t, staff), city.id)).networks).toEqual([]);
    const [event] = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'city.updated'), eq(auditEvents.entityId, city.id)))
      .orderBy(desc(auditEvents.seq));
    expect(event).toMatchObject({ actorId: staff.id });
    expect((await browser.get('/secretariat/networks/NOPE')).statusCode).toBe(404);
  });

  it('adds a network, and says a code taken in words', async () => {
    const code = unique('N').replace(/[^A-Za-z0-9]/g, '');
    const form = await browser.get('/secretariat/networks');
    const res = await browser.post('/secretariat/networks', { code, name: 'Cities Together' }, { csrfFrom: form });
    expect(res.headers.location).toBe(`/secretariat/networks/${code}?notice=created`);
    const taken = await browser.post('/secretariat/networks', { code: 'mmc', name: 'Again' }, { csrfFrom: form });
    expect(taken.statusCode).toBe(409);
    expect(errorSummary(taken.body)).toEqual([['code', 'A network with this code already exists']]);
    const bad = await browser.post('/secretariat/networks', { code: '1', name: '' }, { csrfFrom: form });
    expect(errorSummary(bad.body).map(([field]) => field)).toEqual(['code', 'name']);
  });
});

describe('the audit log', () => {
  it('filters by action, actor and days, newest first, and says a bad filter beside its field', async () => {
    const city = await createCity(t, { name: unique('Audited ') });
    const form = await browser.get(`/secretariat/cities/${city.id}`);
    await browser.post(
      `/secretariat/cities/${city.id}`,
      { name: city.name, country: 'EC', kind: 'region', preferredLanguage: 'en' },
      { csrfFrom: form },
    );
    const today = new Date().toISOString().slice(0, 10);
    const page = await browser.get(
      `/secretariat/audit?action=city.updated&actor=${encodeURIComponent(staff.email)}&from=${today}&to=${today}`,
    );
    expect(page.statusCode).toBe(200);
    const rows = tableRows(page.body);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row[2]).toMatch(/^city\.updated /);
    expect(rows[0]![1]).toContain(`Test secretariat (${staff.email})`);
    expect(rows[0]![3]).toContain(city.id);

    const bad = await browser.get('/secretariat/audit?actor=nobody@example.org&from=2026-13-01&to=2020-01-01');
    expect(bad.statusCode).toBe(400);
    expect(errorSummary(bad.body)).toEqual([
      ['actor', 'No account has this email address'],
      ['from', 'Enter a date as year-month-day, such as 2026-03-12'],
    ]);
    const range = await browser.get('/secretariat/audit?from=2026-02-02&to=2026-02-01');
    expect(errorSummary(range.body)).toEqual([['to', 'The end date must be on or after the start date']]);
    const none = await browser.get('/secretariat/audit?from=2001-01-01&to=2001-01-02');
    expect(textOf(none.body)).toContain('No event matches these filters.');
  });

  it('"Verify chain" answers in words: intact, with the count of events checked', async () => {
    const page = await browser.get('/secretariat/audit');
    const res = await browser.post('/secretariat/audit', {}, { csrfFrom: page });
    expect(res.statusCode).toBe(200);
    const checked = await t.db.$count(auditEvents);
    const text = textOf(res.body);
    expect(text).toContain('The chain is intact');
    expect(text).toContain(`${checked.toLocaleString('en-GB')} events checked: each links to the one before it`);
  });
});
