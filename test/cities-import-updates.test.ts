import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { type City, cityRequests, csvOf, sorted } from './helpers/cities-api.js';
import { createSecretariat, type TestUser, unique } from './helpers/factories.js';

let t: TestApp;
let admin: TestUser;
beforeAll(async () => {
  t = await buildTestApp();
  admin = await createSecretariat(t);
});
afterAll(async () => t.close());

const { importOk, citiesNamed } = cityRequests(() => ({ t, admin }));

describe('Importing a file again updates the cities it already made', () => {
  it('imports a file twice: the second time creates nothing, updates every good line, duplicates nothing', async () => {
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
