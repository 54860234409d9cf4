import { eq } from 'drizzle-orm';
import { auditEvents } from '../src/db/schema/index.js';
import { withTx } from '../src/db/tx.js';
import { recordAudit } from '../src/modules/audit/audit.service.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { type AuditEvent, type AuditPage, auditRequests, getAudit } from './helpers/audit-api.js';
import { createCityOfficial, createReviewer, createSecretariat, type TestUser, unique } from './helpers/factories.js';
import { pageSizes } from './helpers/http.js';

let t: TestApp;
let admin: TestUser;

beforeAll(async () => {
  t = await buildTestApp();
  admin = await createSecretariat(t);
});
afterAll(async () => t.close());

const { auditPage, allEvents, verify, eventCount, postCity } = auditRequests(() => ({ t, admin }));

describe('The secretariat reads the audit log, filtered and paged (GET /audit)', () => {
  it('lists newest first', async () => {
    const before = await eventCount();
    const first = (await postCity({})).json();
    const second = (await postCity({})).json();
    const events = await allEvents();
    expect(events).toHaveLength(before + 2);
    expect(events.slice(0, 2).map((e) => e.entityId)).toEqual([second.id, first.id]);
    const seqs = events.map((e) => e.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
  });

  it('filters by entityType', async () => {
    const city = (await postCity({})).json();
    const events = await allEvents({ entityType: 'city' });
    expect(events).toHaveLength(await t.db.$count(auditEvents, eq(auditEvents.entityType, 'city')));
    expect(events.every((e) => e.entityType === 'city')).toBe(true);
    expect(events.some((e) => e.entityId === city.id)).toBe(true);
    const networks = await allEvents({ entityType: 'network' });
    expect(networks.every((e) => e.entityType === 'network')).toBe(true);
    expect(networks.some((e) => e.entityId === city.id)).toBe(false);
  });

  it('filters by entityId', async () => {
    const city = (await postCity({})).json();
    await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/cities/${city.id}`,
      headers: admin.headers,
      payload: { population: 1 },
    });
    await postCity({});
    const events = await allEvents({ entityId: city.id });
    expect(events.map((e) => e.action)).toEqual(['city.updated', 'city.created']);
    expect(events.every((e) => e.entityId === city.id)).toBe(true);
    expect(await allEvents({ entityId: '00000000-0000-4000-8000-000000000000' })).toEqual([]);
  });

  it('filters by actor', async () => {
    const other = await createSecretariat(t);
    const mine = (await postCity({}, {}, other)).json();
    const theirs = (await postCity({})).json();
    const events = await allEvents({ actor: other.id });
    // The factory made `other` as the system: their one act is the city they created.
    expect(events.map((e) => [e.action, e.entityId])).toEqual([['city.created', mine.id]]);
    expect(events.every((e) => e.actor.id === other.id)).toBe(true);
    expect(events.some((e) => e.entityId === theirs.id)).toBe(false);
  });

  it('filters by from and to (inclusive)', async () => {
    const entityType = unique('timed-');
    const days = ['2001-01-01T00:00:00.000Z', '2001-01-02T00:00:00.000Z', '2001-01-03T00:00:00.000Z'];
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      for (const day of days) {
        vi.setSystemTime(new Date(day));
        await recordAudit(t.system, { action: 'test.timed', entityType, entityId: day });
      }
    } finally {
      vi.useRealTimers();
    }
    const ids = (events: AuditEvent[]) => events.map((e) => e.entityId);
    expect(ids(await allEvents({ entityType }))).toEqual([days[2], days[1], days[0]]);
    expect(ids(await allEvents({ entityType, from: days[1]! }))).toEqual([days[2], days[1]]);
    expect(ids(await allEvents({ entityType, to: days[1]! }))).toEqual([days[1], days[0]]);
    expect(ids(await allEvents({ entityType, from: days[1]!, to: days[1]! }))).toEqual([days[1]]);
    expect(ids(await allEvents({ entityType, from: '2001-01-01T12:00:00Z', to: '2001-01-02T12:00:00Z' }))).toEqual([
      days[1],
    ]);
    expect(await allEvents({ entityType, from: '2001-01-04T00:00:00Z' })).toEqual([]);
    expect(await allEvents({ entityType, to: '2000-12-31T23:59:59Z' })).toEqual([]);
    // Back-dated events are still part of the chain.
    expect(await verify()).toMatchObject({ ok: true });
  });

  it('combines filters', async () => {
    const other = await createSecretariat(t);
    const city = (await postCity({}, {}, other)).json();
    await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/cities/${city.id}`,
      headers: admin.headers,
      payload: { population: 2 },
    });
    const events = await allEvents({ entityType: 'city', entityId: city.id, actor: admin.id });
    expect(events.map((e) => e.action)).toEqual(['city.updated']);
  });

  it('pages with a cursor, without gaps or repeats', async () => {
    const entityType = unique('paged-');
    for (let i = 0; i < 5; i++) await recordAudit(t.system, { action: 'test.paged', entityType, entityId: String(i) });

    const first = await auditPage({ entityType, limit: 2 });
    expect(first.items.map((e) => e.entityId)).toEqual(['4', '3']);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await auditPage({ entityType, limit: 2, cursor: first.nextCursor! });
    expect(second.items.map((e) => e.entityId)).toEqual(['2', '1']);
    expect(second.nextCursor).toEqual(expect.any(String));
    const third = await auditPage({ entityType, limit: 2, cursor: second.nextCursor! });
    expect(third.items.map((e) => e.entityId)).toEqual(['0']);
    expect(third.nextCursor).toBeNull();

    const exact = await auditPage({ entityType, limit: 5 });
    expect(exact.items).toHaveLength(5);
    expect(exact.nextCursor).toBeNull();
  });

  it('pages through the whole log in the same order as one big page', async () => {
    const whole = await auditPage({ limit: 500 });
    expect(whole.nextCursor).toBeNull();
    const walked: AuditEvent[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const page: AuditPage = await auditPage({ limit: 3, ...(cursor ? { cursor } : {}) });
      sizes.push(page.items.length);
      walked.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(walked.map((e) => e.id)).toEqual(whole.items.map((e) => e.id));
    expect(sizes).toEqual(pageSizes(whole.items.length, 3));
  });

  it('defaults to 50 events a page', async () => {
    const entityType = unique('many-');
    await withTx(t.system, async (tx) => {
      for (let i = 0; i < 51; i++) await recordAudit(tx, { action: 'test.many', entityType, entityId: String(i) });
    });
    const page = await auditPage({ entityType });
    expect(page.items).toHaveLength(50);
    expect(page.nextCursor).not.toBeNull();
  });

  it.each([
    [{ cursor: 'not-a-cursor' }],
    [{ limit: 0 }],
    [{ limit: 501 }],
    [{ actor: 'not-a-uuid' }],
    [{ from: 'yesterday-ish' }],
  ])('rejects a bad query %j with 400', async (query) => {
    const res = await getAudit(t, admin, query);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'validation_failed' });
  });
});

describe('Only the secretariat reads the audit log', () => {
  it.each(['/api/v1/audit', '/api/v1/audit/verify'])(
    '%s: city official and reviewer 403, no token 401',
    async (url) => {
      const official = await createCityOfficial(t);
      const reviewer = await createReviewer(t);
      for (const user of [official, reviewer]) {
        const res = await t.app.inject({ method: 'GET', url, headers: user.headers });
        expect(res.statusCode).toBe(403);
        expect(res.json()).toMatchObject({ code: 'forbidden' });
      }
      const anonymous = await t.app.inject({ method: 'GET', url });
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.json()).toMatchObject({ code: 'unauthenticated' });
      const forged = await t.app.inject({ method: 'GET', url, headers: { authorization: 'Bearer not.a.token' } });
      expect(forged.statusCode).toBe(401);
    },
  );

  it('secretariat: 200', async () => {
    expect((await getAudit(t, admin)).statusCode).toBe(200);
  });
});
