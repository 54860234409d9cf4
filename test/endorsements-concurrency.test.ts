import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endorsements, idempotencyKeys, progressUpdates } from '../src/db/schema/index.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createCity, createCityOfficial, createSecretariat, type TestUser, unique } from './helpers/factories.js';
import { createPublishedPledge } from './helpers/pledge-factories.js';

let t: TestApp;
let secretariat: TestUser;
let pledge: Awaited<ReturnType<typeof createPublishedPledge>>;
beforeAll(async () => {
  t = await buildTestApp();
  secretariat = await createSecretariat(t);
  pledge = await createPublishedPledge(t, { areaKeys: ['governance', 'economy', 'climate'] });
});
afterAll(async () => t.close());

type Body = Record<string, unknown>;
const api = (path: string) => `/api/v1${path}`;
const signatory = { name: 'Ana Ruiz', title: 'Mayor' };
const baseBody: Body = { versionNumber: 1, scope: 'whole', signatory, language: 'en' };

function endorse(u: TestUser, body: Body = {}, key?: string, slug = pledge.slug) {
  return t.app.inject({
    method: 'POST',
    url: api(`/pledges/${slug}/endorsements`),
    headers: { ...u.headers, ...(key ? { 'idempotency-key': key } : {}) },
    payload: { ...baseBody, ...body },
  });
}
const rowsOfCity = (cityId: string, pledgeId = pledge.pledgeId) =>
  t.db
    .select()
    .from(endorsements)
    .where(and(eq(endorsements.cityId, cityId), eq(endorsements.pledgeId, pledgeId)));

describe('concurrent submissions', () => {
  it('lets one of 50 concurrent POSTs for one city through: one 201, 49 409, never a 500, one row', async () => {
    const official = await createCityOfficial(t);
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        endorse(official, i % 2 === 0 ? {} : { scope: 'areas', areaKeys: ['climate'] }),
      ),
    );
    const statuses = responses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    for (const r of responses.filter((x) => x.statusCode === 409)) {
      expect(r.json().code).toBe('conflict');
      expect(r.headers['content-type']).toContain('application/problem+json');
    }
    const rows = await rowsOfCity(official.cityId!);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.id).toBe(responses.find((r) => r.statusCode === 201)!.json().id);
  });

  it('holds when the city official and the secretariat (on behalf) race for the same city', async () => {
    const city = await createCity(t);
    const official = await createCityOfficial(t, city.id);
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0 ? endorse(official) : endorse(secretariat, { cityId: city.id }),
      ),
    );
    expect(responses.map((r) => r.statusCode).sort()).toEqual([201, ...Array<number>(19).fill(409)]);
    expect(await rowsOfCity(city.id)).toHaveLength(1);
  });

  it('does not make different cities wait for or fail on each other', async () => {
    const officials = await Promise.all(Array.from({ length: 12 }, () => createCityOfficial(t)));
    const responses = await Promise.all(officials.map((o) => endorse(o)));
    expect(responses.map((r) => r.statusCode)).toEqual(Array<number>(12).fill(201));
    expect(new Set(responses.map((r) => r.json().id)).size).toBe(12);
  });
});

