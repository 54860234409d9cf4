import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createCityOfficial, createReviewer, createSecretariat, type TestUser, unique } from './helpers/factories.js';

interface City {
  id: string;
  name: string;
  country: string;
  kind: string;
  region: string;
  population: number | null;
  latitude: number | null;
  longitude: number | null;
  networks: string[];
  preferredLanguage: string;
}
interface ImportResult {
  created: number;
  updated: number;
  errors: Array<{ line: number; message: string }>;
}
interface Problem {
  status: number;
  code: string;
  detail: string;
  errors?: Array<{ path: string; message: string }>;
}

let t: TestApp;
let admin: TestUser;
beforeAll(async () => {
  t = await buildTestApp();
  admin = await createSecretariat(t);
});
afterAll(async () => t.close());

const importCsv = (csv: string, user: { headers: Record<string, string> } = admin, contentType = 'text/csv') =>
  t.app.inject({
    method: 'POST',
    url: '/api/v1/cities/import',
    headers: { ...user.headers, 'content-type': contentType },
    payload: csv,
  });

async function importOk(csv: string): Promise<ImportResult> {
  const res = await importCsv(csv);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<ImportResult>();
}

/** Every city whose name contains `q`. */
async function citiesNamed(q: string): Promise<City[]> {
  const res = await t.app.inject({
    method: 'GET',
    url: '/api/v1/cities',
    headers: admin.headers,
    query: { q, limit: '500' },
  });
  expect(res.statusCode, res.body).toBe(200);
  const page = res.json<{ items: City[]; nextCursor: string | null }>();
  expect(page.nextCursor).toBeNull();
  return page.items;
}

const byName = (cities: City[], name: string) => cities.find((c) => c.name === name);
const sorted = (values: string[]) => [...values].sort();

/** A file from lines; the line number of lines[i] is i + 1 (the header is line 1). */
const csvOf = (lines: string[], eol = '\n') => lines.join(eol) + eol;

