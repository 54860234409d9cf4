// An endorsement is one write of four rows: the endorsement, its first revision, the secretariat's
// mail and the audit event, all in one transaction, the same with or without an Idempotency-Key.
import { and, eq, isNull, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, endorsementRevisions, endorsements, mailOutbox, pledges, users } from '../src/db/schema/index.js';
import { createEndorsement } from '../src/modules/endorsements/endorse.service.js';
import { secretariatMessage } from '../src/modules/endorsements/endorsements.mail.js';
import { translator } from '../src/lib/i18n.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createCity, createCityOfficial, createSecretariat, networkId, type TestUser } from './helpers/factories.js';
import { createPublishedPledge } from './helpers/pledge-factories.js';

let t: TestApp;
let secretariat: TestUser;
let pledge: Awaited<ReturnType<typeof createPublishedPledge>>;
// Text that PostgreSQL's format() would expand if it were ever treated as a template.
const title = 'Zero %s hunger: %2$s and 100%';
beforeAll(async () => {
  t = await buildTestApp();
  secretariat = await createSecretariat(t);
  pledge = await createPublishedPledge(t, { areaKeys: ['governance', 'economy', 'climate'] });
  await t.db
    .update(pledges)
    .set({ title: { en: title } })
    .where(eq(pledges.id, pledge.pledgeId));
});
afterAll(async () => t.close());

const signatory = { name: 'Ana Ruiz', title: 'Mayor', email: 'ana@example.org' };