describe('Idempotency-Key on POST /pledges/:pledgeId/endorsements', () => {
  it('replays the first answer to the same key and body, with one row and an idempotent-replayed header', async () => {
    const official = await createCityOfficial(t);
    const key = unique('key-');
    const first = await endorse(official, {}, key);
    expect(first.statusCode, first.body).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const second = await endorse(official, {}, key);
    expect(second.statusCode).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json()).toEqual(first.json());
    expect(await rowsOfCity(official.cityId!)).toHaveLength(1);
    // The same body with its keys in another order is the same request.
    const reordered = await t.app.inject({
      method: 'POST',
      url: api(`/pledges/${pledge.slug}/endorsements`),
      headers: { ...official.headers, 'idempotency-key': key },
      payload: { language: 'en', signatory: { title: 'Mayor', name: 'Ana Ruiz' }, scope: 'whole', versionNumber: 1 },
    });
    expect(reordered.statusCode).toBe(201);
    expect(reordered.json().id).toBe(first.json().id);
    // Without the key, the same request is a new attempt, refused by the live endorsement.
    expect((await endorse(official)).statusCode).toBe(409);
  });

  it('keeps replaying the first answer after the endorsement has moved on', async () => {
    const official = await createCityOfficial(t);
    const key = unique('key-');
    const first = await endorse(official, {}, key);
    await t.app.inject({
      method: 'POST',
      url: api(`/endorsements/${first.json().id}/decision`),
      headers: secretariat.headers,
      payload: { decision: 'verified' },
    });
    const replay = await endorse(official, {}, key);
    expect(replay.statusCode).toBe(201);
    expect(replay.json()).toEqual(first.json());
    expect(replay.json().status).toBe('submitted');
  });

  it('refuses the same key with a different body (409) and creates nothing', async () => {
    const official = await createCityOfficial(t);
    const key = unique('key-');
    expect((await endorse(official, {}, key)).statusCode).toBe(201);
    const other = await endorse(official, { scope: 'areas', areaKeys: ['climate'] }, key);
    expect(other.statusCode).toBe(409);
    expect(other.json().code).toBe('conflict');
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    const rows = await rowsOfCity(official.cityId!);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.scope).toBe('whole');
  });

  it('gives 10 concurrent requests with the same key and body the same 201 and id, with one row', async () => {
    const official = await createCityOfficial(t);
    const key = unique('key-');
    const responses = await Promise.all(Array.from({ length: 10 }, () => endorse(official, {}, key)));
    expect(responses.map((r) => r.statusCode)).toEqual(Array<number>(10).fill(201));
    expect(new Set(responses.map((r) => r.json().id)).size).toBe(1);
    expect(responses.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(9);
    expect(await rowsOfCity(official.cityId!)).toHaveLength(1);
  });

  it('frees a key whose first attempt failed: wrong version 409, then the right body, same key, 201', async () => {
    const official = await createCityOfficial(t);
    const key = unique('key-');
    const failed = await endorse(official, { versionNumber: 7 }, key);
    expect(failed.statusCode).toBe(409);
    expect(await rowsOfCity(official.cityId!)).toHaveLength(0);
    const ok = await endorse(official, {}, key);
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.headers['idempotent-replayed']).toBeUndefined();
    expect(await rowsOfCity(official.cityId!)).toHaveLength(1);
    // A failure that never reached the service (400) does not hold the key either.
    const key2 = unique('key-');
    const other = await createCityOfficial(t);
    expect((await endorse(other, { language: 'de' }, key2)).statusCode).toBe(400);
    expect((await endorse(other, { scope: 'areas', areaKeys: ['nowhere'] }, key2)).statusCode).toBe(400);
    expect((await endorse(other, {}, key2)).statusCode).toBe(201);
  });

  it('keeps keys per user: two users may use the same key independently', async () => {
    const a = await createCityOfficial(t);
    const b = await createCityOfficial(t);
    const key = unique('shared-key-');
    const ra = await endorse(a, {}, key);
    const rb = await endorse(b, {}, key);
    expect([ra.statusCode, rb.statusCode]).toEqual([201, 201]);
    expect(ra.json().id).not.toBe(rb.json().id);
    expect(rb.headers['idempotent-replayed']).toBeUndefined();
    expect(ra.json().cityId).toBe(a.cityId);
    expect(rb.json().cityId).toBe(b.cityId);
    // The secretariat may reuse it too, for yet another city.
    const city = await createCity(t);
    const rs = await endorse(secretariat, { cityId: city.id }, key);
    expect(rs.statusCode).toBe(201);
    expect(rs.json().cityId).toBe(city.id);
  });

  it('recognises the same pledge whether the path names it by slug, by id or in capitals', async () => {
    const official = await createCityOfficial(t);
    const key = unique('key-');
    const first = await endorse(official, {}, key, pledge.slug);
    expect(first.statusCode, first.body).toBe(201);
    for (const ref of [pledge.pledgeId, pledge.slug.toUpperCase()]) {
      const again = await endorse(official, {}, key, ref);
      expect(again.statusCode, `${ref}: ${again.body}`).toBe(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.json().id).toBe(first.json().id);
    }
  });

  it('keeps keys per pledge: the same key on another pledge is another request', async () => {
    const other = await createPublishedPledge(t, { areaKeys: ['governance'] });
    const official = await createCityOfficial(t);
    const key = unique('key-');
    const a = await endorse(official, {}, key);
    const b = await endorse(official, {}, key, other.slug);
    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    expect(b.json().pledgeId).toBe(other.pledgeId);
  });

  it('refuses a malformed key (400)', async () => {
    const official = await createCityOfficial(t);
    expect((await endorse(official, {}, 'has spaces in it')).statusCode).toBe(400);
    expect((await endorse(official, {}, 'x'.repeat(201))).statusCode).toBe(400);
    expect(await rowsOfCity(official.cityId!)).toHaveLength(0);
  });
});