describe('POST /cities/import: good and bad lines', () => {
  it('saves the good lines and reports each bad one with its file line number', async () => {
    const tag = unique('Mix');
    const lines: Array<{ text: string; bad?: RegExp }> = [
      { text: 'name,country,kind,networks' },
      { text: `${tag} Alpha,EC,city,MMC` },
      { text: `${tag} Bad Country,XX,city,`, bad: /country/i },
      { text: ',EC,city,', bad: /name/i },
      { text: `${tag} Bad Kind,EC,village,`, bad: /kind/i },
      { text: `${tag} Too Many,EC,city,MMC,extra`, bad: /cells/i },
      { text: `${tag} Too Few,EC`, bad: /cells/i },
      { text: `${tag} Unknown Net,EC,city,NOPE`, bad: /nope/i },
      { text: `"${tag} Bad"Quote,EC,city,`, bad: /csv|quote/i },
      { text: `${tag} Beta,pl,municipality,UCLG;gpm` },
      { text: `${tag} Stray"Quote,EC,city,`, bad: /csv|quote/i },
      { text: `"${tag} Hello, World",UG,region,` },
      { text: `${tag} Delta,EC,city,` },
      { text: `${tag} Gamma,JO,metropolitan_area, MMC ; Metropolis ` },
      { text: `"${tag} Unclosed,EC,city,`, bad: /csv|quote/i },
    ];
    const result = await importOk(csvOf(lines.map((l) => l.text)));

    const expectedBad = lines.flatMap((l, i) => (l.bad ? [{ line: i + 1, bad: l.bad }] : []));
    expect(result.errors.map((e) => e.line)).toEqual(expectedBad.map((e) => e.line));
    for (const [i, error] of result.errors.entries()) {
      expect(error.message, `line ${error.line}: ${error.message}`).toMatch(expectedBad[i]!.bad);
    }
    const goodCount = lines.length - 1 - expectedBad.length;
    expect(result).toMatchObject({ created: goodCount, updated: 0 });

    const saved = await citiesNamed(tag);
    expect(sorted(saved.map((c) => c.name))).toEqual(
      sorted([`${tag} Alpha`, `${tag} Beta`, `${tag} Hello, World`, `${tag} Delta`, `${tag} Gamma`]),
    );
    expect(byName(saved, `${tag} Alpha`)).toMatchObject({
      country: 'EC',
      kind: 'city',
      region: 'Americas',
      networks: ['MMC'],
    });
    expect(byName(saved, `${tag} Beta`)).toMatchObject({ country: 'PL', kind: 'municipality', region: 'Europe' });
    expect(sorted(byName(saved, `${tag} Beta`)!.networks)).toEqual(['GPM', 'UCLG']);
    expect(byName(saved, `${tag} Hello, World`)).toMatchObject({ country: 'UG', kind: 'region', networks: [] });
    expect(sorted(byName(saved, `${tag} Gamma`)!.networks)).toEqual(sorted(['MMC', 'Metropolis']));
  });

  it('numbers lines the same with CRLF line endings and blank lines, and skips the blank ones', async () => {
    const tag = unique('Crlf');
    const lines = [
      'name,country,kind',
      `${tag} One,EC,city`,
      '',
      `${tag} Two,XX,city`,
      `"${tag} Broken"x,EC,city`,
      '',
      `${tag} Three,EC,city`,
    ];
    const result = await importOk(csvOf(lines, '\r\n'));
    expect(result.errors.map((e) => e.line)).toEqual([4, 5]);
    expect(result.created).toBe(2);
    expect(sorted((await citiesNamed(tag)).map((c) => c.name))).toEqual([`${tag} One`, `${tag} Three`]);
  });

  it('reads a quoted cell that spans lines, and numbers the lines after it by the file', async () => {
    const tag = unique('Multi');
    const csv = csvOf([
      'name,country,kind',
      `"${tag} Two`,
      `Lines",EC,city`,
      `${tag} Bad,EC,hamlet`,
      `${tag} After,EC,city`,
    ]);
    const result = await importOk(csv);
    expect(result.errors.map((e) => e.line)).toEqual([4]);
    expect(result.created).toBe(2);
    expect(sorted((await citiesNamed(tag)).map((c) => c.name))).toEqual(sorted([`${tag} Two\nLines`, `${tag} After`]));
  });

  it('maps header names without regard to case, spaces or aliases, and converts numbers', async () => {
    const tag = unique('Hdr');
    const csv = csvOf([
      ' Name ,COUNTRY,Kind,Region,Population,Lat,Lon,Preferred Language,Networks',
      `${tag} Lviv,UA,city,Asia,"1,234,567",49.84,24.03,fr,MMC`,
    ]);
    const result = await importOk(csv);
    expect(result).toEqual({ created: 1, updated: 0, errors: [] });
    const [city] = await citiesNamed(tag);
    expect(city).toMatchObject({
      name: `${tag} Lviv`,
      country: 'UA',
      kind: 'city',
      region: 'Asia',
      population: 1_234_567,
      latitude: 49.84,
      longitude: 24.03,
      preferredLanguage: 'fr',
      networks: ['MMC'],
    });
  });

  it('reports out-of-range and non-numeric values on their line', async () => {
    const tag = unique('Num');
    const csv = csvOf([
      'name,country,kind,latitude,longitude,population',
      `${tag} North,EC,city,91,0,1`,
      `${tag} East,EC,city,0,181,1`,
      `${tag} Many,EC,city,0,0,lots`,
      `${tag} Fine,EC,city,-90,180,0`,
    ]);
    const result = await importOk(csv);
    expect(result.errors.map((e) => e.line)).toEqual([2, 3, 4]);
    expect(result.errors[0]!.message).toMatch(/latitude/);
    expect(result.errors[1]!.message).toMatch(/longitude/);
    expect(result.errors[2]!.message).toMatch(/population/);
    expect((await citiesNamed(tag)).map((c) => c.name)).toEqual([`${tag} Fine`]);
  });

  it('keeps accents and other scripts', async () => {
    const tag = unique('Utf');
    const names = [`Bogotá ${tag}`, `São Paulo ${tag}`, `Kraków ${tag}`, `Αθήνα ${tag}`, `Київ ${tag}`];
    const countries = ['CO', 'BR', 'PL', 'GR', 'UA'];
    const result = await importOk(csvOf(['name,country,kind', ...names.map((n, i) => `${n},${countries[i]},city`)]));
    expect(result).toEqual({ created: 5, updated: 0, errors: [] });
    expect(sorted((await citiesNamed(tag)).map((c) => c.name))).toEqual(sorted(names));
  });

  it('accepts a byte order mark before the header', async () => {
    const tag = unique('Bom');
    const result = await importOk('\uFEFF' + csvOf(['name,country,kind', `${tag} Bom,EC,city`]));
    expect(result).toEqual({ created: 1, updated: 0, errors: [] });
    expect((await citiesNamed(tag)).map((c) => c.name)).toEqual([`${tag} Bom`]);
  });

  it('accepts application/csv and a charset parameter', async () => {
    const tag = unique('Type');
    for (const [i, type] of ['application/csv', 'text/csv; charset=utf-8', 'Text/CSV'].entries()) {
      const res = await importCsv(csvOf(['name,country,kind', `${tag} ${i},EC,city`]), admin, type);
      expect(res.statusCode, type).toBe(200);
      expect(res.json<ImportResult>().created).toBe(1);
    }
    expect(await citiesNamed(tag)).toHaveLength(3);
  });

  it('writes a city.created audit event marked as an import', async () => {
    const tag = unique('Aud');
    await importOk(csvOf(['name,country,kind', `${tag} Audited,EC,city`]));
    const [city] = await citiesNamed(tag);
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/audit?entityType=city&entityId=${city!.id}`,
      headers: admin.headers,
    });
    expect(res.json<{ items: unknown[] }>().items).toEqual([
      expect.objectContaining({
        action: 'city.created',
        actor: { id: admin.id, role: 'secretariat' },
        summary: expect.objectContaining({ via: 'import' }),
      }),
    ]);
  });
});

describe('POST /cities/import: re-imports update', () => {
  it('imports the same file twice: the second time creates nothing, updates every good line, duplicates nothing', async () => {
    const tag = unique('Twice');
    const csv = csvOf([
      'name,country,kind,population,networks',
      `${tag} Uno,EC,city,100,MMC`,
      `${tag} Dos,PL,city,200,`,
      `${tag} Bad,XX,city,1,`,
      `${tag} Tres,UG,region,300,UCLG;GPM`,
    ]);
    const first = await importOk(csv);
    expect(first).toMatchObject({ created: 3, updated: 0 });
    expect(first.errors.map((e) => e.line)).toEqual([4]);
    const afterFirst = await citiesNamed(tag);

    const second = await importOk(csv);
    expect(second).toMatchObject({ created: 0, updated: 3 });
    expect(second.errors.map((e) => e.line)).toEqual([4]);
    const afterSecond = await citiesNamed(tag);
    expect(afterSecond).toHaveLength(3);
    expect(sorted(afterSecond.map((c) => c.id))).toEqual(sorted(afterFirst.map((c) => c.id)));
    for (const city of afterSecond) {
      const before = afterFirst.find((c) => c.id === city.id)!;
      expect({ ...city, networks: sorted(city.networks) }).toMatchObject({
        name: before.name,
        country: before.country,
        population: before.population,
        networks: sorted(before.networks),
      });
    }
  });

  it('updates a city made through the API, matching country and name without regard to case', async () => {
    const tag = unique('Upd');
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/cities',
      headers: admin.headers,
      payload: {
        name: `${tag} Kraków`,
        country: 'PL',
        kind: 'city',
        population: 100,
        latitude: 50.06,
        networks: ['MMC'],
      },
    });
    expect(created.statusCode).toBe(201);
    const original = created.json<City>();

    const result = await importOk(
      csvOf([
        'name,country,kind,population,networks',
        `${tag.toUpperCase()} KRAKÓW,pl,metropolitan_area,800000,UCLG`,
        // The same name in another country is another city.
        `${tag} Kraków,EC,city,5,`,
      ]),
    );
    expect(result).toEqual({ created: 1, updated: 1, errors: [] });

    const matches = (await citiesNamed(tag)).filter((c) => c.country === 'PL');
    expect(matches).toHaveLength(1);
    const updated = matches[0]!;
    expect(updated.id).toBe(original.id);
    expect(updated.name.toLowerCase()).toBe(original.name.toLowerCase());
    expect(updated).toMatchObject({ kind: 'metropolitan_area', population: 800_000, networks: ['UCLG'] });
    // A column the file does not have is left as it was.
    expect(updated.latitude).toBe(50.06);

    const audit = await t.app.inject({
      method: 'GET',
      url: `/api/v1/audit?entityType=city&entityId=${original.id}`,
      headers: admin.headers,
    });
    expect(audit.json<{ items: Array<{ action: string; summary: Record<string, unknown> }> }>().items[0]).toMatchObject(
      {
        action: 'city.updated',
        summary: { via: 'import', before: { population: 100 }, after: { population: 800_000 } },
      },
    );
  });

  it('treats a repeated city within one file as one city, created then updated', async () => {
    const tag = unique('Rep');
    const result = await importOk(
      csvOf(['name,country,kind,population', `${tag} Lima,PE,city,1`, `${tag} LIMA,pe,city,2`]),
    );
    expect(result).toEqual({ created: 1, updated: 1, errors: [] });
    const cities = await citiesNamed(tag);
    expect(cities).toHaveLength(1);
    expect(cities[0]!.population).toBe(2);
  });
});

describe('POST /cities/import: refused files and callers', () => {
  it('needs a header row (a file that starts with data is refused with 400)', async () => {
    const tag = unique('NoHdr');
    const res = await importCsv(csvOf([`${tag} Quito,EC,city`, `${tag} Lima,PE,city`]));
    expect(res.statusCode).toBe(400);
    expect(res.json<Problem>().code).toBe('validation_failed');
    expect(await citiesNamed(tag)).toHaveLength(0);
  });

  it('refuses a header without a required column with 400 naming it', async () => {
    const tag = unique('Miss');
    const res = await importCsv(csvOf(['name,country', `${tag} X,EC`]));
    expect(res.statusCode).toBe(400);
    expect(JSON.stringify(res.json<Problem>())).toContain('kind');
    expect(await citiesNamed(tag)).toHaveLength(0);
  });

  it('refuses an unknown header column with 400 naming it, and saves nothing', async () => {
    const tag = unique('Unk');
    const res = await importCsv(csvOf(['name,country,kind,mayor', `${tag} X,EC,city,Someone`]));
    expect(res.statusCode).toBe(400);
    const body = res.json<Problem>();
    expect(body.code).toBe('validation_failed');
    expect(JSON.stringify(body)).toContain('mayor');
    expect(await citiesNamed(tag)).toHaveLength(0);
  });

  it('refuses a header row that is not readable CSV with 400', async () => {
    const tag = unique('BadHdr');
    const res = await importCsv(csvOf(['"name,country,kind', `${tag} X,EC,city`]));
    expect(res.statusCode).toBe(400);
    expect(res.json<Problem>().code).toBe('validation_failed');
    expect(await citiesNamed(tag)).toHaveLength(0);
  });

  it('answers a header with no lines after it with nothing done', async () => {
    expect(await importOk(csvOf(['name,country,kind']))).toEqual({ created: 0, updated: 0, errors: [] });
  });

  it('refuses an empty body with 400', async () => {
    for (const csv of ['', '\n', '\r\n\r\n', '\uFEFF']) {
      const res = await importCsv(csv);
      expect(res.statusCode, JSON.stringify(csv)).toBe(400);
      expect(res.json<Problem>().code).toBe('validation_failed');
    }
  });

  it('refuses a city official and a network reviewer with 403, and a caller without a token with 401', async () => {
    const tag = unique('Role');
    const csv = csvOf(['name,country,kind', `${tag} X,EC,city`]);
    const official = await createCityOfficial(t);
    const reviewer = await createReviewer(t, 'UCLG');
    for (const user of [official, reviewer]) {
      const res = await importCsv(csv, user);
      expect(res.statusCode, user.role).toBe(403);
      expect(res.json<Problem>().code).toBe('forbidden');
    }
    const anonymous = await importCsv(csv, { headers: {} });
    expect(anonymous.statusCode).toBe(401);
    expect(await citiesNamed(tag)).toHaveLength(0);
  });

  it('refuses a body that is not text/csv (a JSON string, a JSON object) and saves nothing', async () => {
    const tag = unique('Json');
    const csv = csvOf(['name,country,kind', `${tag} X,EC,city`]);
    const asJsonString = await importCsv(JSON.stringify(csv), admin, 'application/json');
    expect([400, 415]).toContain(asJsonString.statusCode);
    const asJsonObject = await importCsv(JSON.stringify({ csv }), admin, 'application/json');
    expect([400, 415]).toContain(asJsonObject.statusCode);
    const asForm = await importCsv(`csv=${encodeURIComponent(csv)}`, admin, 'application/x-www-form-urlencoded');
    expect([400, 415]).toContain(asForm.statusCode);
    expect(await citiesNamed(tag)).toHaveLength(0);
  });
});
