import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createCity, createCityOfficial, createSecretariat, type TestUser } from './helpers/factories.js';
import { createPublishedPledge, publishNextVersion } from './helpers/pledge-factories.js';

let t: TestApp;
let secretariat: TestUser;
beforeAll(async () => {
  t = await buildTestApp();
  secretariat = await createSecretariat(t);
});
afterAll(async () => t.close());

const api = (path: string) => `/api/v1${path}`;

describe('endorsing a pledge, end to end', () => {
  it('submits, decides, amends, re-confirms and withdraws, with the public list right at each step', async () => {
    const pledge = await createPublishedPledge(t, { areaKeys: ['governance', 'economy', 'climate', 'services'] });
    const cityA = await createCity(t, { name: 'Quito', country: 'EC' });
    const cityB = await createCity(t, { name: 'Kraków', country: 'PL' });
    const cityC = await createCity(t, { name: 'Bogotá', country: 'CO' });
    const [a, b, c] = [
      await createCityOfficial(t, cityA.id),
      await createCityOfficial(t, cityB.id),
      await createCityOfficial(t, cityC.id),
    ];
    const signatory = { name: 'María Pérez', title: 'Mayor' };
    const endorse = (u: TestUser, body: object) =>
      t.app.inject({
        method: 'POST',
        url: api(`/pledges/${pledge.slug}/endorsements`),
        headers: u.headers,
        payload: { versionNumber: 1, signatory, ...body },
      });
    const signatories = async () =>
      (await t.app.inject({ method: 'GET', url: api(`/public/pledges/${pledge.slug}/signatories`) }))
        .json()
        .items.map((s: { city: { name: string }; areas: string[] }) => `${s.city.name}:${s.areas.join('+')}`)
        .sort();

    // Three cities endorse: whole; two areas; whole in Spanish.
    const ea = await endorse(a, { scope: 'whole', language: 'en' });
    expect(ea.statusCode, ea.body).toBe(201);
    expect(ea.json()).toMatchObject({
      cityId: cityA.id,
      versionNumber: 1,
      contentHash: pledge.contentHash,
      scope: 'whole',
      areaKeys: ['governance', 'economy', 'climate', 'services'],
      status: 'submitted',
      revision: 1,
    });
    const eb = await endorse(b, { scope: 'areas', areaKeys: ['climate', 'governance'], language: 'fr' });
    expect(eb.json().areaKeys).toEqual(['governance', 'climate']);
    const ec = await endorse(c, { scope: 'whole', language: 'es' });
    expect(ec.json().language).toBe('es');
    expect(await signatories()).toEqual([]);

    // Verify two, reject one with a note.
    const decide = (id: string, decision: string, note?: string) =>
      t.app.inject({
        method: 'POST',
        url: api(`/endorsements/${id}/decision`),
        headers: secretariat.headers,
        payload: { decision, ...(note ? { note } : {}) },
      });
    expect((await decide(ea.json().id, 'verified')).json().status).toBe('verified');
    expect((await decide(eb.json().id, 'verified')).json().status).toBe('verified');
    const rejected = await decide(ec.json().id, 'rejected', 'The signatory must be the mayor.');
    expect(rejected.json()).toMatchObject({ status: 'rejected', decisionNote: 'The signatory must be the mayor.' });
    expect(await signatories()).toEqual(['Kraków:governance+climate', 'Quito:governance+economy+climate+services']);

    // The rejected city submits again (a new endorsement), and it is verified.
    const ec2 = await endorse(c, {
      scope: 'whole',
      language: 'es',
      signatory: { name: 'Carlos Galán', title: 'Alcalde Mayor' },
    });
    expect(ec2.statusCode, ec2.body).toBe(201);
    expect(ec2.json().id).not.toBe(ec.json().id);
    await decide(ec2.json().id, 'verified');

    // An amendment adds an area and returns the endorsement to submitted.
    const amended = await t.app.inject({
      method: 'PATCH',
      url: api(`/endorsements/${eb.json().id}`),
      headers: b.headers,
      payload: {
        scope: 'areas',
        areaKeys: ['governance', 'climate', 'services'],
        reason: 'Council approved services too.',
      },
    });
    expect(amended.statusCode, amended.body).toBe(200);
    expect(amended.json()).toMatchObject({
      status: 'submitted',
      revision: 3,
      areaKeys: ['governance', 'climate', 'services'],
    });
    expect(await signatories()).toEqual([
      'Bogotá:governance+economy+climate+services',
      'Quito:governance+economy+climate+services',
    ]);
    await decide(eb.json().id, 'verified');

    // v2 is published (economy removed, housing added); Quito re-confirms on it.
    const v2 = await publishNextVersion(t, pledge.slug, { remove: ['economy'], add: ['housing'] });
    const reconfirmed = await t.app.inject({
      method: 'POST',
      url: api(`/endorsements/${ea.json().id}/reconfirm`),
      headers: a.headers,
      payload: { versionNumber: v2.versionNumber },
    });
    expect(reconfirmed.statusCode, reconfirmed.body).toBe(200);
    expect(reconfirmed.json()).toMatchObject({
      status: 'submitted',
      versionNumber: 2,
      contentHash: v2.contentHash,
      scope: 'whole',
      droppedAreaKeys: [],
    });
    expect(reconfirmed.json().areaKeys).toEqual(['governance', 'climate', 'services', 'housing']);
    // Kraków stays valid on version 1.
    expect(await signatories()).toEqual([
      'Bogotá:governance+economy+climate+services',
      'Kraków:governance+climate+services',
    ]);
    await decide(ea.json().id, 'verified');

    // A withdrawal removes the city from the public list.
    const withdrawn = await t.app.inject({
      method: 'POST',
      url: api(`/endorsements/${eb.json().id}/withdraw`),
      headers: b.headers,
      payload: { reason: 'New council.' },
    });
    expect(withdrawn.json().status).toBe('withdrawn');
    expect(await signatories()).toEqual([
      'Bogotá:governance+economy+climate+services',
      'Quito:governance+climate+services+housing',
    ]);

    // Every history is complete.
    const history = async (id: string, u: TestUser) =>
      (await t.app.inject({ method: 'GET', url: api(`/endorsements/${id}`), headers: u.headers }))
        .json()
        .history.map(
          (h: { revision: number; action: string; versionNumber: number }) =>
            `${h.revision}:${h.action}:v${h.versionNumber}`,
        );
    expect(await history(ea.json().id, a)).toEqual([
      '1:submitted:v1',
      '2:verified:v1',
      '3:reconfirmed:v2',
      '4:verified:v2',
    ]);
    expect(await history(eb.json().id, b)).toEqual([
      '1:submitted:v1',
      '2:verified:v1',
      '3:amended:v1',
      '4:verified:v1',
      '5:withdrawn:v1',
    ]);
    expect(await history(ec.json().id, c)).toEqual(['1:submitted:v1', '2:rejected:v1']);
    const detail = (
      await t.app.inject({ method: 'GET', url: api(`/endorsements/${eb.json().id}`), headers: secretariat.headers })
    ).json();
    expect(detail.history[2]).toMatchObject({
      reason: 'Council approved services too.',
      by: { id: b.id, role: 'city_official' },
    });
    expect(detail.history[4]).toMatchObject({ reason: 'New council.' });

    // The public pledge counts verified endorsements per area.
    const pub = (await t.app.inject({ method: 'GET', url: api(`/public/pledges/${pledge.slug}`) })).json();
    expect(pub.version.number).toBe(2);
    expect(pub.counts).toEqual([
      { key: 'governance', count: 2 },
      { key: 'climate', count: 2 },
      { key: 'services', count: 2 },
      { key: 'housing', count: 1 },
    ]);
    expect(
      JSON.stringify(
        await t.app
          .inject({ method: 'GET', url: api(`/public/pledges/${pledge.slug}/signatories`) })
          .then((r) => r.json()),
      ),
    ).not.toContain('@');
    expect(
      (await t.app.inject({ method: 'GET', url: api('/audit/verify'), headers: secretariat.headers })).json().ok,
    ).toBe(true);
  });
});
