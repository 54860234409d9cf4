import { and, asc, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, endorsements, mailOutbox, users } from '../src/db/schema/index.js';
import { createPledge } from '../src/modules/pledges/pledges.service.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import {
  createCity,
  createCityOfficial,
  createReviewer,
  createSecretariat,
  type TestUser,
  unique,
} from './helpers/factories.js';
import { createPublishedPledge, publishNextVersion } from './helpers/pledge-factories.js';

let t: TestApp;
let secretariat: TestUser;
beforeAll(async () => {
  t = await buildTestApp();
  secretariat = await createSecretariat(t);
});
afterAll(async () => t.close());

type Body = Record<string, unknown>;
const api = (path: string) => `/api/v1${path}`;
const signatory = { name: 'Ana Ruiz', title: 'Mayor' };

function endorse(u: TestUser | undefined, slug: string, body: Body = {}) {
  return t.app.inject({
    method: 'POST',
    url: api(`/pledges/${slug}/endorsements`),
    headers: u?.headers ?? {},
    payload: { versionNumber: 1, scope: 'whole', signatory, language: 'en', ...body },
  });
}
const get = (u: TestUser | undefined, path: string) =>
  t.app.inject({ method: 'GET', url: api(path), headers: u?.headers ?? {} });
const post = (u: TestUser, path: string, payload: Body) =>
  t.app.inject({ method: 'POST', url: api(path), headers: u.headers, payload });
const patch = (u: TestUser, path: string, payload: Body) =>
  t.app.inject({ method: 'PATCH', url: api(path), headers: u.headers, payload });
const decide = (u: TestUser, id: string, decision: string, note?: string) =>
  post(u, `/endorsements/${id}/decision`, { decision, ...(note ? { note } : {}) });

