import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';
import {
  createCity,
  createCityOfficial,
  createReviewer,
  createSecretariat,
  type TestUser,
  unique,
} from './helpers/factories.js';

interface City {
  id: string;
  name: string;
  country: string;
  countryName: { en: string; es: string; fr: string };
  kind: string;
  region: string;
  subregion: string | null;
  population: number | null;
  latitude: number | null;
  longitude: number | null;
  networks: string[];
  preferredLanguage: string;
  createdAt: string;
  updatedAt: string;
}
interface Page {
  items: City[];
  nextCursor: string | null;
}
interface Problem {
  status: number;
  code: string;
  detail: string;
  errors?: Array<{ path: string; message: string }>;
}
interface AuditEvent {
  action: string;
  entityType: string;
  entityId: string;
  actor: { id: string | null; role: string };
  summary: Record<string, unknown>;
}

let t: TestApp;
let admin: TestUser;
beforeAll(async () => {
  t = await buildTestApp();
  admin = await createSecretariat(t);
});
afterAll(async () => t.close());

type Headers = Record<string, string>;
const NO_AUTH: Headers = {};

const postCity = (payload: object, headers: Headers = admin.headers) =>
  t.app.inject({ method: 'POST', url: '/api/v1/cities', headers, payload });
const getCity = (id: string, headers: Headers = admin.headers) =>
  t.app.inject({ method: 'GET', url: `/api/v1/cities/${id}`, headers });
const patchCity = (id: string, payload: object, headers: Headers = admin.headers) =>
  t.app.inject({ method: 'PATCH', url: `/api/v1/cities/${id}`, headers, payload });
const listCities = (query: Record<string, string | number>, headers: Headers = admin.headers) =>
  t.app.inject({
    method: 'GET',
    url: '/api/v1/cities',
    headers,
    query: Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)])),
  });

/** Creates a city through the API and returns it (fails the test unless 201). */
async function apiCity(overrides: Record<string, unknown> = {}): Promise<City> {
  const res = await postCity({ name: unique('City '), country: 'EC', kind: 'city', ...overrides });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<City>();
}

