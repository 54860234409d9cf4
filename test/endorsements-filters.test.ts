import { eq } from 'drizzle-orm';
import { endorsements } from '../src/db/schema/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { endorsementRequests, ids, type PublishedPledge } from './helpers/endorsements-api.js';
import { createCity, createCityOfficial, createSecretariat, type TestUser, unique } from './helpers/factories.js';
import { createPublishedPledge, publishNextVersion } from './helpers/pledge-factories.js';

let t: TestApp;
let secretariat: TestUser;
beforeAll(async () => {
  t = await buildTestApp();
  secretariat = await createSecretariat(t);
});
afterAll(async () => t.close());

const { get, endorsed, decided } = endorsementRequests(() => ({ t, secretariat }));

describe('The secretariat narrows and pages the endorsements (GET /endorsements)', () => {
  let pledge: PublishedPledge;
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