/** Endorses and insists on a 201. */
async function endorsed(u: TestUser, slug: string, body: Body = {}) {
  const res = await endorse(u, slug, body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as {
    id: string;
    cityId: string;
    pledgeId: string;
    areaKeys: string[];
    versionNumber: number;
    createdAt: string;
  };
}

async function decided(id: string, decision: 'verified' | 'rejected', note?: string) {
  const res = await decide(secretariat, id, decision, note ?? (decision === 'rejected' ? 'Not the mayor.' : undefined));
  expect(res.statusCode, res.body).toBe(200);
  expect(res.json().status).toBe(decision);
}

async function withdrawn(u: TestUser, id: string) {
  const res = await post(u, `/endorsements/${id}/withdraw`, { reason: 'New council.' });
  expect(res.statusCode, res.body).toBe(200);
}

const ids = (res: { json: () => { items: Array<{ id: string }> } }) =>
  res
    .json()
    .items.map((i) => i.id)
    .sort();

describe('POST /pledges/:pledgeId/endorsements — what a request must be', () => {
  let pledge: Awaited<ReturnType<typeof createPublishedPledge>>;
  let official: TestUser;
  beforeAll(async () => {
    pledge = await createPublishedPledge(t, { areaKeys: ['governance', 'economy', 'climate'] });
    official = await createCityOfficial(t);
  });

  it('refuses a version number that is not the published one (409), and leaves no row behind', async () => {
    const res = await endorse(official, pledge.slug, { versionNumber: 2 });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('invalid_state');
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(await t.db.select().from(endorsements).where(eq(endorsements.cityId, official.cityId!))).toHaveLength(0);
  });

  it('refuses the older version once a newer one is published (409) and stores the hash of the one endorsed', async () => {
    const p = await createPublishedPledge(t, { areaKeys: ['governance', 'climate'] });
    const v2 = await publishNextVersion(t, p.slug, { add: ['housing'] });
    const o = await createCityOfficial(t);
    expect((await endorse(o, p.slug, { versionNumber: 1 })).statusCode).toBe(409);
    const e = await endorsed(o, p.slug, { versionNumber: v2.versionNumber });
    expect(e).toMatchObject({
      versionNumber: 2,
      contentHash: v2.contentHash,
      areaKeys: ['governance', 'climate', 'housing'],
    });
    expect(v2.contentHash).not.toBe(p.contentHash);
  });

  it('answers 404 for a pledge with no published version, and for an unknown one', async () => {
    const slug = unique('draft-only-').toLowerCase();
    await createPledge(t.system, { slug, title: { en: 'Never published' } });
    const draft = await endorse(official, slug);
    expect(draft.statusCode).toBe(404);
    expect(draft.json().code).toBe('not_found');
    expect((await endorse(official, unique('no-such-pledge-').toLowerCase())).statusCode).toBe(404);
    expect((await endorse(official, '00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
  });

  it('rejects unknown area keys, repeated keys, empty keys and scope/areaKeys mismatches (400)', async () => {
    const unknownKey = await endorse(official, pledge.slug, { scope: 'areas', areaKeys: ['governance', 'housing'] });
    expect(unknownKey.statusCode).toBe(400);
    expect(unknownKey.json().code).toBe('validation_failed');
    expect(JSON.stringify(unknownKey.json().errors)).toContain('housing');

    for (const body of [
      { scope: 'areas', areaKeys: ['climate', 'climate'] },
      { scope: 'areas', areaKeys: [] },
      { scope: 'areas' },
      { scope: 'whole', areaKeys: ['climate'] },
      { scope: 'partial', areaKeys: ['climate'] },
      { areaKeys: ['climate'], scope: undefined },
    ]) {
      const res = await endorse(official, pledge.slug, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().code).toBe('validation_failed');
    }
    const missingAreaKeys = await endorse(official, pledge.slug, { scope: 'areas' });
    expect(missingAreaKeys.json().errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: expect.stringContaining('areaKeys') })]),
    );
    expect(await t.db.select().from(endorsements).where(eq(endorsements.cityId, official.cityId!))).toHaveLength(0);
  });

  it('accepts only en, es or fr as the language (400 otherwise)', async () => {
    for (const language of ['de', 'EN', '', undefined]) {
      const res = await endorse(official, pledge.slug, { language });
      expect(res.statusCode, String(language)).toBe(400);
    }
    for (const language of ['en', 'es', 'fr']) {
      const o = await createCityOfficial(t);
      expect((await endorsed(o, pledge.slug, { language })).areaKeys).toEqual(['governance', 'economy', 'climate']);
    }
  });

  it('requires the signatory name and title (400)', async () => {
    for (const s of [
      { title: 'Mayor' },
      { name: 'Ana Ruiz' },
      { name: '   ', title: 'Mayor' },
      { name: 'Ana Ruiz', title: '' },
      { name: 'Ana', title: 'Mayor', email: 'not-an-email' },
    ]) {
      const res = await endorse(official, pledge.slug, { signatory: s });
      expect(res.statusCode, JSON.stringify(s)).toBe(400);
    }
    expect((await endorse(official, pledge.slug, { signatory: undefined })).statusCode).toBe(400);
  });

  it('stores the content hash of the published version, keeps the version order of the chosen areas', async () => {
    const o = await createCityOfficial(t);
    const e = await endorsed(o, pledge.slug, {
      scope: 'areas',
      areaKeys: ['climate', 'governance'],
      signatory: { ...signatory, email: 'ana@city.example' },
      statement: 'We commit.',
    });
    expect(e).toMatchObject({
      cityId: o.cityId,
      pledgeId: pledge.pledgeId,
      versionNumber: 1,
      contentHash: pledge.contentHash,
      scope: 'areas',
      areaKeys: ['governance', 'climate'],
      status: 'submitted',
      revision: 1,
      onBehalf: false,
    });
    const [row] = await t.db.select().from(endorsements).where(eq(endorsements.id, e.id));
    expect(row!.contentHash).toBe(pledge.contentHash);
    expect(row!.signatoryEmail).toBe('ana@city.example');
    // By id as well as by slug.
    const other = await createCityOfficial(t);
    expect((await endorsed(other, pledge.pledgeId)).pledgeId).toBe(pledge.pledgeId);
  });
});