/** Every city whose name contains `q` (walks all pages). */
async function citiesNamed(q: string, extra: Record<string, string> = {}): Promise<City[]> {
  const all: City[] = [];
  let cursor: string | null = null;
  do {
    const res = await listCities({ q, limit: 500, ...extra, ...(cursor ? { cursor } : {}) });
    expect(res.statusCode, res.body).toBe(200);
    const page = res.json<Page>();
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

function expectValidationError(
  res: { statusCode: number; json: <T>() => T; headers: Record<string, unknown> },
  field?: string,
) {
  expect(res.statusCode).toBe(400);
  expect(String(res.headers['content-type'])).toContain('application/problem+json');
  const body = res.json<Problem>();
  expect(body.code).toBe('validation_failed');
  if (field) expect(JSON.stringify(body.errors ?? []), `errors should name ${field}`).toContain(field);
}

async function auditOf(entityId: string): Promise<AuditEvent[]> {
  const res = await t.app.inject({
    method: 'GET',
    url: `/api/v1/audit?entityType=city&entityId=${entityId}`,
    headers: admin.headers,
  });
  expect(res.statusCode).toBe(200);
  return res.json<{ items: AuditEvent[] }>().items;
}

const sorted = (codes: string[]) => [...codes].sort();

describe('POST /cities', () => {
  it('lets the secretariat create a city with every field, and GET returns the same city', async () => {
    const name = unique('Cuenca ');
    const res = await postCity({
      name,
      country: 'EC',
      kind: 'municipality',
      population: 636_996,
      latitude: -2.9,
      longitude: -79.0,
      networks: ['MMC', 'UCLG'],
      preferredLanguage: 'es',
    });
    expect(res.statusCode).toBe(201);
    const city = res.json<City>();
    expect(city).toMatchObject({
      name,
      country: 'EC',
      countryName: { en: 'Ecuador', es: 'Ecuador', fr: 'Équateur' },
      kind: 'municipality',
      region: 'Americas',
      subregion: 'South America',
      population: 636_996,
      latitude: -2.9,
      longitude: -79.0,
      preferredLanguage: 'es',
    });
    expect(city.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(sorted(city.networks)).toEqual(['MMC', 'UCLG']);
    expect(Number.isNaN(Date.parse(city.createdAt))).toBe(false);
    const fetched = await getCity(city.id);
    expect(fetched.statusCode).toBe(200);
    expect(fetched.json()).toEqual(city);
  });

  it('fills the optional fields with their defaults', async () => {
    const city = await apiCity({ country: 'PL' });
    expect(city).toMatchObject({
      population: null,
      latitude: null,
      longitude: null,
      networks: [],
      preferredLanguage: 'en',
      region: 'Europe',
    });
  });

  it('refuses a city official and a network reviewer with 403, and creates nothing', async () => {
    const official = await createCityOfficial(t);
    const reviewer = await createReviewer(t, 'UCLG');
    for (const user of [official, reviewer]) {
      const name = unique('Forbidden ');
      const res = await postCity({ name, country: 'EC', kind: 'city' }, user.headers);
      expect(res.statusCode).toBe(403);
      expect(res.json<Problem>()).toMatchObject({ status: 403, code: 'forbidden' });
      expect(await citiesNamed(name)).toHaveLength(0);
    }
  });

  it('refuses a caller without a token with 401', async () => {
    const name = unique('Anonymous ');
    const res = await postCity({ name, country: 'EC', kind: 'city' }, NO_AUTH);
    expect(res.statusCode).toBe(401);
    expect(res.json<Problem>().code).toBe('unauthenticated');
    expect(await citiesNamed(name)).toHaveLength(0);
  });

  describe('country', () => {
    it('accepts a lower-case (and padded) ISO 3166-1 alpha-2 code and stores it upper-case', async () => {
      expect((await apiCity({ country: 'ec' })).country).toBe('EC');
      expect((await apiCity({ country: ' pl ' })).country).toBe('PL');
    });

    it('rejects what is not an ISO 3166-1 alpha-2 code with 400 on "country"', async () => {
      for (const country of ['XX', 'xx', 'ECU', 'E', '', 'E1', 'UK', 'ZZ']) {
        const name = unique('Nowhere ');
        const res = await postCity({ name, country, kind: 'city' });
        expectValidationError(res, 'country');
        expect(await citiesNamed(name), country).toHaveLength(0);
      }
      expectValidationError(await postCity({ name: unique('No country '), kind: 'city' }), 'country');
    });

    it('derives the UN M49 region from the country', async () => {
      const expected: Array<[string, string]> = [
        ['EC', 'Americas'],
        ['PL', 'Europe'],
        ['UG', 'Africa'],
        ['JO', 'Asia'],
        ['AU', 'Oceania'],
      ];
      for (const [country, region] of expected) {
        const city = await apiCity({ country });
        expect(city.region, country).toBe(region);
      }
    });

    it('lets an explicit region override the derived one', async () => {
      const overridden = await apiCity({ country: 'TR', region: 'Europe' });
      expect(overridden.region).toBe('Europe');
      expect(overridden.subregion).toBeNull();
      const derived = await apiCity({ country: 'TR' });
      expect(derived.region).toBe('Asia');
      const same = await apiCity({ country: 'JO', region: 'Asia' });
      expect(same).toMatchObject({ region: 'Asia', subregion: 'Western Asia' });
      expectValidationError(
        await postCity({ name: unique('Mars '), country: 'EC', kind: 'city', region: 'Mars' }),
        'region',
      );
    });

    it('gives the country name in English, Spanish and French', async () => {
      const expected: Array<[string, { en: string; es: string; fr: string }]> = [
        ['PL', { en: 'Poland', es: 'Polonia', fr: 'Pologne' }],
        ['UG', { en: 'Uganda', es: 'Uganda', fr: 'Ouganda' }],
        ['JO', { en: 'Jordan', es: 'Jordania', fr: 'Jordanie' }],
        ['BR', { en: 'Brazil', es: 'Brasil', fr: 'Brésil' }],
      ];
      for (const [country, names] of expected) {
        const city = await apiCity({ country });
        expect(city.countryName, country).toEqual(names);
      }
    });
  });

  describe('networks', () => {
    it('takes network codes in any case and answers them in their canonical spelling', async () => {
      const city = await apiCity({ networks: ['mmc', 'Uclg', 'METROPOLIS'] });
      expect(sorted(city.networks)).toEqual(sorted(['MMC', 'UCLG', 'Metropolis']));
      const once = await apiCity({ networks: ['GPM', 'gpm'] });
      expect(once.networks).toEqual(['GPM']);
    });

    it('rejects an unknown network code with 400 on "networks" and creates nothing', async () => {
      const name = unique('Unknown network ');
      const res = await postCity({ name, country: 'EC', kind: 'city', networks: ['MMC', 'NOPE'] });
      expectValidationError(res, 'networks');
      expect(JSON.stringify(res.json<Problem>()).toLowerCase()).toContain('nope');
      expect(await citiesNamed(name)).toHaveLength(0);
    });

    it('rejects a malformed network code and a networks value that is not a list', async () => {
      expectValidationError(
        await postCity({ name: unique('Bad code '), country: 'EC', kind: 'city', networks: ['1x'] }),
        'networks',
      );
      expectValidationError(
        await postCity({ name: unique('Bad list '), country: 'EC', kind: 'city', networks: 'MMC' }),
        'networks',
      );
    });
  });

  describe('names', () => {
    it('keeps accents and non-Latin scripts exactly, in the answer, on GET and in the list', async () => {
      const tag = unique('rt');
      const cases: Array<[string, string]> = [
        [`Bogotá ${tag}`, 'CO'],
        [`São Paulo ${tag}`, 'BR'],
        [`Kraków ${tag}`, 'PL'],
        [`Αθήνα ${tag}`, 'GR'],
        [`Київ ${tag}`, 'UA'],
      ];
      for (const [name, country] of cases) {
        const city = await apiCity({ name, country });
        expect(city.name).toBe(name);
        expect((await getCity(city.id)).json<City>().name).toBe(name);
      }
      const listed = (await citiesNamed(tag)).map((c) => c.name);
      expect(sorted(listed)).toEqual(sorted(cases.map(([n]) => n)));
    });

    it('trims the name and rejects an empty, blank, missing or too long one', async () => {
      const name = unique('Trimmed ');
      expect((await apiCity({ name: `  ${name}  ` })).name).toBe(name);
      expectValidationError(await postCity({ name: '', country: 'EC', kind: 'city' }), 'name');
      expectValidationError(await postCity({ name: '   ', country: 'EC', kind: 'city' }), 'name');
      expectValidationError(await postCity({ country: 'EC', kind: 'city' }), 'name');
      expectValidationError(await postCity({ name: 'x'.repeat(201), country: 'EC', kind: 'city' }), 'name');
    });
  });

  describe('duplicates', () => {
    it('answers 409 for the same country and name in any case, accents and other scripts included', async () => {
      const tag = unique('dup');
      for (const [name, country] of [
        [`Kraków ${tag}`, 'PL'],
        [`Αθήνα ${tag}`, 'GR'],
        [`Київ ${tag}`, 'UA'],
      ] as const) {
        await apiCity({ name, country });
        for (const again of [name, name.toUpperCase(), name.toLowerCase(), `  ${name} `]) {
          const res = await postCity({ name: again, country: country.toLowerCase(), kind: 'region' });
          expect(res.statusCode, again).toBe(409);
          expect(res.json<Problem>().code).toBe('conflict');
        }
        expect(await citiesNamed(tag, { country })).toHaveLength(1);
      }
    });

    it('allows the same name in another country', async () => {
      const name = unique('Santiago ');
      const chile = await apiCity({ name, country: 'CL' });
      const spain = await apiCity({ name, country: 'ES' });
      expect(chile.id).not.toBe(spain.id);
      expect(await citiesNamed(name)).toHaveLength(2);
    });
  });

  it('accepts each kind of the enum and rejects anything else', async () => {
    for (const kind of ['city', 'municipality', 'metropolitan_area', 'region']) {
      expect((await apiCity({ kind })).kind).toBe(kind);
    }
    for (const kind of ['village', 'City', 'metropolitan area', '']) {
      expectValidationError(await postCity({ name: unique('Kind '), country: 'EC', kind }), 'kind');
    }
    expectValidationError(await postCity({ name: unique('No kind '), country: 'EC' }), 'kind');
  });

  it('accepts latitude and longitude at their bounds and rejects them beyond', async () => {
    const corner = await apiCity({ latitude: -90, longitude: 180 });
    expect(corner).toMatchObject({ latitude: -90, longitude: 180 });
    const other = await apiCity({ latitude: 90, longitude: -180 });
    expect(other).toMatchObject({ latitude: 90, longitude: -180 });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ latitude: 90.0001 }, 'latitude'],
      [{ latitude: -91 }, 'latitude'],
      [{ longitude: 180.5 }, 'longitude'],
      [{ longitude: -181 }, 'longitude'],
      [{ latitude: '12.5' }, 'latitude'],
    ];
    for (const [extra, field] of cases) {
      const name = unique('Off the map ');
      expectValidationError(await postCity({ name, country: 'EC', kind: 'city', ...extra }), field);
      expect(await citiesNamed(name)).toHaveLength(0);
    }
  });

  it('rejects a negative or fractional population and an unknown preferred language', async () => {
    expect((await apiCity({ population: 0 })).population).toBe(0);
    expectValidationError(
      await postCity({ name: unique('P '), country: 'EC', kind: 'city', population: -1 }),
      'population',
    );
    expectValidationError(
      await postCity({ name: unique('P '), country: 'EC', kind: 'city', population: 1.5 }),
      'population',
    );
    expectValidationError(
      await postCity({ name: unique('L '), country: 'EC', kind: 'city', preferredLanguage: 'de' }),
      'preferredLanguage',
    );
  });

  it('rejects unknown fields with 400 naming the field, and creates nothing', async () => {
    const name = unique('Extra ');
    const res = await postCity({ name, country: 'EC', kind: 'city', mayor: 'Someone' });
    expectValidationError(res, 'mayor');
    expect(await citiesNamed(name)).toHaveLength(0);
  });

  it('writes a city.created audit event in the name of the secretariat user', async () => {
    const city = await apiCity({ networks: ['GPM'] });
    const events = await auditOf(city.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: 'city.created',
      entityType: 'city',
      entityId: city.id,
      actor: { id: admin.id, role: 'secretariat' },
      summary: { via: 'api', after: { id: city.id, name: city.name, country: 'EC', networks: ['GPM'] } },
    });
  });
});

