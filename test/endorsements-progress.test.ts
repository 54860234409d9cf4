import { asc, eq } from 'drizzle-orm';
import { auditEvents, endorsements, progressUpdates } from '../src/db/schema/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { type Body, endorsementRequests, type PublishedPledge } from './helpers/endorsements-api.js';
import { createCityOfficial, createReviewer, createSecretariat, type TestUser } from './helpers/factories.js';
import { createPublishedPledge } from './helpers/pledge-factories.js';

let t: TestApp;
let secretariat: TestUser;
let pledge: PublishedPledge;
beforeAll(async () => {
  t = await buildTestApp();
  secretariat = await createSecretariat(t);
  pledge = await createPublishedPledge(t, { areaKeys: ['governance', 'economy', 'climate'] });
});
afterAll(async () => t.close());

const { get, post, endorsingCity } = endorsementRequests(() => ({ t, secretariat }));
/** A city in MMC, its official and a submitted endorsement (of the whole pledge unless told). */
const fixture = (body: Body = {}, slug = pledge.slug) => endorsingCity(slug, body);
const decide = (id: string, decision: string) => post(secretariat, `/endorsements/${id}/decision`, { decision });
const DAY = 86_400_000;

describe('A city reports progress on the areas it endorsed', () => {
  const report = (u: TestUser, id: string, body: Body) =>
    post(u, `/endorsements/${id}/progress`, {
      areaKey: 'climate',
      stage: 'planning',
      narrative: 'A plan is being drafted.',
      ...body,
    });
  const updatesOf = (id: string) => t.db.select().from(progressUpdates).where(eq(progressUpdates.endorsementId, id));

  it('are reported by the endorsing city only: secretariat and reviewers 403, another city 404', async () => {
    const f = await fixture({ scope: 'areas', areaKeys: ['governance', 'climate'] });
    const ok = await report(f.official, f.id, { narrative: 'Council adopted the plan.' });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json()).toMatchObject({
      endorsementId: f.id,
      areaKey: 'climate',
      stage: 'planning',
      narrative: 'Council adopted the plan.',
      createdBy: f.official.id,
    });
    expect((await report(secretariat, f.id, {})).statusCode).toBe(403);
    expect((await report(await createReviewer(t, 'MMC'), f.id, {})).statusCode).toBe(403);
    expect((await report(await createReviewer(t, 'UCLG'), f.id, {})).statusCode).toBe(404);
    const stranger = await createCityOfficial(t);
    const hidden = await report(stranger, f.id, {});
    expect(hidden.statusCode).toBe(404);
    expect(hidden.json().code).toBe('not_found');
    expect(await updatesOf(f.id)).toHaveLength(1);
  });

  it('only on endorsed areas (400) and with a known stage and a narrative (400)', async () => {
    const f = await fixture({ scope: 'areas', areaKeys: ['governance', 'climate'] });
    const notEndorsed = await report(f.official, f.id, { areaKey: 'economy' });
    expect(notEndorsed.statusCode).toBe(400);
    expect(JSON.stringify(notEndorsed.json().errors)).toContain('areaKey');
    expect((await report(f.official, f.id, { areaKey: 'housing' })).statusCode).toBe(400);
    for (const body of [
      { stage: 'done' },
      { stage: 'PLANNING' },
      { stage: undefined },
      { narrative: '' },
      { narrative: undefined },
      { areaKey: undefined },
      { extra: true },
    ]) {
      const res = await report(f.official, f.id, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().code).toBe('validation_failed');
    }
    for (const stage of ['planning', 'in_progress', 'fulfilled', 'dropped']) {
      expect((await report(f.official, f.id, { areaKey: 'governance', stage })).statusCode).toBe(201);
    }
    expect(await updatesOf(f.id)).toHaveLength(4);
  });

  it('not on a withdrawn or rejected endorsement (409)', async () => {
    const w = await fixture();
    await post(w.official, `/endorsements/${w.id}/withdraw`, { reason: 'New council.' });
    const res = await report(w.official, w.id, {});
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('invalid_state');
    const r = await fixture();
    await post(secretariat, `/endorsements/${r.id}/decision`, { decision: 'rejected', note: 'Wrong signatory.' });
    expect((await report(r.official, r.id, {})).statusCode).toBe(409);
    // A verified endorsement takes progress.
    const v = await fixture();
    await decide(v.id, 'verified');
    expect((await report(v.official, v.id, {})).statusCode).toBe(201);
    expect(await updatesOf(w.id)).toHaveLength(0);
    expect(await updatesOf(r.id)).toHaveLength(0);
  });

  it('show the latest stage per endorsed area on the endorsement, and every update on /progress', async () => {
    const f = await fixture({ scope: 'areas', areaKeys: ['governance', 'climate'] });
    await report(f.official, f.id, { areaKey: 'governance', stage: 'planning', narrative: 'First step.' });
    await report(f.official, f.id, { areaKey: 'governance', stage: 'in_progress', narrative: 'Second step.' });
    await report(f.official, f.id, { areaKey: 'governance', stage: 'fulfilled', narrative: 'Done.' });
    const detail = (await get(f.official, `/endorsements/${f.id}`)).json();
    expect(detail.progress).toEqual([
      { areaKey: 'governance', stage: 'fulfilled', narrative: 'Done.', updatedAt: expect.any(String), stale: false },
      { areaKey: 'climate', stage: null, narrative: null, updatedAt: null, stale: false },
    ]);
    const list = await get(f.official, `/endorsements/${f.id}/progress`);
    expect(list.statusCode).toBe(200);
    expect(list.json().nextCursor).toBeNull();
    expect(list.json().items.map((i: { stage: string; narrative: string }) => `${i.stage}:${i.narrative}`)).toEqual([
      'planning:First step.',
      'in_progress:Second step.',
      'fulfilled:Done.',
    ]);
    expect(detail.progress[0].updatedAt).toBe(list.json().items[2].createdAt);
    // Readable as the endorsement is: secretariat and the network's reviewer yes, others 404.
    expect((await get(secretariat, `/endorsements/${f.id}/progress`)).json().items).toHaveLength(3);
    expect((await get(await createReviewer(t, 'MMC'), `/endorsements/${f.id}/progress`)).json().items).toHaveLength(3);
    expect((await get(await createReviewer(t, 'UCLG'), `/endorsements/${f.id}/progress`)).statusCode).toBe(404);
    expect((await get(await createCityOfficial(t), `/endorsements/${f.id}/progress`)).statusCode).toBe(404);
  });

  it('mark an area stale when its latest update, or without one the endorsement, is over a year old', async () => {
    const f = await fixture({ scope: 'areas', areaKeys: ['governance', 'economy', 'climate'] });
    const now = Date.now();
    // The endorsement was made 500 days ago.
    await t.db
      .update(endorsements)
      .set({ createdAt: new Date(now - 500 * DAY) })
      .where(eq(endorsements.id, f.id));
    // governance: one update 400 days ago (stale). climate: an old one, then a fresh one (not stale).
    const old = (await report(f.official, f.id, { areaKey: 'governance', stage: 'planning' })).json().id as string;
    await t.db
      .update(progressUpdates)
      .set({ createdAt: new Date(now - 400 * DAY) })
      .where(eq(progressUpdates.id, old));
    const older = (
      await report(f.official, f.id, { areaKey: 'climate', stage: 'planning', narrative: 'Long ago.' })
    ).json().id as string;
    await t.db
      .update(progressUpdates)
      .set({ createdAt: new Date(now - 450 * DAY) })
      .where(eq(progressUpdates.id, older));
    await report(f.official, f.id, { areaKey: 'climate', stage: 'in_progress', narrative: 'This year.' });
    // economy: never reported, so the endorsement's age counts (stale).
    const progress = (await get(f.official, `/endorsements/${f.id}`)).json().progress as Array<{
      areaKey: string;
      stage: string | null;
      narrative: string | null;
      stale: boolean;
    }>;
    expect(progress.map((p) => [p.areaKey, p.stage, p.stale])).toEqual([
      ['governance', 'planning', true],
      ['economy', null, true],
      ['climate', 'in_progress', false],
    ]);
    expect(progress[2]!.narrative).toBe('This year.');
  });

  it('do not call an area stale within a year', async () => {
    const f = await fixture({ scope: 'areas', areaKeys: ['governance', 'climate'] });
    const now = Date.now();
    await t.db
      .update(endorsements)
      .set({ createdAt: new Date(now - 364 * DAY) })
      .where(eq(endorsements.id, f.id));
    const id = (await report(f.official, f.id, { areaKey: 'governance' })).json().id as string;
    await t.db
      .update(progressUpdates)
      .set({ createdAt: new Date(now - 300 * DAY) })
      .where(eq(progressUpdates.id, id));
    const progress = (await get(f.official, `/endorsements/${f.id}`)).json().progress as Array<{ stale: boolean }>;
    expect(progress.map((p) => p.stale)).toEqual([false, false]);
    // A day past the year, both are.
    await t.db
      .update(endorsements)
      .set({ createdAt: new Date(now - 367 * DAY) })
      .where(eq(endorsements.id, f.id));
    await t.db
      .update(progressUpdates)
      .set({ createdAt: new Date(now - 366 * DAY) })
      .where(eq(progressUpdates.id, id));
    const later = (await get(f.official, `/endorsements/${f.id}`)).json().progress as Array<{ stale: boolean }>;
    expect(later.map((p) => p.stale)).toEqual([true, true]);
  });

  it('write an audit event for each report', async () => {
    const f = await fixture();
    const res = await report(f.official, f.id, { areaKey: 'economy', stage: 'fulfilled' });
    const events = await t.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.entityId, f.id))
      .orderBy(asc(auditEvents.seq));
    const reported = events.filter((e) => e.action === 'endorsement.progress_reported');
    expect(reported).toHaveLength(1);
    expect(reported[0]).toMatchObject({ actorId: f.official.id, actorRole: 'city_official' });
    expect(reported[0]!.summary).toMatchObject({ progressId: res.json().id, areaKey: 'economy', stage: 'fulfilled' });
    // A refused report writes nothing.
    await report(f.official, f.id, { areaKey: 'housing' });
    expect(
      (await t.db.select().from(auditEvents).where(eq(auditEvents.entityId, f.id))).filter(
        (e) => e.action === 'endorsement.progress_reported',
      ),
    ).toHaveLength(1);
  });
});
