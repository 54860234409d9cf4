import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createSecretariat, type TestUser } from './helpers/factories.js';
import { apiCaller } from './helpers/http.js';
import { createPublishedPledge } from './helpers/pledge-factories.js';

let t: TestApp;
let staff: TestUser;
let slug: string;
beforeAll(async () => {
  t = await buildTestApp();
  staff = await createSecretariat(t);
  ({ slug } = await createPublishedPledge(t));
});
afterAll(async () => t.close());

const call = apiCaller(() => t);
const freeze = (body: object) => call('POST', `/pledges/${slug}/reports/snapshots`, staff, body);

describe('A snapshot is asked for with a body as strict as every other (POST /pledges/:id/reports/snapshots)', () => {
  it('takes the filters as JSON values, a version number as a number', async () => {
    const res = await freeze({ status: 'verified', versionNumber: 1 });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ rowCount: 0, filters: { status: 'verified', versionNumber: 1 } });
  });

  it('refuses a version number that is not a JSON number, rather than reading [1], true or "1" as 1', async () => {
    for (const versionNumber of [[1], true, '1']) {
      const res = await freeze({ versionNumber });
      expect(res.statusCode, JSON.stringify(versionNumber)).toBe(400);
      expect(res.json()).toMatchObject({ code: 'validation_failed', errors: [{ path: 'versionNumber' }] });
      expect(res.json().errors).toHaveLength(1);
    }
  });

  it('refuses an unknown field, naming it', async () => {
    const res = await freeze({ status: 'verified', colour: 'blue' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      code: 'validation_failed',
      errors: [{ path: 'colour', message: 'is not a known field' }],
    });
  });

  it('makes nothing of a refused body', async () => {
    const before = (await call('GET', `/pledges/${slug}/reports/snapshots`, staff)).json().items.length;
    expect((await freeze({ versionNumber: [1] })).statusCode).toBe(400);
    expect((await freeze({ extra: true })).statusCode).toBe(400);
    expect((await call('GET', `/pledges/${slug}/reports/snapshots`, staff)).json().items).toHaveLength(before);
  });
});
