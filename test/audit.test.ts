import { asc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { auditChainHead, auditEvents } from '../src/db/schema/index.js';
import { withTx } from '../src/db/tx.js';
import { pgErrorCode } from '../src/lib/errors.js';
import { GENESIS_HASH, hashAuditEvent, recordAudit, verifyAuditChain } from '../src/modules/audit/audit.service.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import {
  createCity,
  createCityOfficial,
  createReviewer,
  createSecretariat,
  type TestUser,
  unique,
} from './helpers/factories.js';

interface AuditEvent {
  id: string;
  seq: number;
  at: string;
  actor: { id: string | null; role: string };
  action: string;
  entityType: string;
  entityId: string | null;
  summary: Record<string, unknown> & { before?: Record<string, unknown>; after?: Record<string, unknown> };
  requestId: string | null;
  prevHash: string;
  hash: string;
}
interface AuditPage {
  items: AuditEvent[];
  nextCursor: string | null;
}

const DISABLE_GUARD = sql`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_or_delete`;

let t: TestApp;
let admin: TestUser;

beforeAll(async () => {
  t = await buildTestApp();
  admin = await createSecretariat(t);
});
afterAll(async () => t.close());

function getAudit(app: TestApp, user: TestUser, query: Record<string, string | number> = {}) {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
  return app.app.inject({ method: 'GET', url: `/api/v1/audit${qs ? `?${qs}` : ''}`, headers: user.headers });
}

async function auditPage(query: Record<string, string | number> = {}, app = t, user = admin): Promise<AuditPage> {
  const res = await getAudit(app, user, query);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as AuditPage;
}

/** Every event matching the filters, newest first, following the cursors. */
async function allEvents(query: Record<string, string | number> = {}, app = t, user = admin): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  let cursor: string | null = null;
  do {
    const page: AuditPage = await auditPage({ ...query, limit: 500, ...(cursor ? { cursor } : {}) }, app, user);
    events.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return events;
}

async function verify(app = t, user = admin) {
  const res = await app.app.inject({ method: 'GET', url: '/api/v1/audit/verify', headers: user.headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { ok: boolean; checked: number; firstBadEventId: string | null; reason?: string | null };
}

const eventCount = (app = t) => app.db.$count(auditEvents);

async function postCity(payload: Record<string, unknown>, headers: Record<string, string> = {}, user = admin) {
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/cities',
    headers: { ...user.headers, ...headers },
    payload: { name: unique('Audit City '), country: 'EC', kind: 'city', ...payload },
  });
}

