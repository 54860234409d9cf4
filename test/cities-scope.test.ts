import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { type City, cityRequests, NO_AUTH, type Problem } from './helpers/cities-api.js';
import { createCityOfficial, createReviewer, createSecretariat, type TestUser, unique } from './helpers/factories.js';
import { expectValidationError } from './helpers/http.js';

let t: TestApp;
let admin: TestUser;
beforeAll(async () => {
  t = await buildTestApp();
  admin = await createSecretariat(t);
});
afterAll(async () => t.close());

const { getCity, patchCity, apiCity, auditOf } = cityRequests(() => ({ t, admin }));

describe('Who may see which city (GET /cities/:id)', () => {
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

describe('Who may change which city (PATCH /cities/:id)', () => {
  describe('a city official, their own city and no other', () => {
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

  describe('a network reviewer, not at all', () => {
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