function endorse(u: TestUser, pledgeRef: string, body: Record<string, unknown>, idempotencyKey?: string) {
  return t.app.inject({
    method: 'POST',
    url: `/api/v1/pledges/${pledgeRef}/endorsements`,
    headers: { ...u.headers, ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
    payload: { versionNumber: 1, signatory, language: 'fr', statement: 'Nous nous engageons.', ...body },
  });
}

/** Everything a submission wrote, in a form that does not depend on ids or times. */
async function written(id: string) {
  const [e] = await t.db.select().from(endorsements).where(eq(endorsements.id, id));
  const revisions = await t.db.select().from(endorsementRevisions).where(eq(endorsementRevisions.endorsementId, id));
  const mails = await t.db
    .select()
    .from(mailOutbox)
    .where(and(eq(mailOutbox.to, secretariat.email)));
  const mail = mails.find((m) => m.dedupeKey === `endorsement:${id}:r1:submitted:${secretariat.id}`);
  const events = await t.db.select().from(auditEvents).where(eq(auditEvents.entityId, id));
  return { e: e!, revisions, mail: mail!, events };
}

describe('a submission writes the endorsement, its revision, the mail and the audit event together', () => {
  const ways = [
    { way: 'without an Idempotency-Key', key: undefined },
    { way: 'with an Idempotency-Key', key: 'retry-safe-1' },
  ];
  for (const { way, key } of ways) {
    it(`${way}: a city official, areas in the version's order, by pledge id`, async () => {
      const city = await createCity(t, { name: `Città "%1$s" 100% ${key ?? 'one'}` });
      const official = await createCityOfficial(t, city.id);
      const res = await endorse(
        official,
        pledge.pledgeId,
        { scope: 'areas', areaKeys: ['climate', 'governance'] },
        key,
      );
      expect(res.statusCode, res.body).toBe(201);
      const body = res.json();
      expect(body).toMatchObject({
        cityId: city.id,
        city: { id: city.id, name: city.name, country: city.country, region: city.region },
        pledgeId: pledge.pledgeId,
        pledgeSlug: pledge.slug,
        versionNumber: 1,
        contentHash: pledge.contentHash,
        scope: 'areas',
        areaKeys: ['governance', 'climate'],
        signatory,
        statement: 'Nous nous engageons.',
        language: 'fr',
        status: 'submitted',
        revision: 1,
        onBehalf: false,
        verifiedAt: null,
        mandate: null,
        certificate: null,
      });
      const { e, revisions, mail, events } = await written(body.id);
      expect(e).toMatchObject({
        cityId: city.id,
        versionNumber: 1,
        contentHash: pledge.contentHash,
        areaKeys: ['governance', 'climate'],
        createdBy: official.id,
        onBehalf: false,
        signatoryEmail: signatory.email,
      });
      expect(e.createdAt.toISOString()).toBe(body.createdAt);
      expect(revisions).toHaveLength(1);
      expect(revisions[0]).toMatchObject({
        revision: 1,
        actorId: official.id,
        actorRole: 'city_official',
        action: 'submitted',
        status: 'submitted',
        areaKeys: ['governance', 'climate'],
        versionNumber: 1,
      });
      // Word for word the message the service composes, names with % and all.
      const expected = secretariatMessage(
        translator('en'),
        {
          endorsementId: body.id,
          revision: 1,
          cityName: city.name,
          pledgeTitle: { en: title },
          versionNumber: 1,
          baseUrl: t.config.publicBaseUrl,
        },
        'submitted',
      );
      expect({ subject: mail.subject, text: mail.text }).toEqual({ subject: expected.subject, text: expected.text });
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        action: 'endorsement.submitted',
        entityType: 'endorsement',
        actorId: official.id,
        actorRole: 'city_official',
        requestId: res.headers['x-request-id'],
      });
      expect(events[0]!.summary).toEqual({
        pledge: pledge.slug,
        cityId: city.id,
        versionNumber: 1,
        scope: 'areas',
        areaKeys: ['governance', 'climate'],
        onBehalf: false,
      });
    });

    it(`${way}: the secretariat on behalf of a city, whole, by slug`, async () => {
      const city = await createCity(t);
      const res = await endorse(secretariat, pledge.slug, { scope: 'whole', cityId: city.id }, key && `${key}-whole`);
      expect(res.statusCode, res.body).toBe(201);
      const body = res.json();
      expect(body).toMatchObject({
        cityId: city.id,
        scope: 'whole',
        areaKeys: ['governance', 'economy', 'climate'],
        onBehalf: true,
      });
      const { e, revisions, events } = await written(body.id);
      expect(e).toMatchObject({ createdBy: secretariat.id, onBehalf: true });
      expect(revisions[0]).toMatchObject({
        actorId: secretariat.id,
        actorRole: 'secretariat',
        action: 'submitted_on_behalf',
      });
      expect(events[0]!.summary).toEqual({
        pledge: pledge.slug,
        cityId: city.id,
        versionNumber: 1,
        scope: 'whole',
        areaKeys: ['governance', 'economy', 'climate'],
        onBehalf: true,
      });
    });
  }

  it('by the system actor (seed, command line): no user, recorded as such', async () => {
    const city = await createCity(t);
    const { body } = await createEndorsement(t.system, { publicBaseUrl: t.config.publicBaseUrl }, pledge.slug, {
      cityId: city.id,
      versionNumber: 1,
      scope: 'whole',
      signatory,
      language: 'en',
    });
    const { e, revisions, events } = await written(body.id);
    expect(e).toMatchObject({ createdBy: null, onBehalf: true });
    expect(revisions[0]).toMatchObject({ actorId: null, actorRole: 'system', action: 'submitted_on_behalf' });
    expect(events[0]).toMatchObject({ actorId: null, actorRole: 'system' });
    expect(events[0]!.summary).toMatchObject({ by: 'test-factory', onBehalf: true, cityId: city.id });
  });
});