describe('audit events written by mutations', () => {
  it('records POST /cities with actor, action, entity, summary and the request id', async () => {
    const requestId = `req-city-${unique()}`;
    const res = await postCity({ networks: ['MMC'], population: 12345 }, { 'x-request-id': requestId });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers['x-request-id']).toBe(requestId);
    const city = res.json();

    const events = await allEvents({ entityType: 'city', entityId: city.id });
    expect(events).toHaveLength(1);
    const event = events[0]!;
    expect(event).toMatchObject({
      action: 'city.created',
      entityType: 'city',
      entityId: city.id,
      actor: { id: admin.id, role: 'secretariat' },
      requestId,
    });
    expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(event.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(event.prevHash).toMatch(/^[0-9a-f]{64}$/);
    expect(event.summary.before).toBeUndefined();
    expect(event.summary.after).toMatchObject({
      id: city.id,
      name: city.name,
      country: 'EC',
      kind: 'city',
      population: 12345,
      networks: ['MMC'],
    });
    expect(new Date(event.at).getTime()).not.toBeNaN();
  });

  it('records a city update with before and after', async () => {
    const city = (await postCity({})).json();
    const requestId = `req-upd-${unique()}`;
    const newName = unique('Renamed ');
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/cities/${city.id}`,
      headers: { ...admin.headers, 'x-request-id': requestId },
      payload: { name: newName, population: 777 },
    });
    expect(res.statusCode, res.body).toBe(200);

    const [event] = await allEvents({ entityType: 'city', entityId: city.id });
    expect(event).toMatchObject({ action: 'city.updated', requestId, actor: { id: admin.id, role: 'secretariat' } });
    expect(event!.summary.before).toMatchObject({ name: city.name, population: null });
    expect(event!.summary.after).toMatchObject({ name: newName, population: 777 });
  });

  it('records POST /networks', async () => {
    const requestId = `req-net-${unique()}`;
    const code = `N${unique().replace(/-/g, '')}`.slice(0, 20);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/networks',
      headers: { ...admin.headers, 'x-request-id': requestId },
      payload: { code, name: 'Audit Test Network' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const network = res.json();

    const events = await allEvents({ entityType: 'network', entityId: network.id });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: 'network.created',
      entityType: 'network',
      entityId: network.id,
      actor: { id: admin.id, role: 'secretariat' },
      requestId,
      summary: { after: { id: network.id, code, name: 'Audit Test Network' } },
    });
  });

  it('uses the generated request id when the caller sends none', async () => {
    const res = await postCity({});
    expect(res.statusCode).toBe(201);
    const generated = res.headers['x-request-id'];
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    const [event] = await allEvents({ entityType: 'city', entityId: res.json().id });
    expect(event!.requestId).toBe(generated);
  });

  it("records a city official's change with their own id and role", async () => {
    const official = await createCityOfficial(t);
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/cities/${official.cityId}`,
      headers: official.headers,
      payload: { population: 4242 },
    });
    expect(res.statusCode, res.body).toBe(200);
    const [event] = await allEvents({ entityType: 'city', entityId: official.cityId! });
    expect(event).toMatchObject({ action: 'city.updated', actor: { id: official.id, role: 'city_official' } });
  });

  it('records the system actor for trusted tools, with its label', async () => {
    const city = await createCity(t);
    const [event] = await allEvents({ entityType: 'city', entityId: city.id });
    expect(event).toMatchObject({ action: 'city.created', actor: { id: null, role: 'system' }, requestId: null });
    expect(event!.summary.by).toBe('test-factory');
  });

  it('writes nothing for a read', async () => {
    const city = (await postCity({})).json();
    const before = await eventCount();
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/cities/${city.id}`, headers: admin.headers });
    expect(res.statusCode).toBe(200);
    expect(await eventCount()).toBe(before);
  });

  it('links every event to the one before it', async () => {
    const events = (await allEvents()).reverse();
    expect(events.length).toBeGreaterThan(3);
    expect(events[0]!.prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < events.length; i++) expect(events[i]!.prevHash).toBe(events[i - 1]!.hash);
  });
});

describe('a failed transaction leaves no audit event', () => {
  it('POST /cities with an unknown network code: 400 and no city.created', async () => {
    const name = unique('Never Created ');
    const before = await eventCount();
    const res = await postCity({ name, networks: ['NOPE-NETWORK'] });
    expect(res.statusCode).toBe(400);
    expect(await eventCount()).toBe(before);
    const created = await allEvents({ entityType: 'city' });
    expect(created.some((e) => e.action === 'city.created' && e.summary.after?.name === name)).toBe(false);
  });

  it('PATCH that fails after writing the city rolls back the city and its event', async () => {
    const city = (await postCity({})).json();
    const before = await eventCount();
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/cities/${city.id}`,
      headers: admin.headers,
      payload: { name: unique('Half Renamed '), networks: ['NOPE-NETWORK'] },
    });
    expect(res.statusCode).toBe(400);
    expect(await eventCount()).toBe(before);
    const events = await allEvents({ entityType: 'city', entityId: city.id });
    expect(events.map((e) => e.action)).toEqual(['city.created']);
    const after = await t.app.inject({ method: 'GET', url: `/api/v1/cities/${city.id}`, headers: admin.headers });
    expect(after.json().name).toBe(city.name);
  });

  it('an event recorded in a transaction that then throws is rolled back with the chain head', async () => {
    const before = await eventCount();
    const headBefore = (await t.db.select().from(auditChainHead))[0];
    const entityId = unique('rolled-back-');
    await expect(
      withTx(t.system, async (tx) => {
        await recordAudit(tx, { action: 'test.rolled_back', entityType: 'test', entityId });
        throw new Error('abort the transaction');
      }),
    ).rejects.toThrow('abort the transaction');
    expect(await eventCount()).toBe(before);
    expect((await t.db.select().from(auditChainHead))[0]).toEqual(headBefore);
    expect(await allEvents({ entityType: 'test', entityId })).toEqual([]);
    // The next event still links to the real head.
    await recordAudit(t.system, { action: 'test.after_rollback', entityType: 'test', entityId });
    expect(await verify()).toMatchObject({ ok: true, firstBadEventId: null });
  });
});

