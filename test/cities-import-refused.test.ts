import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { cityRequests, csvOf, type Problem } from './helpers/cities-api.js';
import { createCityOfficial, createReviewer, createSecretariat, type TestUser, unique } from './helpers/factories.js';

let t: TestApp;
let admin: TestUser;
beforeAll(async () => {
  t = await buildTestApp();
  admin = await createSecretariat(t);
});
afterAll(async () => t.close());

const { importCsv, importOk, citiesNamed } = cityRequests(() => ({ t, admin }));

describe('An import that cannot be read, or by the wrong caller, saves nothing', () => {
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
