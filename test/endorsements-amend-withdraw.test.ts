import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { endorsementRequests, type PublishedPledge } from './helpers/endorsements-api.js';
import { createCityOfficial, createReviewer, createSecretariat, type TestUser } from './helpers/factories.js';
import { createPublishedPledge } from './helpers/pledge-factories.js';

let t: TestApp;
let secretariat: TestUser;
beforeAll(async () => {
  t = await buildTestApp();
  secretariat = await createSecretariat(t);
});
afterAll(async () => t.close());

const { get, post, patch, decide, decided, withdrawn, endorsingCity } = endorsementRequests(() => ({ t, secretariat }));

describe('A city amends or withdraws its endorsement; what is over stays over', () => {
  let pledge: PublishedPledge;
  beforeAll(async () => {
    pledge = await createPublishedPledge(t, { areaKeys: ['governance', 'economy', 'climate'] });
  });

  it("hides amend, reconfirm and withdraw from another city's official (404); a reviewer gets 403", async () => {
    const f = await endorsingCity(pledge.slug);
    const stranger = await createCityOfficial(t);
    const reviewer = await createReviewer(t, 'MMC');
    const otherReviewer = await createReviewer(t, 'Metropolis');
    const attempts = (u: TestUser) => [
      () => patch(u, `/endorsements/${f.id}`, { scope: 'areas', areaKeys: ['climate'] }),
      () => post(u, `/endorsements/${f.id}/reconfirm`, { versionNumber: 1 }),
      () => post(u, `/endorsements/${f.id}/withdraw`, { reason: 'Not ours to withdraw.' }),
    ];
    for (const attempt of attempts(stranger)) expect((await attempt()).statusCode).toBe(404);
    for (const attempt of attempts(otherReviewer)) expect((await attempt()).statusCode).toBe(404);
    for (const attempt of attempts(reviewer)) {
      const res = await attempt();
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('forbidden');
    }
    const after = (await get(secretariat, `/endorsements/${f.id}`)).json();
    expect(after).toMatchObject({ status: 'submitted', revision: 1, scope: 'whole' });
  });

  it('keeps decisions to the secretariat (403) and requires a note to reject (400)', async () => {
    const f = await endorsingCity(pledge.slug);
    const reviewer = await createReviewer(t, 'MMC');
    expect((await decide(f.official, f.id, 'verified')).statusCode).toBe(403);
    expect((await decide(reviewer, f.id, 'verified')).statusCode).toBe(403);
    expect((await decide(await createCityOfficial(t), f.id, 'verified')).statusCode).toBe(403);
    const noNote = await decide(secretariat, f.id, 'rejected');
    expect(noNote.statusCode).toBe(400);
    expect(JSON.stringify(noNote.json().errors)).toContain('note');
    expect(
      (await post(secretariat, `/endorsements/${f.id}/decision`, { decision: 'rejected', note: '   ' })).statusCode,
    ).toBe(400);
    expect((await decide(secretariat, f.id, 'approved')).statusCode).toBe(400);
    expect((await get(secretariat, `/endorsements/${f.id}`)).json()).toMatchObject({
      status: 'submitted',
      revision: 1,
    });
  });

  it('refuses to decide twice (409), and to withdraw or amend what is over (409)', async () => {
    const v = await endorsingCity(pledge.slug);
    await decided(v.id, 'verified');
    expect((await decide(secretariat, v.id, 'verified')).statusCode).toBe(409);
    expect((await decide(secretariat, v.id, 'rejected', 'Too late.')).statusCode).toBe(409);

    const r = await endorsingCity(pledge.slug);
    await decided(r.id, 'rejected');
    const verifyRejected = await decide(secretariat, r.id, 'verified');
    expect(verifyRejected.statusCode).toBe(409);
    expect(verifyRejected.json().code).toBe('invalid_state');
    expect((await post(r.official, `/endorsements/${r.id}/withdraw`, { reason: 'Changed our mind.' })).statusCode).toBe(
      409,
    );
    expect((await patch(r.official, `/endorsements/${r.id}`, { scope: 'whole' })).statusCode).toBe(409);

    const w = await endorsingCity(pledge.slug);
    await withdrawn(w.official, w.id);
    expect((await post(w.official, `/endorsements/${w.id}/withdraw`, { reason: 'Once more.' })).statusCode).toBe(409);
    const amendWithdrawn = await patch(w.official, `/endorsements/${w.id}`, { scope: 'areas', areaKeys: ['climate'] });
    expect(amendWithdrawn.statusCode).toBe(409);
    expect((await decide(secretariat, w.id, 'verified')).statusCode).toBe(409);
    const after = (await get(secretariat, `/endorsements/${w.id}`)).json();
    expect(after).toMatchObject({ status: 'withdrawn', revision: 2, scope: 'whole' });
    // A withdrawal needs a reason.
    const f = await endorsingCity(pledge.slug);
    expect((await post(f.official, `/endorsements/${f.id}/withdraw`, {})).statusCode).toBe(400);
  });

  it('sends a verified endorsement back to submitted when amended, by its city or the secretariat', async () => {
    const f = await endorsingCity(pledge.slug);
    await decided(f.id, 'verified');
    const amended = await patch(f.official, `/endorsements/${f.id}`, {
      scope: 'areas',
      areaKeys: ['climate', 'economy'],
      reason: 'Council narrowed it.',
    });
    expect(amended.statusCode, amended.body).toBe(200);
    expect(amended.json()).toMatchObject({
      status: 'submitted',
      revision: 3,
      scope: 'areas',
      areaKeys: ['economy', 'climate'],
      verifiedAt: null,
    });
    const bySecretariat = await patch(secretariat, `/endorsements/${f.id}`, { scope: 'whole' });
    expect(bySecretariat.statusCode, bySecretariat.body).toBe(200);
    expect(bySecretariat.json().areaKeys).toEqual(['governance', 'economy', 'climate']);
    expect(bySecretariat.json().history.at(-1)).toMatchObject({
      revision: 4,
      action: 'amended',
      by: { id: secretariat.id, role: 'secretariat' },
    });
    expect(
      (await patch(f.official, `/endorsements/${f.id}`, { scope: 'areas', areaKeys: ['housing'] })).statusCode,
    ).toBe(400);
  });
});
