import { auditChainHead } from '../src/db/schema/index.js';
import { withTx } from '../src/db/tx.js';
import { GENESIS_HASH, recordAudit } from '../src/modules/audit/audit.service.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { auditRequests } from './helpers/audit-api.js';
import { createCity, createCityOfficial, createSecretariat, type TestUser, unique } from './helpers/factories.js';

let t: TestApp;
let admin: TestUser;

beforeAll(async () => {
  t = await buildTestApp();
  admin = await createSecretariat(t);
});
afterAll(async () => t.close());

const { allEvents, verify, eventCount, postCity } = auditRequests(() => ({ t, admin }));

describe('Every change writes an audit event: who, what, which request', () => {
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
    // Three events of its own, after those the tests before it wrote: every one is listed.
    const before = await eventCount();
    for (let i = 0; i < 3; i++) expect((await postCity({})).statusCode).toBe(201);
    const events = (await allEvents()).reverse();
    expect(events).toHaveLength(before + 3);
    expect(events[0]!.prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < events.length; i++) expect(events[i]!.prevHash).toBe(events[i - 1]!.hash);
  });
});

describe('A change that fails leaves no audit event behind', () => {
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