describe('POST /pledges/:pledgeId/endorsements — who may endorse', () => {
  let pledge: Awaited<ReturnType<typeof createPublishedPledge>>;
  beforeAll(async () => {
    pledge = await createPublishedPledge(t, { areaKeys: ['governance', 'climate'] });
  });

  it('lets a city official endorse only for their own city (403 for another cityId)', async () => {
    const official = await createCityOfficial(t);
    const otherCity = await createCity(t);
    const res = await endorse(official, pledge.slug, { cityId: otherCity.id });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('forbidden');
    expect(await t.db.select().from(endorsements).where(eq(endorsements.cityId, otherCity.id))).toHaveLength(0);
    // Naming their own city is fine.
    expect((await endorsed(official, pledge.slug, { cityId: official.cityId })).cityId).toBe(official.cityId);
  });

  it('needs a cityId from the secretariat (400); with one it is on behalf of the city', async () => {
    const missing = await endorse(secretariat, pledge.slug);
    expect(missing.statusCode).toBe(400);
    expect(JSON.stringify(missing.json().errors)).toContain('cityId');
    const unknownCity = await endorse(secretariat, pledge.slug, { cityId: '00000000-0000-4000-8000-000000000000' });
    expect(unknownCity.statusCode).toBe(400);

    const city = await createCity(t);
    const e = await endorsed(secretariat, pledge.slug, { cityId: city.id });
    expect(e).toMatchObject({ cityId: city.id, onBehalf: true, status: 'submitted', revision: 1 });
    const detail = (await get(secretariat, `/endorsements/${e.id}`)).json();
    expect(detail.history).toHaveLength(1);
    expect(detail.history[0]).toMatchObject({
      revision: 1,
      action: 'submitted_on_behalf',
      by: { id: secretariat.id, role: 'secretariat' },
      versionNumber: 1,
    });
  });

  it('refuses a network reviewer (403) and an anonymous caller (401)', async () => {
    const city = await createCity(t, { networks: ['MMC'] });
    const reviewer = await createReviewer(t, 'MMC');
    const asReviewer = await endorse(reviewer, pledge.slug, { cityId: city.id });
    expect(asReviewer.statusCode).toBe(403);
    const anonymous = await endorse(undefined, pledge.slug, { cityId: city.id });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().code).toBe('unauthenticated');
    expect(await t.db.select().from(endorsements).where(eq(endorsements.cityId, city.id))).toHaveLength(0);
  });
});

describe('one live endorsement per city per pledge', () => {
  let pledge: Awaited<ReturnType<typeof createPublishedPledge>>;
  beforeAll(async () => {
    pledge = await createPublishedPledge(t, { areaKeys: ['governance', 'climate'] });
  });

  it('refuses a second one while the first is submitted, and while it is verified (409)', async () => {
    const o = await createCityOfficial(t);
    const first = await endorsed(o, pledge.slug);
    const again = await endorse(o, pledge.slug, { scope: 'areas', areaKeys: ['climate'] });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('conflict');
    // The secretariat on the city's behalf meets the same rule.
    expect((await endorse(secretariat, pledge.slug, { cityId: o.cityId })).statusCode).toBe(409);
    await decided(first.id, 'verified');
    expect((await endorse(o, pledge.slug)).statusCode).toBe(409);
    expect(await t.db.select().from(endorsements).where(eq(endorsements.cityId, o.cityId!))).toHaveLength(1);
  });

  it('lets the city submit again after a rejection or a withdrawal (201)', async () => {
    const o1 = await createCityOfficial(t);
    const rejected = await endorsed(o1, pledge.slug);
    await decided(rejected.id, 'rejected');
    const second = await endorsed(o1, pledge.slug);
    expect(second.id).not.toBe(rejected.id);

    const o2 = await createCityOfficial(t);
    const submitted = await endorsed(o2, pledge.slug);
    await withdrawn(o2, submitted.id);
    const afterWithdrawal = await endorsed(o2, pledge.slug);
    await decided(afterWithdrawal.id, 'verified');
    await withdrawn(o2, afterWithdrawal.id);
    await endorsed(o2, pledge.slug);
    expect(await t.db.select().from(endorsements).where(eq(endorsements.cityId, o2.cityId!))).toHaveLength(3);
  });

  it('is per pledge: the same city may endorse two pledges', async () => {
    const other = await createPublishedPledge(t);
    const o = await createCityOfficial(t);
    await endorsed(o, pledge.slug);
    await endorsed(o, other.slug);
  });
});