describe('GET /audit', () => {
  it('lists newest first', async () => {
    await postCity({});
    await postCity({});
    const events = await allEvents();
    expect(events.length).toBeGreaterThan(2);
    for (let i = 1; i < events.length; i++) expect(events[i]!.seq).toBeLessThan(events[i - 1]!.seq);
  });

  it('filters by entityType', async () => {
    const city = (await postCity({})).json();
    const events = await allEvents({ entityType: 'city' });
    expect(events.length).toBeGreaterThan(0);
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
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.actor.id === other.id)).toBe(true);
    expect(events.some((e) => e.entityId === mine.id)).toBe(true);
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
    let cursor: string | null = null;
    do {
      const page: AuditPage = await auditPage({ limit: 3, ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(3);
      walked.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(walked.map((e) => e.id)).toEqual(whole.items.map((e) => e.id));
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

describe('who may read the audit log', () => {
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

describe('GET /audit/verify on an intact chain', () => {
  it('answers ok with the number of events checked', async () => {
    await postCity({});
    const result = await verify();
    expect(result).toMatchObject({ ok: true, firstBadEventId: null });
    expect(result.checked).toBe(await eventCount());
    expect(result.checked).toBeGreaterThan(0);
  });

  it('answers ok with checked 0 on an empty log, and the service agrees with the route', async () => {
    const fresh = await buildTestApp();
    try {
      expect(await verifyAuditChain(fresh.system)).toEqual({
        ok: true,
        checked: 0,
        firstBadEventId: null,
        reason: null,
        pending: 0,
      });
      await createCity(fresh);
      await createCity(fresh);
      // A small batch size makes the verifier read the chain in several batches.
      expect(await verifyAuditChain(fresh.system, 1)).toEqual({
        ok: true,
        checked: 2,
        firstBadEventId: null,
        reason: null,
        pending: 0,
      });
    } finally {
      await fresh.close();
    }
  });

  it('the table refuses UPDATE and DELETE', async () => {
    const captured: unknown[] = [];
    const attempt = async (statement: ReturnType<typeof sql>) => {
      try {
        await t.db.execute(statement);
      } catch (err) {
        captured.push(err);
        return;
      }
      throw new Error('the statement was accepted');
    };
    await attempt(
      sql`UPDATE audit_events SET summary = '{"forged": true}'::jsonb WHERE seq = (SELECT max(seq) FROM audit_events)`,
    );
    await attempt(sql`DELETE FROM audit_events WHERE seq = (SELECT max(seq) FROM audit_events)`);
    for (const err of captured) expect(pgErrorCode(err)).toBe('42501');
    expect(await verify()).toMatchObject({ ok: true });
  });

  it('still verifies after 20 concurrent writes', async () => {
    const before = await eventCount();
    const responses = await Promise.all(Array.from({ length: 20 }, () => postCity({})));
    for (const res of responses) expect(res.statusCode, res.body).toBe(201);
    const result = await verify();
    expect(result).toMatchObject({ ok: true, firstBadEventId: null });
    expect(result.checked).toBe(before + 20);
    const ids = new Set(responses.map((r) => r.json().id as string));
    const events = (await allEvents({ entityType: 'city' })).filter((e) => ids.has(e.entityId!));
    expect(events).toHaveLength(20);
    expect(new Set(events.map((e) => e.prevHash)).size).toBe(20);
  });

  it('never reports tampering while events are being written', async () => {
    const writes = Array.from({ length: 20 }, () => postCity({}));
    const checks = Array.from({ length: 10 }, () => verify());
    const [results] = await Promise.all([Promise.all(checks), Promise.all(writes)]);
    for (const result of results) expect(result).toMatchObject({ ok: true, firstBadEventId: null });
  });
});

describe('tampering is detected', () => {
  /** A fresh database per scenario, with five events and the append-only guard switched off. */
  async function tamperable() {
    const app = await buildTestApp();
    const secretariat = await createSecretariat(app);
    for (let i = 0; i < 4; i++) await createCity(app);
    // Verifying seals the events into the chain first; read them afterwards, in chain order.
    const result = await verify(app, secretariat);
    const events = await app.db.select().from(auditEvents).orderBy(asc(auditEvents.chainSeq));
    expect(events.length).toBeGreaterThanOrEqual(5);
    expect(result).toMatchObject({ ok: true, checked: events.length });
    await app.db.execute(DISABLE_GUARD);
    return { app, secretariat, events };
  }

  it('an edited summary: ok false, pointing at that event', async () => {
    const { app, secretariat, events } = await tamperable();
    try {
      const target = events[2]!;
      await app.db.execute(
        sql`UPDATE audit_events SET summary = jsonb_set(summary, '{after,name}', '"Forged"') WHERE id = ${target.id}`,
      );
      const result = await verify(app, secretariat);
      expect(result).toMatchObject({ ok: false, firstBadEventId: target.id, checked: 3 });
    } finally {
      await app.close();
    }
  });

  it('an edited actor: ok false, pointing at that event', async () => {
    const { app, secretariat, events } = await tamperable();
    try {
      const target = events[1]!;
      await app.db.execute(
        sql`UPDATE audit_events SET actor_id = ${secretariat.id}, actor_role = 'secretariat' WHERE id = ${target.id}`,
      );
      expect(await verify(app, secretariat)).toMatchObject({ ok: false, firstBadEventId: target.id });
    } finally {
      await app.close();
    }
  });

  it('an edit with a recomputed hash: ok false, pointing at the event after it', async () => {
    const { app, secretariat, events } = await tamperable();
    try {
      const target = events[1]!;
      const summary = { ...(target.summary as Record<string, unknown>), forged: true };
      const hash = hashAuditEvent({ ...target, prevHash: target.prevHash!, summary });
      await app.db.update(auditEvents).set({ summary, hash }).where(eq(auditEvents.id, target.id));
      expect(await verify(app, secretariat)).toMatchObject({ ok: false, firstBadEventId: events[2]!.id });
    } finally {
      await app.close();
    }
  });

  it('a deleted middle event: ok false, pointing at the event after it', async () => {
    const { app, secretariat, events } = await tamperable();
    try {
      await app.db.execute(sql`DELETE FROM audit_events WHERE id = ${events[2]!.id}`);
      const result = await verify(app, secretariat);
      expect(result).toMatchObject({ ok: false, firstBadEventId: events[3]!.id });
    } finally {
      await app.close();
    }
  });

  it('a deleted first event: ok false, pointing at the new first one', async () => {
    const { app, secretariat, events } = await tamperable();
    try {
      await app.db.execute(sql`DELETE FROM audit_events WHERE id = ${events[0]!.id}`);
      expect(await verify(app, secretariat)).toMatchObject({ ok: false, firstBadEventId: events[1]!.id });
    } finally {
      await app.close();
    }
  });

  it('a deleted newest event: ok false (the chain head no longer matches)', async () => {
    const { app, secretariat, events } = await tamperable();
    try {
      await app.db.execute(sql`DELETE FROM audit_events WHERE id = ${events[events.length - 1]!.id}`);
      const result = await verify(app, secretariat);
      expect(result.ok).toBe(false);
      expect(result.checked).toBe(events.length - 1);
    } finally {
      await app.close();
    }
  });

  it('an emptied table: ok false', async () => {
    const { app, secretariat } = await tamperable();
    try {
      await app.db.execute(sql`DELETE FROM audit_events`);
      expect(await verify(app, secretariat)).toMatchObject({ ok: false, checked: 0 });
    } finally {
      await app.close();
    }
  });

  it('TRUNCATE, which a row trigger does not see, is refused or detected', async () => {
    const app = await buildTestApp();
    try {
      const secretariat = await createSecretariat(app);
      await createCity(app);
      const before = await eventCount(app);
      let refused = false;
      try {
        await app.db.execute(sql`TRUNCATE audit_events`);
      } catch {
        refused = true;
      }
      const result = await verify(app, secretariat);
      if (refused) expect(result).toMatchObject({ ok: true, checked: before });
      else expect(result).toMatchObject({ ok: false, checked: 0 });
    } finally {
      await app.close();
    }
  });

  it('a reordered pair of events: ok false', async () => {
    const { app, secretariat, events } = await tamperable();
    try {
      const [a, b] = [events[1]!, events[2]!];
      // The chain's order is chain_seq (set when sealed): swap two positions.
      await app.db.execute(sql`UPDATE audit_events SET chain_seq = -1 WHERE id = ${a.id}`);
      await app.db.execute(sql`UPDATE audit_events SET chain_seq = ${a.chainSeq} WHERE id = ${b.id}`);
      await app.db.execute(sql`UPDATE audit_events SET chain_seq = ${b.chainSeq} WHERE id = ${a.id}`);
      expect(await verify(app, secretariat)).toMatchObject({ ok: false, firstBadEventId: b.id });
    } finally {
      await app.close();
    }
  });
});
