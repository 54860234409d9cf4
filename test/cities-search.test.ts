import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { type City, type CityPage, cityRequests, type Problem, sorted } from './helpers/cities-api.js';
import {
  createCity,
  createCityOfficial,
  createReviewer,
  createSecretariat,
  type TestUser,
  unique,
} from './helpers/factories.js';
import { expectValidationError } from './helpers/http.js';

let t: TestApp;
let admin: TestUser;
beforeAll(async () => {
  t = await buildTestApp();
  admin = await createSecretariat(t);
});
afterAll(async () => t.close());

const { getCity, listCities, apiCity, citiesNamed } = cityRequests(() => ({ t, admin }));

describe('Anyone signed in looks cities up (GET /cities)', () => {
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
      const page = res.json<CityPage>();
      expect(page.items.map((c) => c.id)).toEqual([city.id]);
      expect(page.nextCursor).toBeNull();
    }
  });

  describe('narrowed by country, region and network', () => {
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
      return sorted(res.json<CityPage>().items.map((c) => c.id));
    };

    it('q alone finds the four', async () => {
      expect(await ids({})).toEqual(sorted([amman.id, kampala.id, warszawa.id, quito.id]));
    });

    it('filters by country, in any case', async () => {
      expect(await ids({ country: 'JO' })).toEqual([amman.id]);
      expect(await ids({ country: 'jo' })).toEqual([amman.id]);
      expect(await ids({ country: 'AU' })).toEqual([]);
      const res = await listCities({ country: 'PL', limit: 500 });
      const page = res.json<CityPage>();
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
      expect(res.json<CityPage>().items.every((c) => c.networks.includes('GPM'))).toBe(true);
    });

    it('combines filters', async () => {
      expect(await ids({ network: 'UCLG', region: 'Asia' })).toEqual([amman.id]);
      expect(await ids({ network: 'UCLG', country: 'EC' })).toEqual([quito.id]);
      expect(await ids({ network: 'GPM', country: 'EC' })).toEqual([]);
    });

    it('gives list items the same shape as GET /cities/:id', async () => {
      const res = await listCities({ q: tag, country: 'UG' });
      const [item] = res.json<CityPage>().items;
      expect(item).toEqual((await getCity(kampala.id)).json());
    });
  });

  describe('found by part of the name (q)', () => {
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

  describe('page by page', () => {
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
        const page = res.json<CityPage>();
        pages++;
        // Eight cities, two a page: every page is full.
        expect(page.items).toHaveLength(2);
        seen.push(...page.items.map((c) => c.id));
        cursor = page.nextCursor;
        if (pages > 10) throw new Error('the cursor never ends');
      } while (cursor);

      expect(new Set(seen).size).toBe(seen.length);
      expect(sorted(seen)).toEqual(sorted(created.map((c) => c.id)));
      expect(pages).toBe(4);
    });

    it('has no next page when the last page is exactly full', async () => {
      const tag = unique('Full');
      for (let i = 0; i < 4; i++) await apiCity({ name: `${tag} ${i}` });
      const first = (await listCities({ q: tag, limit: 2 })).json<CityPage>();
      expect(first.items).toHaveLength(2);
      expect(first.nextCursor).not.toBeNull();
      const second = (await listCities({ q: tag, limit: 2, cursor: first.nextCursor! })).json<CityPage>();
      expect(second.items).toHaveLength(2);
      expect(second.nextCursor).toBeNull();
      const whole = (await listCities({ q: tag, limit: 4 })).json<CityPage>();
      expect(whole.items).toHaveLength(4);
      expect(whole.nextCursor).toBeNull();
    });

    it('pages 50 at a time by default', async () => {
      const tag = unique('Dflt');
      for (let i = 0; i < 51; i++) await createCity(t, { name: `${tag} ${String(i).padStart(2, '0')}` });
      const first = (await listCities({ q: tag })).json<CityPage>();
      expect(first.items).toHaveLength(50);
      expect(first.nextCursor).not.toBeNull();
      const rest = (await listCities({ q: tag, cursor: first.nextCursor! })).json<CityPage>();
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
      await apiCity();
      expect((await listCities({ limit: 500 })).statusCode).toBe(200);
      expect((await listCities({ limit: 1 })).json<CityPage>().items).toHaveLength(1);
      for (const limit of ['501', '0', '-1', 'ten', '2.5']) expectValidationError(await listCities({ limit }), 'limit');
    });
  });
});
