import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { type City, cityRequests, NO_AUTH, type Problem, sorted } from './helpers/cities-api.js';
import { createCityOfficial, createReviewer, createSecretariat, type TestUser, unique } from './helpers/factories.js';
import { expectValidationError } from './helpers/http.js';

let t: TestApp;
let admin: TestUser;
beforeAll(async () => {
  t = await buildTestApp();
  admin = await createSecretariat(t);
});
afterAll(async () => t.close());

const { postCity, getCity, apiCity, citiesNamed, auditOf } = cityRequests(() => ({ t, admin }));

describe('The secretariat registers a city (POST /cities)', () => {
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

  describe('its country, which gives the region and the country names', () => {
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

  describe('the networks it belongs to', () => {
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

  describe('its name, in any script', () => {
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

  describe('one city per name and country', () => {
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