describe('GET /cities', () => {
  it('needs a signed-in caller (401 without or with a bad token)', async () => {
    const none = await t.app.inject({ method: 'GET', url: '/api/v1/cities' });
    expect(none.statusCode).toBe(401);
    expect(none.json<Problem>().code).toBe('unauthenticated');
    const bad = await listCities({}, { authorization: 'Bearer nope.nope.nope' });
    expect(bad.statusCode).toBe(401);
  });

  it('answers every signed-in role with a page', async () => {
    const city = await apiCity();
    const official = await createCityOfficial(t);
    const reviewer = await createReviewer(t, 'MMC');
    for (const user of [admin, official, reviewer]) {
      const res = await listCities({ q: city.name }, user.headers);
      expect(res.statusCode, user.role).toBe(200);
      const page = res.json<Page>();
      expect(page.items.map((c) => c.id)).toEqual([city.id]);
      expect(page.nextCursor).toBeNull();
    }
  });

  describe('filters', () => {
    let tag: string;
    let amman: City, kampala: City, warszawa: City, quito: City;
    beforeAll(async () => {
      tag = unique('Flt');
      amman = await apiCity({ name: `${tag} Amman`, country: 'JO', networks: ['UCLG'] });
      kampala = await apiCity({ name: `${tag} Kampala`, country: 'UG', networks: ['GPM', 'MMC'] });
      warszawa = await apiCity({ name: `${tag} Warszawa`, country: 'PL' });
      quito = await apiCity({ name: `${tag} Quito`, country: 'EC', networks: ['UCLG'] });
    });
    const ids = async (query: Record<string, string>) => {
      const res = await listCities({ q: tag, ...query });
      expect(res.statusCode, res.body).toBe(200);
      return sorted(res.json<Page>().items.map((c) => c.id));
    };

    it('q alone finds the four', async () => {
      expect(await ids({})).toEqual(sorted([amman.id, kampala.id, warszawa.id, quito.id]));
    });

    it('filters by country, in any case', async () => {
      expect(await ids({ country: 'JO' })).toEqual([amman.id]);
      expect(await ids({ country: 'jo' })).toEqual([amman.id]);
      expect(await ids({ country: 'AU' })).toEqual([]);
      const res = await listCities({ country: 'PL', limit: 500 });
      const page = res.json<Page>();
      expect(page.items.map((c) => c.id)).toContain(warszawa.id);
      expect(page.items.every((c) => c.country === 'PL')).toBe(true);
      expectValidationError(await listCities({ country: 'XX' }), 'country');
    });

    it('filters by region', async () => {
      expect(await ids({ region: 'Africa' })).toEqual([kampala.id]);
      expect(await ids({ region: 'Europe' })).toEqual([warszawa.id]);
      expect(await ids({ region: 'Americas' })).toEqual([quito.id]);
      expect(await ids({ region: 'Asia' })).toEqual([amman.id]);
      expect(await ids({ region: 'Oceania' })).toEqual([]);
      expectValidationError(await listCities({ region: 'Mars' }), 'region');
    });

    it('filters by network code, in any case', async () => {
      expect(await ids({ network: 'UCLG' })).toEqual(sorted([amman.id, quito.id]));
      expect(await ids({ network: 'uclg' })).toEqual(sorted([amman.id, quito.id]));
      expect(await ids({ network: 'mmc' })).toEqual([kampala.id]);
      expect(await ids({ network: 'Metropolis' })).toEqual([]);
      const res = await listCities({ network: 'GPM', limit: 500 });
      expect(res.json<Page>().items.every((c) => c.networks.includes('GPM'))).toBe(true);
    });

    it('combines filters', async () => {
      expect(await ids({ network: 'UCLG', region: 'Asia' })).toEqual([amman.id]);
      expect(await ids({ network: 'UCLG', country: 'EC' })).toEqual([quito.id]);
      expect(await ids({ network: 'GPM', country: 'EC' })).toEqual([]);
    });

    it('gives list items the same shape as GET /cities/:id', async () => {
      const res = await listCities({ q: tag, country: 'UG' });
      const [item] = res.json<Page>().items;
      expect(item).toEqual((await getCity(kampala.id)).json());
    });
  });

  describe('q (name search)', () => {
    it('matches part of the name, without regard to case, accents and other scripts included', async () => {
      const tag = unique('Q');
      const bogota = await apiCity({ name: `${tag} Bogotá`, country: 'CO' });
      const saoPaulo = await apiCity({ name: `${tag} São Paulo`, country: 'BR' });
      const krakow = await apiCity({ name: `${tag} Kraków`, country: 'PL' });
      const athens = await apiCity({ name: `${tag} Αθήνα`, country: 'GR' });
      const find = async (q: string) => (await citiesNamed(q)).map((c) => c.id);
      expect(await find(`${tag} bogotá`)).toEqual([bogota.id]);
      expect(await find(`${tag} BOGOTÁ`)).toEqual([bogota.id]);
      expect(await find(`${tag} são`)).toEqual([saoPaulo.id]);
      expect(await find(`${tag} SÃO PAULO`)).toEqual([saoPaulo.id]);
      expect(await find(`${tag} krakÓw`)).toEqual([krakow.id]);
      expect(await find(`${tag} αθή`)).toEqual([athens.id]);
      expect(await find(`${tag} ΑΘΉΝΑ`)).toEqual([athens.id]);
      expect(sorted(await find(tag.toLowerCase()))).toEqual(sorted([bogota.id, saoPaulo.id, krakow.id, athens.id]));
      expect(await find(`${tag} nowhere`)).toEqual([]);
    });

    it('treats % and _ in q as plain characters', async () => {
      const tag = unique('W');
      const percent = await apiCity({ name: `${tag}%x` });
      await apiCity({ name: `${tag}yx` });
      const underscore = await apiCity({ name: `${tag}_z` });
      await apiCity({ name: `${tag}wz` });
      expect((await citiesNamed(`${tag}%x`)).map((c) => c.id)).toEqual([percent.id]);
      expect((await citiesNamed(`${tag}_z`)).map((c) => c.id)).toEqual([underscore.id]);
    });
  });

  describe('pagination', () => {
    it('walks every matching city once with limit=2, ending with nextCursor null', async () => {
      const tag = unique('Pg');
      const names = ['Zeta', 'alpha', 'Ämter', 'Beta', 'same', 'Gamma'];
      const created: City[] = [];
      for (const name of names) created.push(await apiCity({ name: `${tag} ${name}` }));
      // Two cities whose names sort alike (same name, other countries): the id breaks the tie.
      created.push(await apiCity({ name: `${tag} SAME`, country: 'PL' }));
      created.push(await apiCity({ name: `${tag} Same`, country: 'UG' }));

      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await listCities({ q: tag, limit: 2, ...(cursor ? { cursor } : {}) });
        expect(res.statusCode, res.body).toBe(200);
        const page = res.json<Page>();
        pages++;
        expect(page.items.length).toBeLessThanOrEqual(2);
        if (page.nextCursor !== null) expect(page.items).toHaveLength(2);
        seen.push(...page.items.map((c) => c.id));
        cursor = page.nextCursor;
        expect(pages).toBeLessThanOrEqual(10);
      } while (cursor);

      expect(new Set(seen).size).toBe(seen.length);
      expect(sorted(seen)).toEqual(sorted(created.map((c) => c.id)));
      expect(pages).toBe(4);
    });

    it('has no next page when the last page is exactly full', async () => {
      const tag = unique('Full');
      for (let i = 0; i < 4; i++) await apiCity({ name: `${tag} ${i}` });
      const first = (await listCities({ q: tag, limit: 2 })).json<Page>();
      expect(first.items).toHaveLength(2);
      expect(first.nextCursor).not.toBeNull();
      const second = (await listCities({ q: tag, limit: 2, cursor: first.nextCursor! })).json<Page>();
      expect(second.items).toHaveLength(2);
      expect(second.nextCursor).toBeNull();
      const whole = (await listCities({ q: tag, limit: 4 })).json<Page>();
      expect(whole.items).toHaveLength(4);
      expect(whole.nextCursor).toBeNull();
    });

    it('pages 50 at a time by default', async () => {
      const tag = unique('Dflt');
      for (let i = 0; i < 51; i++) await createCity(t, { name: `${tag} ${String(i).padStart(2, '0')}` });
      const first = (await listCities({ q: tag })).json<Page>();
      expect(first.items).toHaveLength(50);
      expect(first.nextCursor).not.toBeNull();
      const rest = (await listCities({ q: tag, cursor: first.nextCursor! })).json<Page>();
      expect(rest.items).toHaveLength(1);
      expect(rest.nextCursor).toBeNull();
      expect(first.items.map((c) => c.id)).not.toContain(rest.items[0]!.id);
    });

    it('rejects a cursor it did not give out with 400', async () => {
      const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      for (const cursor of [
        'not a cursor',
        'bm90LWpzb24',
        forged(['x', 'not-a-uuid']),
        forged({ a: 1 }),
        forged([1, 2]),
      ]) {
        const res = await listCities({ cursor });
        expectValidationError(res, 'cursor');
      }
    });

    it('takes a limit from 1 to 500 and rejects others with 400', async () => {
      expect((await listCities({ limit: 500 })).statusCode).toBe(200);
      expect((await listCities({ limit: 1 })).json<Page>().items.length).toBeLessThanOrEqual(1);
      for (const limit of ['501', '0', '-1', 'ten', '2.5']) expectValidationError(await listCities({ limit }), 'limit');
    });
  });
});