describe('Idempotency-Key on POST /endorsements/:id/progress', () => {
  async function setup() {
    const official = await createCityOfficial(t);
    const res = await endorse(official, { scope: 'areas', areaKeys: ['governance', 'climate'] });
    expect(res.statusCode, res.body).toBe(201);
    return { official, id: res.json().id as string };
  }
  const report = (u: TestUser, id: string, body: Body, key?: string) =>
    t.app.inject({
      method: 'POST',
      url: api(`/endorsements/${id}/progress`),
      headers: { ...u.headers, ...(key ? { 'idempotency-key': key } : {}) },
      payload: body,
    });
  const updatesOf = (id: string) => t.db.select().from(progressUpdates).where(eq(progressUpdates.endorsementId, id));
  const body = { areaKey: 'climate', stage: 'planning', narrative: 'A plan is being drafted.' };

  it('replays the same key and body, refuses another body (409), and stores one update', async () => {
    const { official, id } = await setup();
    const key = unique('progress-');
    const first = await report(official, id, body, key);
    expect(first.statusCode, first.body).toBe(201);
    const second = await report(official, id, body, key);
    expect(second.statusCode).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json()).toEqual(first.json());
    const other = await report(official, id, { ...body, stage: 'in_progress' }, key);
    expect(other.statusCode).toBe(409);
    expect(await updatesOf(id)).toHaveLength(1);
    // Without a key, each POST is a new update.
    expect((await report(official, id, body)).statusCode).toBe(201);
    expect((await report(official, id, body)).statusCode).toBe(201);
    expect(await updatesOf(id)).toHaveLength(3);
  });

  it('gives 10 concurrent reports with the same key one update and one id', async () => {
    const { official, id } = await setup();
    const key = unique('progress-');
    const responses = await Promise.all(Array.from({ length: 10 }, () => report(official, id, body, key)));
    expect(responses.map((r) => r.statusCode)).toEqual(Array<number>(10).fill(201));
    expect(new Set(responses.map((r) => r.json().id)).size).toBe(1);
    expect(await updatesOf(id)).toHaveLength(1);
  });

  it('frees the key after a failed report, and scopes keys per endorsement', async () => {
    const { official, id } = await setup();
    const key = unique('progress-');
    expect((await report(official, id, { ...body, areaKey: 'economy' }, key)).statusCode).toBe(400);
    const ok = await report(official, id, body, key);
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.headers['idempotent-replayed']).toBeUndefined();
    // The same key used for an endorsement creation is another scope.
    const rows = await t.db
      .select()
      .from(idempotencyKeys)
      .where(and(eq(idempotencyKeys.userId, official.id), eq(idempotencyKeys.key, key)));
    expect(rows.map((r) => r.scope)).toEqual([`progress:${id}`]);
  });
});
