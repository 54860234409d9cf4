import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ResponseCache } from '../src/lib/response-cache.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createCity, createCityOfficial, createSecretariat, type TestUser, unique } from './helpers/factories.js';
import { createPublishedPledge } from './helpers/pledge-factories.js';

const api = (path: string) => `/api/v1${path}`;

describe('the public pages’ cache', () => {
  let t: TestApp;
  let staff: TestUser;
  let slug: string;
  let endorsementId: string;
  const signatories = () => t.app.inject({ method: 'GET', url: api(`/public/pledges/${slug}/signatories`) });
  const names = async () =>
    (await signatories()).json().items.map((i: { city: { name: string } }) => i.city.name) as string[];

  beforeAll(async () => {
    // A minute, so that only the rules under test can make a page fresh.
    t = await buildTestApp({ PUBLIC_CACHE_MS: '60000' });
    staff = await createSecretariat(t);
    ({ slug } = await createPublishedPledge(t));
    const city = await createCity(t, { name: unique('Cached City '), country: 'KE' });
    const official = await createCityOfficial(t, city.id);
    const res = await t.app.inject({
      method: 'POST',
      url: api(`/pledges/${slug}/endorsements`),
      headers: official.headers,
      payload: { versionNumber: 1, scope: 'whole', signatory: { name: 'Mayor', title: 'Mayor' }, language: 'en' },
    });
    expect(res.statusCode, res.body).toBe(201);
    endorsementId = res.json().id;
  });
  afterAll(async () => t.close());

  it('serves a page again from memory, and says how long others may keep it', async () => {
    expect(await names()).toEqual([]);
    // Verified behind the service's back (no request to it): the cached page stays as it was.
    await t.db.execute(
      sql`UPDATE endorsements SET status = 'verified', verified_at = now() WHERE id = ${endorsementId}`,
    );
    const again = await signatories();
    expect(again.json().items).toEqual([]);
    expect(again.headers['cache-control']).toBe('public, max-age=60');
    expect(again.headers['content-type']).toContain('application/json');
    await t.db.execute(
      sql`UPDATE endorsements SET status = 'submitted', verified_at = NULL WHERE id = ${endorsementId}`,
    );
  });

  it('forgets every page when this instance handles a write, before answering it', async () => {
    expect(await names()).toEqual([]);
    const decision = await t.app.inject({
      method: 'POST',
      url: api(`/endorsements/${endorsementId}/decision`),
      headers: staff.headers,
      payload: { decision: 'verified' },
    });
    expect(decision.statusCode, decision.body).toBe(200);
    expect(await names()).toHaveLength(1);
  });

  it('does not forget on a failed write, and never keeps an error', async () => {
    const before = (await signatories()).body;
    const refused = await t.app.inject({
      method: 'POST',
      url: api(`/endorsements/${endorsementId}/decision`),
      headers: staff.headers,
      payload: { decision: 'nonsense' },
    });
    expect(refused.statusCode).toBe(400);
    await t.db.execute(
      sql`UPDATE cities SET name = 'Renamed behind its back'
          WHERE id = (SELECT city_id FROM endorsements WHERE id = ${endorsementId})`,
    );
    expect((await signatories()).body).toBe(before);
    const missing = await t.app.inject({ method: 'GET', url: api('/public/pledges/no-such-pledge/signatories') });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toContain('application/problem+json');
  });

  it('keys pages by what the route validated, so unknown query parameters make no new entries', async () => {
    t.app.publicCache.clear();
    for (let i = 0; i < 5; i++) {
      const res = await t.app.inject({
        method: 'GET',
        url: api(`/public/pledges/${slug}/signatories?limit=20&junk=${i}`),
      });
      expect(res.statusCode).toBe(200);
    }
    expect(t.app.publicCache.size).toBe(1);
  });

  it('is off with PUBLIC_CACHE_MS=0', async () => {
    const plain = await buildTestApp();
    try {
      const { slug: other } = await createPublishedPledge(plain);
      const res = await plain.app.inject({ method: 'GET', url: api(`/public/pledges/${other}`) });
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(plain.app.publicCache.enabled).toBe(false);
    } finally {
      await plain.close();
    }
  });
});

describe('ResponseCache', () => {
  it('makes one body for concurrent misses, and a new one once it has expired', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const cache = new ResponseCache(1_000);
      let made = 0;
      const produce = async () => `body ${++made}`;
      expect(await Promise.all([cache.get('k', produce), cache.get('k', produce), cache.get('k', produce)])).toEqual([
        'body 1',
        'body 1',
        'body 1',
      ]);
      vi.advanceTimersByTime(999);
      expect(await cache.get('k', produce)).toBe('body 1');
      vi.advanceTimersByTime(2);
      expect(await cache.get('k', produce)).toBe('body 2');
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps at most its limit, the oldest going first', async () => {
    const cache = new ResponseCache(60_000, 2);
    let made = 0;
    const produce = async () => `body ${++made}`;
    await cache.get('a', produce);
    await cache.get('b', produce);
    await cache.get('c', produce);
    expect(await cache.get('b', produce)).toBe('body 2');
    expect(await cache.get('c', produce)).toBe('body 3');
    expect(await cache.get('a', produce)).toBe('body 4');
  });

  it('drops expired bodies as new ones come in, and keeps within its byte budget', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const cache = new ResponseCache(1_000, 100, 10);
      await cache.get('a', async () => '12345');
      await cache.get('b', async () => '12345');
      await Promise.resolve();
      expect(cache.size).toBe(2);
      // Eleven bytes would be over the budget of ten: the oldest goes.
      await cache.get('c', async () => 'x');
      await Promise.resolve();
      expect(cache.size).toBe(2);
      vi.advanceTimersByTime(1_001);
      await cache.get('d', async () => 'y');
      expect(cache.size).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('hands a body begun before clear() to those waiting for it, but neither keeps nor shares it after', async () => {
    const cache = new ResponseCache(60_000);
    let finish: (text: string) => void = () => undefined;
    const before = cache.get('k', () => new Promise<string>((resolve) => (finish = resolve)));
    cache.clear();
    const after = cache.get('k', async () => 'after the write');
    finish('before the write');
    expect(await before).toBe('before the write');
    expect(await after).toBe('after the write');
    expect(await cache.get('k', async () => 'not asked')).toBe('after the write');
  });

  it('does not keep a failure, and forgets everything on clear()', async () => {
    const cache = new ResponseCache(60_000);
    await expect(cache.get('k', () => Promise.reject(new Error('database down')))).rejects.toThrow('database down');
    expect(await cache.get('k', async () => 'fresh')).toBe('fresh');
    cache.clear();
    expect(await cache.get('k', async () => 'after clear')).toBe('after clear');
  });
});