describe('GET /cities/:id', () => {
  it('shows the secretariat any city', async () => {
    const city = await apiCity();
    const res = await getCity(city.id);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(city);
  });

  it('shows a city official their own city, and answers 404 (not 403) for another', async () => {
    const own = await apiCity();
    const other = await apiCity();
    const official = await createCityOfficial(t, own.id);
    const mine = await getCity(own.id, official.headers);
    expect(mine.statusCode).toBe(200);
    expect(mine.json<City>().id).toBe(own.id);
    const theirs = await getCity(other.id, official.headers);
    expect(theirs.statusCode).toBe(404);
    expect(theirs.json<Problem>().code).toBe('not_found');
    // An existing city and a missing one look the same: nothing leaks.
    const missing = await getCity('00000000-0000-4000-8000-000000000000', official.headers);
    expect(missing.statusCode).toBe(404);
    expect(missing.json<Problem>().detail).toBe(theirs.json<Problem>().detail);
  });

  it('shows a network reviewer the member cities of their network only', async () => {
    const reviewer = await createReviewer(t, 'Metropolis');
    const member = await apiCity({ networks: ['Metropolis', 'MMC'] });
    const outsider = await apiCity({ networks: ['MMC'] });
    const loner = await apiCity();
    expect((await getCity(member.id, reviewer.headers)).statusCode).toBe(200);
    expect((await getCity(member.id, reviewer.headers)).json<City>().id).toBe(member.id);
    for (const city of [outsider, loner]) {
      const res = await getCity(city.id, reviewer.headers);
      expect(res.statusCode).toBe(404);
      expect(res.json<Problem>().code).toBe('not_found');
    }
  });

  it('follows the membership: a city taken out of the network disappears for its reviewer', async () => {
    const reviewer = await createReviewer(t, 'GPM');
    const city = await apiCity({ networks: ['GPM'] });
    expect((await getCity(city.id, reviewer.headers)).statusCode).toBe(200);
    expect((await patchCity(city.id, { networks: ['UCLG'] })).statusCode).toBe(200);
    expect((await getCity(city.id, reviewer.headers)).statusCode).toBe(404);
  });

  it('answers 404 for an unknown id, 400 for an id that is not a UUID, 401 without a token', async () => {
    const unknown = await getCity('7d1c4f0e-5b7a-4c1e-9a51-3f0c2f1e9b00');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json<Problem>().code).toBe('not_found');
    expectValidationError(await getCity('not-a-uuid'), 'id');
    expectValidationError(await getCity('12345'), 'id');
    const city = await apiCity();
    expect((await getCity(city.id, NO_AUTH)).statusCode).toBe(401);
  });
});

