import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { type City, cityRequests, type Problem } from './helpers/cities-api.js';
import { createSecretariat, type TestUser, unique } from './helpers/factories.js';
import { expectValidationError } from './helpers/http.js';

let t: TestApp;
let admin: TestUser;
beforeAll(async () => {
  t = await buildTestApp();
  admin = await createSecretariat(t);
});
afterAll(async () => t.close());

const { getCity, patchCity, apiCity, auditOf } = cityRequests(() => ({ t, admin }));

describe('The secretariat corrects a city (PATCH /cities/:id)', () => {
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
