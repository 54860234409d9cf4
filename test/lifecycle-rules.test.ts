import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVersion } from '../src/modules/pledges/pledges.service.js';
import { publishVersion } from '../src/modules/pledges/publish.service.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createCityOfficial, createSecretariat, type TestUser } from './helpers/factories.js';
import { createPublishedPledge } from './helpers/pledge-factories.js';

let t: TestApp;
let staff: TestUser;
const api = (path: string) => `/api/v1${path}`;
const PDF = Buffer.from('%PDF-1.4\n%mandate\n');

beforeAll(async () => {
  t = await buildTestApp();
  staff = await createSecretariat(t);
});
afterAll(async () => t.close());

async function submitted(areaKeys?: string[]) {
  const pledge = await createPublishedPledge(t, { areaKeys: ['governance', 'climate'] });
  const official = await createCityOfficial(t);
  const res = await t.app.inject({
    method: 'POST',
    url: api(`/pledges/${pledge.slug}/endorsements`),
    headers: official.headers,
    payload: {
      versionNumber: 1,
      scope: areaKeys ? 'areas' : 'whole',
      ...(areaKeys ? { areaKeys } : {}),
      signatory: { name: 'M', title: 'Mayor' },
      language: 'en',
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return { pledge, official, id: res.json().id as string };
}
const decide = (id: string, decision: string, note?: string) =>
  t.app.inject({
    method: 'POST',
    url: api(`/endorsements/${id}/decision`),
    headers: staff.headers,
    payload: { decision, ...(note ? { note } : {}) },
  });

describe('publishing', () => {
  it('refuses to put an earlier version back in place of the published one', async () => {
    const { slug } = await createPublishedPledge(t);
    await createVersion(t.system, slug);
    await createVersion(t.system, slug);
    await publishVersion(t.system, slug, 3, { reason: 'test fixture published directly' });
    const back = await t.app.inject({
      method: 'POST',
      url: api(`/pledges/${slug}/versions/2/publish`),
      headers: staff.headers,
      payload: { override: { reason: 'going back to version two' } },
    });
    expect(back.statusCode).toBe(409);
    expect(back.json().code).toBe('invalid_state');
    const versions = (
      await t.app.inject({ method: 'GET', url: api(`/pledges/${slug}`), headers: staff.headers })
    ).json().versions;
    expect(versions.map((v: { number: number; status: string }) => `${v.number}:${v.status}`)).toEqual([
      '1:superseded',
      '2:draft',
      '3:published',
    ]);
  });
});

describe('a rejected amendment', () => {
  it('revokes the certificate of the earlier, verified revision', async () => {
    const { id, official } = await submitted();
    const serial = (await decide(id, 'verified')).json().certificate.serial as string;
    await t.app.inject({
      method: 'PATCH',
      url: api(`/endorsements/${id}`),
      headers: official.headers,
      payload: { scope: 'areas', areaKeys: ['climate'] },
    });
    expect((await t.app.inject({ method: 'GET', url: api(`/certificates/${serial}`) })).json().status).toBe('valid');
    expect((await decide(id, 'rejected', 'not signed by the mayor')).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: api(`/certificates/${serial}`) })).json().status).toBe('revoked');
  });
});

describe('the mandate document', () => {
  it('can be replaced only while the endorsement awaits verification', async () => {
    const { id, official } = await submitted();
    const put = () =>
      t.app.inject({
        method: 'PUT',
        url: api(`/endorsements/${id}/mandate`),
        headers: { ...official.headers, 'content-type': 'application/pdf' },
        payload: PDF,
      });
    expect((await put()).statusCode).toBe(201);
    await decide(id, 'verified');
    const again = await put();
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('invalid_state');
  });

  it('sent as text is refused (415), not stored decoded', async () => {
    const { id, official } = await submitted();
    const res = await t.app.inject({
      method: 'PUT',
      url: api(`/endorsements/${id}/mandate`),
      headers: { ...official.headers, 'content-type': 'text/plain' },
      payload: PDF,
    });
    expect(res.statusCode).toBe(415);
    expect(
      (await t.app.inject({ method: 'GET', url: api(`/endorsements/${id}/mandate`), headers: official.headers }))
        .statusCode,
    ).toBe(404);
  });
});