describe('PATCH /cities/:id', () => {
  describe('by the secretariat', () => {
    it('changes any field, and GET shows the change', async () => {
      const city = await apiCity({ kind: 'city', population: 10 });
      const name = unique('Renamed ');
      const res = await patchCity(city.id, {
        name,
        kind: 'metropolitan_area',
        population: 2_000_000,
        latitude: 10.5,
        longitude: -66.9,
        preferredLanguage: 'fr',
      });
      expect(res.statusCode, res.body).toBe(200);
      const changed = res.json<City>();
      expect(changed).toMatchObject({
        id: city.id,
        name,
        country: 'EC',
        kind: 'metropolitan_area',
        population: 2_000_000,
        latitude: 10.5,
        longitude: -66.9,
        preferredLanguage: 'fr',
        region: 'Americas',
      });
      expect((await getCity(city.id)).json()).toEqual(changed);
      const cleared = (await patchCity(city.id, { population: null, latitude: null })).json<City>();
      expect(cleared).toMatchObject({ population: null, latitude: null, longitude: -66.9 });
    });

    it('re-derives the region when the country changes', async () => {
      const city = await apiCity({ country: 'EC' });
      const res = await patchCity(city.id, { country: 'pl' });
      expect(res.statusCode).toBe(200);
      expect(res.json<City>()).toMatchObject({
        country: 'PL',
        region: 'Europe',
        subregion: 'Central Europe',
        countryName: { en: 'Poland', es: 'Polonia', fr: 'Pologne' },
      });
      const again = (await patchCity(city.id, { country: 'UG' })).json<City>();
      expect(again).toMatchObject({ country: 'UG', region: 'Africa' });
    });

    it('keeps a region given with the new country', async () => {
      const city = await apiCity({ country: 'EC' });
      const res = await patchCity(city.id, { country: 'TR', region: 'Europe' });
      expect(res.statusCode).toBe(200);
      expect(res.json<City>()).toMatchObject({ country: 'TR', region: 'Europe' });
    });

    it('changes the region alone, keeping the country; and a same-country patch keeps an overridden region', async () => {
      const city = await apiCity({ country: 'TR' });
      const moved = (await patchCity(city.id, { region: 'Europe' })).json<City>();
      expect(moved).toMatchObject({ country: 'TR', region: 'Europe' });
      const renamed = (await patchCity(city.id, { name: unique('Istanbul ') })).json<City>();
      expect(renamed.region).toBe('Europe');
      const sameCountry = (await patchCity(city.id, { country: 'TR' })).json<City>();
      expect(sameCountry.region).toBe('Europe');
    });

    it('replaces the networks with the given list', async () => {
      const city = await apiCity({ networks: ['MMC', 'UCLG'] });
      const replaced = await patchCity(city.id, { networks: ['gpm'] });
      expect(replaced.statusCode).toBe(200);
      expect(replaced.json<City>().networks).toEqual(['GPM']);
      expect((await getCity(city.id)).json<City>().networks).toEqual(['GPM']);
      const untouched = (await patchCity(city.id, { population: 5 })).json<City>();
      expect(untouched.networks).toEqual(['GPM']);
      const emptied = (await patchCity(city.id, { networks: [] })).json<City>();
      expect(emptied.networks).toEqual([]);
    });

    it('rejects an unknown network code with 400 and changes nothing', async () => {
      const city = await apiCity({ networks: ['MMC'], population: 1 });
      expectValidationError(await patchCity(city.id, { networks: ['NOPE'], population: 2 }), 'networks');
      expect((await getCity(city.id)).json<City>()).toMatchObject({ networks: ['MMC'], population: 1 });
    });

    it('answers 409 for a rename onto another city of the same country, in any case', async () => {
      const tag = unique('Clash');
      const taken = await apiCity({ name: `${tag} Kraków`, country: 'PL' });
      const city = await apiCity({ name: `${tag} Other`, country: 'PL' });
      for (const name of [taken.name, taken.name.toUpperCase(), taken.name.toLowerCase()]) {
        const res = await patchCity(city.id, { name });
        expect(res.statusCode, name).toBe(409);
        expect(res.json<Problem>().code).toBe('conflict');
      }
      expect((await getCity(city.id)).json<City>().name).toBe(`${tag} Other`);
    });

    it('answers 409 for a move into a country where the name is taken', async () => {
      const name = unique('Valencia ');
      await apiCity({ name, country: 'ES' });
      const venezuelan = await apiCity({ name, country: 'VE' });
      const res = await patchCity(venezuelan.id, { country: 'ES' });
      expect(res.statusCode).toBe(409);
      expect((await getCity(venezuelan.id)).json<City>().country).toBe('VE');
    });

    it('allows renaming a city to another case of its own name, or to a name used in another country', async () => {
      const name = unique('Lowercase ');
      const city = await apiCity({ name, country: 'EC' });
      const upper = await patchCity(city.id, { name: name.toUpperCase() });
      expect(upper.statusCode).toBe(200);
      expect(upper.json<City>().name).toBe(name.toUpperCase());
      const elsewhere = await apiCity({ country: 'PL' });
      const res = await patchCity(city.id, { name: elsewhere.name });
      expect(res.statusCode).toBe(200);
    });

    it('writes a city.updated audit event with before and after', async () => {
      const city = await apiCity({ population: 100, networks: ['MMC'] });
      const name = unique('Audited ');
      expect((await patchCity(city.id, { name, population: 200, networks: ['UCLG'] })).statusCode).toBe(200);
      const [latest] = await auditOf(city.id);
      expect(latest).toMatchObject({
        action: 'city.updated',
        entityType: 'city',
        entityId: city.id,
        actor: { id: admin.id, role: 'secretariat' },
        summary: {
          via: 'api',
          before: { name: city.name, population: 100, networks: ['MMC'] },
          after: { name, population: 200, networks: ['UCLG'] },
        },
      });
    });

    it('rejects an empty patch, unknown fields and bad values with 400', async () => {
      const city = await apiCity();
      expectValidationError(await patchCity(city.id, {}));
      expectValidationError(await patchCity(city.id, { nickname: 'x' }), 'nickname');
      expectValidationError(await patchCity(city.id, { country: 'XX' }), 'country');
      expectValidationError(await patchCity(city.id, { latitude: 100 }), 'latitude');
      expectValidationError(await patchCity(city.id, { kind: 'village' }), 'kind');
      expectValidationError(await patchCity(city.id, { name: '' }), 'name');
      expect((await getCity(city.id)).json()).toEqual(city);
    });

    it('answers 404 for an unknown city and 400 for a malformed id', async () => {
      const res = await patchCity('7d1c4f0e-5b7a-4c1e-9a51-3f0c2f1e9b01', { population: 1 });
      expect(res.statusCode).toBe(404);
      expectValidationError(await patchCity('nope', { population: 1 }), 'id');
    });
  });

  describe('by a city official', () => {
    let own: City;
    let official: TestUser;
    beforeAll(async () => {
      own = await apiCity({ networks: ['MMC'], population: 1000 });
      official = await createCityOfficial(t, own.id);
    });

    it('changes the name, population and other plain fields of their own city', async () => {
      const name = unique('Official rename ');
      const res = await patchCity(
        own.id,
        { name, population: 1234, kind: 'municipality', preferredLanguage: 'es', latitude: 1.5 },
        official.headers,
      );
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json<City>()).toMatchObject({
        name,
        population: 1234,
        kind: 'municipality',
        preferredLanguage: 'es',
        latitude: 1.5,
      });
      const [latest] = await auditOf(own.id);
      expect(latest).toMatchObject({ action: 'city.updated', actor: { id: official.id, role: 'city_official' } });
    });

    it('may not change the country or the networks (403), not even alongside allowed fields', async () => {
      const before = (await getCity(own.id)).json<City>();
      for (const payload of [
        { country: 'PL' },
        { networks: ['UCLG'] },
        { networks: [] },
        { name: unique('Sneaky '), country: 'CO' },
      ]) {
        const res = await patchCity(own.id, payload, official.headers);
        expect(res.statusCode, JSON.stringify(payload)).toBe(403);
        expect(res.json<Problem>().code).toBe('forbidden');
      }
      expect((await getCity(own.id)).json()).toEqual(before);
    });

    it('answers 404 for another city, whatever the change', async () => {
      const other = await apiCity({ population: 7 });
      for (const payload of [{ population: 8 }, { country: 'PL' }]) {
        const res = await patchCity(other.id, payload, official.headers);
        expect(res.statusCode).toBe(404);
        expect(res.json<Problem>().code).toBe('not_found');
      }
      expect((await getCity(other.id)).json()).toEqual(other);
    });

    it('answers 409 for a rename onto another city of the same country', async () => {
      const taken = await apiCity({ country: own.country });
      const res = await patchCity(own.id, { name: taken.name.toLowerCase() }, official.headers);
      expect(res.statusCode).toBe(409);
    });
  });

  describe('by a network reviewer', () => {
    it('answers 403 for a member city of their network and 404 for another, changing nothing', async () => {
      const reviewer = await createReviewer(t, 'UCLG');
      const member = await apiCity({ networks: ['UCLG'], population: 1 });
      const outsider = await apiCity({ networks: ['MMC'], population: 1 });
      const memberRes = await patchCity(member.id, { population: 2 }, reviewer.headers);
      expect(memberRes.statusCode).toBe(403);
      expect(memberRes.json<Problem>().code).toBe('forbidden');
      const outsiderRes = await patchCity(outsider.id, { population: 2 }, reviewer.headers);
      expect(outsiderRes.statusCode).toBe(404);
      expect((await getCity(member.id)).json<City>().population).toBe(1);
      expect((await getCity(outsider.id)).json<City>().population).toBe(1);
    });
  });

  it('answers 401 without a token', async () => {
    const city = await apiCity({ population: 3 });
    expect((await patchCity(city.id, { population: 4 }, NO_AUTH)).statusCode).toBe(401);
    expect((await getCity(city.id)).json<City>().population).toBe(3);
  });
});