describe('GET /endorsements — who sees what', () => {
  let pledge: Awaited<ReturnType<typeof createPublishedPledge>>;
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

describe('GET /endorsements — filters and pages', () => {
  let pledge: Awaited<ReturnType<typeof createPublishedPledge>>;
  const e: Record<'a' | 'b' | 'c' | 'd', string> = { a: '', b: '', c: '', d: '' };
  beforeAll(async () => {
    pledge = await createPublishedPledge(t, { areaKeys: ['governance', 'economy', 'climate'] });
    const official = async (country: string, networks: string[]) =>
      createCityOfficial(t, (await createCity(t, { country, networks })).id);
    // a: Ecuador, MMC, whole, verified. b: France, UCLG, climate, submitted. c: Japan, UCLG, governance, rejected.
    e.a = (await endorsed(await official('EC', ['MMC']), pledge.slug)).id;
    await decided(e.a, 'verified');
    e.b = (await endorsed(await official('FR', ['UCLG']), pledge.slug, { scope: 'areas', areaKeys: ['climate'] })).id;
    e.c = (
      await endorsed(await official('JP', ['UCLG']), pledge.slug, { scope: 'areas', areaKeys: ['governance'] })
    ).id;
    await decided(e.c, 'rejected');
    // d: Ecuador, no network, on version 2 (which adds housing), housing only.
    await publishNextVersion(t, pledge.slug, { add: ['housing'] });
    e.d = (
      await endorsed(await official('EC', []), pledge.slug, { versionNumber: 2, scope: 'areas', areaKeys: ['housing'] })
    ).id;
  });

  const list = async (query: string) => {
    const res = await get(secretariat, `/endorsements?pledge=${pledge.slug}&${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return ids(res);
  };
  const sorted = (...keys: Array<keyof typeof e>) => keys.map((k) => e[k]).sort();

  it('filters by pledge, by slug and by id', async () => {
    expect(await list('')).toEqual(sorted('a', 'b', 'c', 'd'));
    expect(ids(await get(secretariat, `/endorsements?pledge=${pledge.pledgeId}`))).toEqual(sorted('a', 'b', 'c', 'd'));
    expect(ids(await get(secretariat, `/endorsements?pledge=${pledge.slug.toUpperCase()}`))).toEqual(
      sorted('a', 'b', 'c', 'd'),
    );
    expect(ids(await get(secretariat, `/endorsements?pledge=${unique('nothing-').toLowerCase()}`))).toEqual([]);
  });

  it('filters by status', async () => {
    expect(await list('status=verified')).toEqual(sorted('a'));
    expect(await list('status=submitted')).toEqual(sorted('b', 'd'));
    expect(await list('status=rejected')).toEqual(sorted('c'));
    expect(await list('status=withdrawn')).toEqual([]);
    expect((await get(secretariat, '/endorsements?status=approved')).statusCode).toBe(400);
  });

  it('filters by country and region', async () => {
    expect(await list('country=EC')).toEqual(sorted('a', 'd'));
    expect(await list('country=fr')).toEqual(sorted('b'));
    expect(await list('country=BR')).toEqual([]);
    expect(await list('region=Europe')).toEqual(sorted('b'));
    expect(await list('region=Americas')).toEqual(sorted('a', 'd'));
    expect(await list('region=Asia')).toEqual(sorted('c'));
    expect((await get(secretariat, '/endorsements?country=XX')).statusCode).toBe(400);
  });

  it('filters by network, area key and version number, and combines filters', async () => {
    expect(await list('network=MMC')).toEqual(sorted('a'));
    expect(await list('network=UCLG')).toEqual(sorted('b', 'c'));
    expect(await list('network=GPM')).toEqual([]);
    expect(await list('areaKey=climate')).toEqual(sorted('a', 'b'));
    expect(await list('areaKey=governance')).toEqual(sorted('a', 'c'));
    expect(await list('areaKey=housing')).toEqual(sorted('d'));
    expect(await list('versionNumber=1')).toEqual(sorted('a', 'b', 'c'));
    expect(await list('versionNumber=2')).toEqual(sorted('d'));
    expect(await list('country=EC&versionNumber=1')).toEqual(sorted('a'));
    expect(await list('network=UCLG&status=submitted&areaKey=climate')).toEqual(sorted('b'));
  });

  it('pages with a cursor: limit=2 over 5, newest first, no duplicates, nextCursor null at the end', async () => {
    const p = await createPublishedPledge(t, { areaKeys: ['governance'] });
    const created: Array<{ id: string; createdAt: string }> = [];
    for (let i = 0; i < 5; i++) created.push(await endorsed(await createCityOfficial(t), p.slug));
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 5; page++) {
      const res = await get(
        secretariat,
        `/endorsements?pledge=${p.slug}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json() as { items: Array<{ id: string }>; nextCursor: string | null };
      sizes.push(body.items.length);
      seen.push(...body.items.map((i) => i.id));
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    expect(sizes).toEqual([2, 2, 1]);
    expect(new Set(seen).size).toBe(5);
    // Newest first (ties broken by id, descending).
    const key = (x: { id: string; createdAt: string }) => `${x.createdAt}|${x.id}`;
    const newestFirst = [...created].sort((x, y) => (key(x) < key(y) ? 1 : -1)).map((x) => x.id);
    expect(seen).toEqual(newestFirst);
    const whole = (await get(secretariat, `/endorsements?pledge=${p.slug}&limit=5`)).json();
    expect(whole.items).toHaveLength(5);
    expect(whole.nextCursor).toBeNull();
  });

  it('pages without loss when several endorsements share the same creation time', async () => {
    const p = await createPublishedPledge(t, { areaKeys: ['governance'] });
    const created: string[] = [];
    for (let i = 0; i < 5; i++) created.push((await endorsed(await createCityOfficial(t), p.slug)).id);
    await t.db
      .update(endorsements)
      .set({ createdAt: new Date('2024-03-01T12:00:00.000Z') })
      .where(eq(endorsements.pledgeId, p.pledgeId));
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 5; page++) {
      const body = (
        await get(
          secretariat,
          `/endorsements?pledge=${p.slug}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        )
      ).json() as { items: Array<{ id: string }>; nextCursor: string | null };
      seen.push(...body.items.map((i) => i.id));
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toEqual([...created].sort().reverse());
  });

  it('refuses an invalid cursor and an out-of-range limit (400)', async () => {
    for (const q of [
      'cursor=not-a-cursor',
      `cursor=${Buffer.from(JSON.stringify(['x', 'y'])).toString('base64url')}`,
      'limit=0',
      'limit=501',
    ]) {
      const res = await get(secretariat, `/endorsements?${q}`);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().code).toBe('validation_failed');
    }
  });
});

describe('lifecycle rules', () => {
  let pledge: Awaited<ReturnType<typeof createPublishedPledge>>;
  beforeAll(async () => {
    pledge = await createPublishedPledge(t, { areaKeys: ['governance', 'economy', 'climate'] });
  });

  /** A city in MMC with an official and a submitted endorsement. */
  async function fixture(slug = pledge.slug, body: Body = {}) {
    const city = await createCity(t, { networks: ['MMC'] });
    const official = await createCityOfficial(t, city.id);
    const e = await endorsed(official, slug, body);
    return { official, cityId: city.id, id: e.id };
  }

  it("hides amend, reconfirm and withdraw from another city's official (404) and forbids them to a reviewer (403)", async () => {
    const f = await fixture();
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
    const f = await fixture();
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
    const v = await fixture();
    await decided(v.id, 'verified');
    expect((await decide(secretariat, v.id, 'verified')).statusCode).toBe(409);
    expect((await decide(secretariat, v.id, 'rejected', 'Too late.')).statusCode).toBe(409);

    const r = await fixture();
    await decided(r.id, 'rejected');
    const verifyRejected = await decide(secretariat, r.id, 'verified');
    expect(verifyRejected.statusCode).toBe(409);
    expect(verifyRejected.json().code).toBe('invalid_state');
    expect((await post(r.official, `/endorsements/${r.id}/withdraw`, { reason: 'Changed our mind.' })).statusCode).toBe(
      409,
    );
    expect((await patch(r.official, `/endorsements/${r.id}`, { scope: 'whole' })).statusCode).toBe(409);

    const w = await fixture();
    await withdrawn(w.official, w.id);
    expect((await post(w.official, `/endorsements/${w.id}/withdraw`, { reason: 'Once more.' })).statusCode).toBe(409);
    const amendWithdrawn = await patch(w.official, `/endorsements/${w.id}`, { scope: 'areas', areaKeys: ['climate'] });
    expect(amendWithdrawn.statusCode).toBe(409);
    expect((await decide(secretariat, w.id, 'verified')).statusCode).toBe(409);
    const after = (await get(secretariat, `/endorsements/${w.id}`)).json();
    expect(after).toMatchObject({ status: 'withdrawn', revision: 2, scope: 'whole' });
    // A withdrawal needs a reason.
    const f = await fixture();
    expect((await post(f.official, `/endorsements/${f.id}/withdraw`, {})).statusCode).toBe(400);
  });

  it('sends a verified endorsement back to submitted when amended, by its city or the secretariat', async () => {
    const f = await fixture();
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

  it('re-confirms only on the published version, and only when it is newer (409)', async () => {
    const p = await createPublishedPledge(t, { areaKeys: ['governance', 'climate'] });
    const f = await fixture(p.slug);
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
    const g = await fixture(p2.slug);
    await withdrawn(g.official, g.id);
    await publishNextVersion(t, p2.slug, { add: ['housing'] });
    expect((await post(g.official, `/endorsements/${g.id}/reconfirm`, { versionNumber: 2 })).statusCode).toBe(409);
  });

  it('drops the areas a newer version removed and lists them; refuses when none is left (409)', async () => {
    const p = await createPublishedPledge(t, { areaKeys: ['governance', 'economy', 'climate', 'services'] });
    const partly = await fixture(p.slug, { scope: 'areas', areaKeys: ['governance', 'economy', 'climate'] });
    const gone = await fixture(p.slug, { scope: 'areas', areaKeys: ['economy', 'services'] });
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

  it('records every change in the history: who, when, action, areas, version and reason', async () => {
    const p = await createPublishedPledge(t, { areaKeys: ['governance', 'economy', 'climate'] });
    const f = await fixture(p.slug);
    const t0 = Date.now();
    await decided(f.id, 'verified', 'Mandate checked.');
    await patch(f.official, `/endorsements/${f.id}`, {
      scope: 'areas',
      areaKeys: ['climate'],
      reason: 'Only climate for now.',
    });
    await decided(f.id, 'rejected', 'Signatory changed.');
    const t1 = Date.now();
    const detail = (await get(f.official, `/endorsements/${f.id}`)).json();
    expect(detail.history.map((h: { revision: number }) => h.revision)).toEqual([1, 2, 3, 4]);
    expect(detail.history[0]).toMatchObject({
      action: 'submitted',
      by: { id: f.official.id, role: 'city_official' },
      areaKeys: ['governance', 'economy', 'climate'],
      versionNumber: 1,
      reason: null,
      status: 'submitted',
    });
    expect(detail.history[1]).toMatchObject({
      action: 'verified',
      by: { id: secretariat.id, role: 'secretariat' },
      reason: 'Mandate checked.',
      status: 'verified',
    });
    expect(detail.history[2]).toMatchObject({
      action: 'amended',
      by: { id: f.official.id, role: 'city_official' },
      areaKeys: ['climate'],
      versionNumber: 1,
      reason: 'Only climate for now.',
      status: 'submitted',
      scope: 'areas',
    });
    expect(detail.history[3]).toMatchObject({
      action: 'rejected',
      by: { id: secretariat.id, role: 'secretariat' },
      reason: 'Signatory changed.',
      status: 'rejected',
      contentHash: p.contentHash,
    });
    for (const h of detail.history.slice(1) as Array<{ at: string }>) {
      const at = Date.parse(h.at);
      expect(at).toBeGreaterThanOrEqual(t0);
      expect(at).toBeLessThanOrEqual(t1);
    }
    const ats = (detail.history as Array<{ at: string }>).map((h) => Date.parse(h.at));
    expect([...ats].sort((a, b) => a - b)).toEqual(ats);
    expect(detail).toMatchObject({ status: 'rejected', decisionNote: 'Signatory changed.', revision: 4 });
  });
});

describe('mail', () => {
  let pledge: Awaited<ReturnType<typeof createPublishedPledge>>;
  beforeAll(async () => {
    pledge = await createPublishedPledge(t, { areaKeys: ['governance', 'climate'] });
  });
  const mailsFor = async (endorsementId: string, revision: number, what: string) =>
    (
      await t.db
        .select()
        .from(mailOutbox)
        .where(like(mailOutbox.dedupeKey, `endorsement:${endorsementId}:r${revision}:${what}:%`))
    )
      .map((m) => m.to)
      .sort();
  const activeSecretariat = async () =>
    (
      await t.db
        .select({ email: users.email })
        .from(users)
        .where(and(eq(users.role, 'secretariat'), eq(users.active, true)))
    )
      .map((u) => u.email)
      .sort();

  it('tells every active secretariat user of a submission, and nobody inactive', async () => {
    const second = await createSecretariat(t);
    const retired = await createSecretariat(t);
    await t.db.update(users).set({ active: false }).where(eq(users.id, retired.id));
    const o = await createCityOfficial(t);
    const e = await endorsed(o, pledge.slug);
    const to = await mailsFor(e.id, 1, 'submitted');
    expect(to).toEqual(await activeSecretariat());
    expect(to).toContain(second.email);
    expect(to).toContain(secretariat.email);
    expect(to).not.toContain(retired.email);
    expect(to).not.toContain(o.email);
    const [mail] = await t.db
      .select()
      .from(mailOutbox)
      .where(eq(mailOutbox.dedupeKey, `endorsement:${e.id}:r1:submitted:${secretariat.id}`));
    expect(mail!.text).toContain(`/api/v1/endorsements/${e.id}`);
    expect(mail!.status).toBe('pending');
    // A refused submission sends nothing.
    const before = (await t.db.select().from(mailOutbox)).length;
    expect((await endorse(o, pledge.slug)).statusCode).toBe(409);
    expect((await t.db.select().from(mailOutbox)).length).toBe(before);
  });

  it('tells every active official of the city of a verification and of a rejection, and nobody else', async () => {
    const city = await createCity(t);
    const [o1, o2, retired] = [
      await createCityOfficial(t, city.id),
      await createCityOfficial(t, city.id),
      await createCityOfficial(t, city.id),
    ];
    await t.db.update(users).set({ active: false }).where(eq(users.id, retired.id));
    const elsewhere = await createCityOfficial(t);
    const expected = [o1.email, o2.email].sort();

    const e = await endorsed(o1, pledge.slug);
    await decided(e.id, 'verified');
    expect(await mailsFor(e.id, 2, 'verified')).toEqual(expected);
    await withdrawn(o1, e.id);

    const r = await endorsed(o2, pledge.slug);
    await decided(r.id, 'rejected', 'Please have the mayor sign.');
    expect(await mailsFor(r.id, 2, 'rejected')).toEqual(expected);
    const [mail] = await t.db
      .select()
      .from(mailOutbox)
      .where(eq(mailOutbox.dedupeKey, `endorsement:${r.id}:r2:rejected:${o1.id}`));
    expect(mail!.text).toContain('Please have the mayor sign.');
    const all = (await t.db.select().from(mailOutbox)).map((m) => m.to);
    expect(all).not.toContain(retired.email);
    expect(all).not.toContain(elsewhere.email);
  });
});

describe('audit', () => {
  it('writes an event for each change, by the actor who made it', async () => {
    const pledge = await createPublishedPledge(t, { areaKeys: ['governance', 'climate'] });
    const o = await createCityOfficial(t);
    const res = await endorse(o, pledge.slug);
    expect(res.statusCode, res.body).toBe(201);
    const e = res.json() as { id: string };
    await decided(e.id, 'verified');
    await withdrawn(o, e.id);
    const events = await t.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.entityId, e.id))
      .orderBy(asc(auditEvents.seq));
    expect(events.map((ev) => ev.action)).toEqual([
      'endorsement.submitted',
      'endorsement.verified',
      'endorsement.withdrawn',
    ]);
    expect(events.map((ev) => [ev.actorId, ev.actorRole])).toEqual([
      [o.id, 'city_official'],
      [secretariat.id, 'secretariat'],
      [o.id, 'city_official'],
    ]);
    expect(events.every((ev) => ev.entityType === 'endorsement')).toBe(true);
    expect(events[0]!.requestId).toBe(res.headers['x-request-id']);
    expect(events[0]!.summary).toMatchObject({
      pledge: pledge.slug,
      cityId: o.cityId,
      versionNumber: 1,
      scope: 'whole',
    });
    expect(events[2]!.summary).toMatchObject({
      reason: 'New council.',
      before: { status: 'verified' },
      after: { status: 'withdrawn' },
    });
    // A refused change writes nothing.
    expect((await post(o, `/endorsements/${e.id}/withdraw`, { reason: 'Again.' })).statusCode).toBe(409);
    expect(await t.db.select().from(auditEvents).where(eq(auditEvents.entityId, e.id))).toHaveLength(3);
    expect((await get(secretariat, '/audit/verify')).json().ok).toBe(true);
  });

  it('marks a submission on behalf of a city as such', async () => {
    const pledge = await createPublishedPledge(t, { areaKeys: ['governance'] });
    const city = await createCity(t);
    const e = await endorsed(secretariat, pledge.slug, { cityId: city.id });
    const [event] = await t.db.select().from(auditEvents).where(eq(auditEvents.entityId, e.id));
    expect(event).toMatchObject({ action: 'endorsement.submitted', actorId: secretariat.id, actorRole: 'secretariat' });
    expect(event!.summary).toMatchObject({ onBehalf: true, cityId: city.id });
  });
});
