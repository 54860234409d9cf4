import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { endorsementRequests, ids, type PublishedPledge } from './helpers/endorsements-api.js';
import {
  createCity,
  createCityOfficial,
  createReviewer,
  createSecretariat,
  type TestUser,
} from './helpers/factories.js';
import { createPublishedPledge } from './helpers/pledge-factories.js';

let t: TestApp;
let secretariat: TestUser;
beforeAll(async () => {
  t = await buildTestApp();
  secretariat = await createSecretariat(t);
});
afterAll(async () => t.close());

const { get, endorsed } = endorsementRequests(() => ({ t, secretariat }));

describe('Who sees which endorsements (GET /endorsements)', () => {
  let pledge: PublishedPledge;
  let mmc: { id: string; official: TestUser; cityId: string };
  let uclg: { id: string; official: TestUser; cityId: string };
  let none: { id: string; official: TestUser; cityId: string };
  let mmcReviewer: TestUser;
  let uclgReviewer: TestUser;
  beforeAll(async () => {
    pledge = await createPublishedPledge(t, { areaKeys: ['governance', 'climate'] });
    const make = async (networks: string[]) => {
      const city = await createCity(t, { networks });
      const official = await createCityOfficial(t, city.id);
      return { id: (await endorsed(official, pledge.slug)).id, official, cityId: city.id };
    };
    mmc = await make(['MMC']);
    uclg = await make(['UCLG']);
    none = await make([]);
    mmcReviewer = await createReviewer(t, 'MMC');
    uclgReviewer = await createReviewer(t, 'UCLG');
  });

  it('shows the secretariat every endorsement', async () => {
    const res = await get(secretariat, `/endorsements?pledge=${pledge.slug}`);
    expect(res.statusCode).toBe(200);
    expect(ids(res)).toEqual([mmc.id, uclg.id, none.id].sort());
  });

  it("shows a reviewer only the endorsements of their network's member cities", async () => {
    expect(ids(await get(mmcReviewer, `/endorsements?pledge=${pledge.slug}`))).toEqual([mmc.id]);
    expect(ids(await get(uclgReviewer, `/endorsements?pledge=${pledge.slug}`))).toEqual([uclg.id]);
    // Without a pledge filter too: nothing of a city outside the network leaks in.
    const all = (await get(mmcReviewer, '/endorsements?limit=500')).json().items as Array<{ id: string }>;
    expect(all.map((i) => i.id)).toContain(mmc.id);
    expect(all.map((i) => i.id)).not.toContain(uclg.id);
    expect(all.map((i) => i.id)).not.toContain(none.id);
    // Asking for another network's cities gives nothing either.
    expect(ids(await get(mmcReviewer, `/endorsements?pledge=${pledge.slug}&network=UCLG`))).toEqual([]);
  });

  it('shows a city official only their own city', async () => {
    const all = (await get(uclg.official, '/endorsements?limit=500')).json().items as Array<{
      cityId: string;
      id: string;
    }>;
    expect(all.map((i) => i.id)).toEqual([uclg.id]);
    expect(all.every((i) => i.cityId === uclg.cityId)).toBe(true);
    expect((await get(undefined, '/endorsements')).statusCode).toBe(401);
  });

  it('answers 404 for an endorsement the caller may not see', async () => {
    expect((await get(mmc.official, `/endorsements/${uclg.id}`)).statusCode).toBe(404);
    expect((await get(uclgReviewer, `/endorsements/${mmc.id}`)).statusCode).toBe(404);
    expect((await get(uclgReviewer, `/endorsements/${none.id}`)).statusCode).toBe(404);
    expect((await get(mmcReviewer, `/endorsements/${mmc.id}`)).statusCode).toBe(200);
    expect((await get(mmc.official, `/endorsements/${mmc.id}`)).statusCode).toBe(200);
    expect((await get(secretariat, `/endorsements/${none.id}`)).statusCode).toBe(200);
    expect((await get(secretariat, '/endorsements/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    expect((await get(secretariat, '/endorsements/not-a-uuid')).statusCode).toBe(400);
  });
});
