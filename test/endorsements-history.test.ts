import { and, asc, eq, like } from 'drizzle-orm';
import { auditEvents, mailOutbox, users } from '../src/db/schema/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { endorsementRequests, type PublishedPledge } from './helpers/endorsements-api.js';
import { createCity, createCityOfficial, createSecretariat, type TestUser } from './helpers/factories.js';
import { createPublishedPledge } from './helpers/pledge-factories.js';

let t: TestApp;
let secretariat: TestUser;
beforeAll(async () => {
  t = await buildTestApp();
  secretariat = await createSecretariat(t);
});
afterAll(async () => t.close());

const { endorse, get, post, patch, endorsed, decided, withdrawn, endorsingCity } = endorsementRequests(() => ({
  t,
  secretariat,
}));

describe('Every change is kept in the history of the endorsement', () => {
  it('records every change in the history: who, when, action, areas, version and reason', async () => {
    const p = await createPublishedPledge(t, { areaKeys: ['governance', 'economy', 'climate'] });
    const f = await endorsingCity(p.slug);
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
    // The clock's reading, known only as lying between the two taken around the changes.
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

describe('Who is told by mail of a submission and a decision', () => {
  let pledge: PublishedPledge;
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
    expect(mail!.text!.split('\n')).toContain(`${t.config.publicBaseUrl}/secretariat/endorsements/${e.id}`);
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
    expect(mail!.text!.split('\n')).toContain(`${t.config.publicBaseUrl}/city/endorsements/${r.id}`);
    const all = (await t.db.select().from(mailOutbox)).map((m) => m.to);
    expect(all).not.toContain(retired.email);
    expect(all).not.toContain(elsewhere.email);
  });
});

describe("Every change of an endorsement writes an audit event, in its actor's name", () => {
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