describe('what is refused is answered precisely, and nothing is written', () => {
  it('a token still valid for a deactivated user: 401, nothing written', async () => {
    const official = await createCityOfficial(t);
    await t.db.update(users).set({ active: false }).where(eq(users.id, official.id));
    const res = await endorse(official, pledge.slug, { scope: 'whole' });
    expect(res.statusCode).toBe(401);
    expect(await t.db.select().from(endorsements).where(eq(endorsements.cityId, official.cityId!))).toHaveLength(0);
  });

  it('a token issued to the secretariat, whose user is now a network reviewer: 403, nothing written', async () => {
    const former = await createSecretariat(t);
    await t.db
      .update(users)
      .set({ role: 'network_reviewer', networkId: await networkId(t, 'MMC') })
      .where(eq(users.id, former.id));
    const city = await createCity(t);
    const res = await endorse(former, pledge.slug, { scope: 'whole', cityId: city.id });
    expect(res.statusCode).toBe(403);
    expect(await t.db.select().from(endorsements).where(eq(endorsements.cityId, city.id))).toHaveLength(0);
  });

  it('a city official moved to another city endorses for the city of their row, not of their token', async () => {
    const official = await createCityOfficial(t);
    const newCity = await createCity(t);
    await t.db.update(users).set({ cityId: newCity.id }).where(eq(users.id, official.id));
    const refused = await endorse(official, pledge.slug, { scope: 'whole', cityId: official.cityId });
    expect(refused.statusCode).toBe(403);
    const res = await endorse(official, pledge.slug, { scope: 'whole' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().cityId).toBe(newCity.id);
  });

  it(
    'a city official naming their own city in capitals: accepted with or without a key; a version number past the ' +
      'database integer: 400',
    async () => {
      for (const key of [undefined, 'capitals-1']) {
        const official = await createCityOfficial(t);
        const res = await endorse(
          official,
          pledge.slug,
          { scope: 'whole', cityId: official.cityId!.toUpperCase() },
          key,
        );
        expect(res.statusCode, res.body).toBe(201);
        expect(res.json().cityId).toBe(official.cityId);
        const huge = await endorse(
          official,
          pledge.slug,
          { scope: 'whole', versionNumber: 2_147_483_648 },
          key && `${key}-huge`,
        );
        expect(huge.statusCode).toBe(400);
        expect(JSON.stringify(huge.json().errors)).toContain('versionNumber');
      }
    },
  );

  it('an unknown area key 400, the wrong version 409, an unknown pledge 404, a second live one 409', async () => {
    const official = await createCityOfficial(t);
    const unknownKey = await endorse(official, pledge.slug, { scope: 'areas', areaKeys: ['governance', 'nope'] });
    expect(unknownKey.statusCode).toBe(400);
    expect(unknownKey.json().detail).toContain('nope');
    expect((await endorse(official, pledge.slug, { scope: 'whole', versionNumber: 2 })).statusCode).toBe(409);
    expect((await endorse(official, 'no-such-pledge', { scope: 'whole' })).statusCode).toBe(404);
    expect((await endorse(official, pledge.slug, { scope: 'whole' })).statusCode).toBe(201);
    const again = await endorse(official, pledge.slug, { scope: 'whole' });
    expect(again.statusCode).toBe(409);
    expect(again.json().detail).toContain('already has a live endorsement');
    expect(await t.db.select().from(endorsements).where(eq(endorsements.cityId, official.cityId!))).toHaveLength(1);
  });

  it('a write that fails half-way (the mail, third of four rows) leaves no endorsement or event', async () => {
    const city = await createCity(t, { name: 'Ciudad Sin Correo' });
    // The outbox refuses this city's mail, after the endorsement and its revision were written.
    await t.db.execute(sql`
      CREATE FUNCTION refuse_test_mail() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.subject LIKE 'Ciudad Sin Correo%' THEN RAISE EXCEPTION 'mail refused'; END IF; RETURN NEW; END $$`);
    await t.db.execute(sql`CREATE TRIGGER refuse_test_mail BEFORE INSERT ON mail_outbox
      FOR EACH ROW EXECUTE FUNCTION refuse_test_mail()`);
    try {
      const res = await endorse(secretariat, pledge.slug, { scope: 'whole', cityId: city.id });
      expect(res.statusCode).toBe(500);
      expect(await t.db.select().from(endorsements).where(eq(endorsements.cityId, city.id))).toEqual([]);
      const events = await t.db
        .select()
        .from(auditEvents)
        .where(sql`${auditEvents.summary}->>'cityId' = ${city.id}`);
      expect(events).toEqual([]);
      const orphans = await t.db
        .select({ id: endorsementRevisions.id })
        .from(endorsementRevisions)
        .leftJoin(endorsements, eq(endorsements.id, endorsementRevisions.endorsementId))
        .where(isNull(endorsements.id));
      expect(orphans).toEqual([]);
      // Once the outbox takes it again, the same request goes through.
      await t.db.execute(sql`DROP TRIGGER refuse_test_mail ON mail_outbox`);
      expect((await endorse(secretariat, pledge.slug, { scope: 'whole', cityId: city.id })).statusCode).toBe(201);
    } finally {
      await t.db.execute(sql`DROP TRIGGER IF EXISTS refuse_test_mail ON mail_outbox`);
      await t.db.execute(sql`DROP FUNCTION refuse_test_mail()`);
    }
  });
});
