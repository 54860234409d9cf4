import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { endorsementRequests } from './helpers/endorsements-api.js';
import { createSecretariat, type TestUser } from './helpers/factories.js';
import { createPublishedPledge, publishNextVersion } from './helpers/pledge-factories.js';

let t: TestApp;
let secretariat: TestUser;
beforeAll(async () => {
  t = await buildTestApp();
  secretariat = await createSecretariat(t);
});
afterAll(async () => t.close());

const { get, post, decided, withdrawn, endorsingCity } = endorsementRequests(() => ({ t, secretariat }));

describe('A city re-confirms its endorsement on a newer version of the pledge', () => {
  it('re-confirms only on the published version, and only when it is newer (409)', async () => {
    const p = await createPublishedPledge(t, { areaKeys: ['governance', 'climate'] });
    const f = await endorsingCity(p.slug);
    const same = await post(f.official, `/endorsements/${f.id}/reconfirm`, { versionNumber: 1 });
    expect(same.statusCode).toBe(409);
    expect(same.json().code).toBe('invalid_state');
    await publishNextVersion(t, p.slug, { add: ['housing'] });
    for (const versionNumber of [1, 3]) {
      const res = await post(f.official, `/endorsements/${f.id}/reconfirm`, { versionNumber });
      expect(res.statusCode, String(versionNumber)).toBe(409);
    }
    const ok = await post(f.official, `/endorsements/${f.id}/reconfirm`, { versionNumber: 2 });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({
      versionNumber: 2,
      areaKeys: ['governance', 'climate', 'housing'],
      droppedAreaKeys: [],
      revision: 2,
      status: 'submitted',
    });
    // Now on version 2, re-confirming on it again is refused.
    expect((await post(f.official, `/endorsements/${f.id}/reconfirm`, { versionNumber: 2 })).statusCode).toBe(409);
    // Withdrawn endorsements cannot be re-confirmed.
    await withdrawn(f.official, f.id);
    const p2 = await createPublishedPledge(t, { areaKeys: ['governance'] });
    const g = await endorsingCity(p2.slug);
    await withdrawn(g.official, g.id);
    await publishNextVersion(t, p2.slug, { add: ['housing'] });
    expect((await post(g.official, `/endorsements/${g.id}/reconfirm`, { versionNumber: 2 })).statusCode).toBe(409);
  });

  it('drops the areas a newer version removed and lists them; refuses when none is left (409)', async () => {
    const p = await createPublishedPledge(t, { areaKeys: ['governance', 'economy', 'climate', 'services'] });
    const partly = await endorsingCity(p.slug, { scope: 'areas', areaKeys: ['governance', 'economy', 'climate'] });
    const gone = await endorsingCity(p.slug, { scope: 'areas', areaKeys: ['economy', 'services'] });
    await decided(partly.id, 'verified');
    const v2 = await publishNextVersion(t, p.slug, { remove: ['economy', 'services'], add: ['housing'] });

    const res = await post(partly.official, `/endorsements/${partly.id}/reconfirm`, { versionNumber: 2 });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      scope: 'areas',
      areaKeys: ['governance', 'climate'],
      droppedAreaKeys: ['economy'],
      versionNumber: 2,
      contentHash: v2.contentHash,
      status: 'submitted',
      revision: 3,
    });
    expect(body.history.at(-1)).toMatchObject({
      action: 'reconfirmed',
      versionNumber: 2,
      areaKeys: ['governance', 'climate'],
      reason: expect.stringContaining('economy'),
    });

    const none = await post(gone.official, `/endorsements/${gone.id}/reconfirm`, { versionNumber: 2 });
    expect(none.statusCode).toBe(409);
    expect((await get(secretariat, `/endorsements/${gone.id}`)).json()).toMatchObject({
      versionNumber: 1,
      areaKeys: ['economy', 'services'],
      revision: 1,
    });
    // Choosing areas explicitly works, and unknown ones are refused.
    expect(
      (
        await post(gone.official, `/endorsements/${gone.id}/reconfirm`, {
          versionNumber: 2,
          scope: 'areas',
          areaKeys: ['economy'],
        })
      ).statusCode,
    ).toBe(400);
    const chosen = await post(gone.official, `/endorsements/${gone.id}/reconfirm`, {
      versionNumber: 2,
      scope: 'areas',
      areaKeys: ['housing'],
    });
    expect(chosen.statusCode, chosen.body).toBe(200);
    expect(chosen.json()).toMatchObject({ areaKeys: ['housing'], versionNumber: 2 });
  });
});
