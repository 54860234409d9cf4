import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCities } from '../src/modules/cities/cities.import.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { byName, cityRequests, csvOf, type ImportResult, sorted } from './helpers/cities-api.js';
import { createSecretariat, type TestUser, unique } from './helpers/factories.js';
import { fakeLogger } from './helpers/mail.js';

let t: TestApp;
let admin: TestUser;
beforeAll(async () => {
  t = await buildTestApp();
  admin = await createSecretariat(t);
});
afterAll(async () => t.close());

const { importCsv, importOk, citiesNamed, postCity } = cityRequests(() => ({ t, admin }));

describe('The secretariat imports a CSV of cities: each line saved or reported (POST /cities/import)', () => {
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
  it("reports a NUL as that line's validation error, the one POST /cities gives, and logs no error", async () => {
    const tag = unique('Nul');
    const log = fakeLogger();
    const result = await importCities(
      { db: t.db, actor: { kind: 'secretariat', userId: admin.id } },
      csvOf(['name,country,kind', `${tag} Before,EC,city`, `${tag} Nul\u0000,EC,city`, `${tag} After,EC,city`]),
      log,
    );
    const message = 'must not contain control characters';
    expect(result).toEqual({
      created: 2,
      updated: 0,
      errors: [
        {
          line: 3,
          message: `name: ${message}`,
          // The same problem for the portal's report: the column, its kind and the file's cell.
          issues: [{ column: 'name', problem: 'invalid', value: `${tag} Nul\u0000` }],
        },
      ],
    });
    expect(log.calls).toEqual([]);
    expect(sorted((await citiesNamed(tag)).map((c) => c.name))).toEqual([`${tag} After`, `${tag} Before`]);

    const res = await postCity({ name: `${tag} Nul\u0000`, country: 'EC', kind: 'city' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'validation_failed', errors: [{ path: 'name', message }] });
  });
});
