import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as schema from '../src/db/schema/index.js';
import { peopleOf } from '../src/demo/people.js';
import { seedDemoDataIfEmpty } from '../src/demo/seed.js';
import { FORUM } from '../src/demo/timeline.js';
import { verifyAuditChain } from '../src/modules/audit/audit.service.js';
import { getEndorsement } from '../src/modules/endorsements/index.js';
import { buildTestApp, type TestApp } from './helpers/app.js';

// The demo as a secretariat would find it: people who signed with their titles, a history from
// the Forum in Quito (22 January 2020) to today written through the services at its own dates, the
// stale flags on some endorsements, and an audit log in the order of time whose chain verifies.

const DAY = 86_400_000;
/** How each language words a signatory's office (titles are data: people.ts). */
const titleWords = {
  en: /\b(Mayor|Governor)\b/,
  es: /^(Alcalde|Alcaldesa|Jefa de Gobierno|Intendenta)\b/,
  fr: /^(Maire|Mairesse|Présidente|Gouverneur)\b/,
} as const;

let t: TestApp;
let seededAt: Date;
beforeAll(async () => {
  t = await buildTestApp();
  seededAt = new Date();
  expect(await seedDemoDataIfEmpty(t.testDb.database, { print: () => undefined })).toBe(true);
}, 120_000);
afterAll(() => t?.close());

const endorsements = () =>
  t.db
    .select({ e: schema.endorsements, city: schema.cities.name })
    .from(schema.endorsements)
    .innerJoin(schema.cities, eq(schema.cities.id, schema.endorsements.cityId));

describe('the demo seed', () => {
  it('has people sign, each with a title in the language of the endorsement, as the certificates say', async () => {
    const rows = await endorsements();
    expect(rows.length).toBeGreaterThan(40);
    for (const { e, city } of rows) {
      expect(e.signatoryName).toBe(peopleOf(city).signatory.name);
      expect(e.signatoryTitle).toMatch(titleWords[e.language]);
      expect(e.signatoryTitle).not.toContain(e.signatoryName);
    }
    expect(new Set(rows.map((r) => r.e.language))).toEqual(new Set(['en', 'es', 'fr']));
    const dakar = rows.find((r) => r.city === 'Dakar')!.e;
    expect(dakar.signatoryTitle).toBe('Maire de Dakar');
    const [certificate] = await t.db
      .select({ payload: schema.certificates.payload })
      .from(schema.certificates)
      .innerJoin(schema.endorsements, eq(schema.endorsements.id, schema.certificates.endorsementId))
      .innerJoin(schema.cities, eq(schema.cities.id, schema.endorsements.cityId))
      .where(eq(schema.cities.name, 'Medellín'));
    expect((certificate!.payload as { signatory: unknown }).signatory).toEqual({
      name: 'Alejandro Restrepo',
      title: 'Alcalde de Medellín',
    });
  });

  it('dates its history from the Quito Forum to now: signatures over months, verified and reported later', async () => {
    const rows = (await endorsements()).map((r) => r.e);
    const forumDay = FORUM.toISOString().slice(0, 10);
    const created = rows.map((e) => e.createdAt.getTime());
    expect(new Date(Math.min(...created)).toISOString().slice(0, 10)).toBe(forumDay);
    expect(Math.max(...created)).toBeLessThanOrEqual(Date.now());
    // Some signed at the Forum, the others spread over many weeks and years since.
    expect(rows.filter((e) => e.createdAt.toISOString().startsWith(forumDay)).length).toBeGreaterThanOrEqual(5);
    const weeks = new Set(created.map((c) => Math.floor(c / (7 * DAY))));
    expect(weeks.size).toBeGreaterThan(25);
    expect(new Set(created.map((c) => new Date(c).getUTCFullYear())).size).toBeGreaterThanOrEqual(3);
    // What still waits for the secretariat came in over the last weeks.
    const waiting = rows.filter((e) => e.status === 'submitted');
    expect(waiting.length).toBeGreaterThan(0);
    for (const e of waiting) expect(seededAt.getTime() - e.createdAt.getTime()).toBeLessThan(90 * DAY);
    // Verified days or weeks after signing, the certificate issued that very instant.
    const certificates = await t.db.select().from(schema.certificates);
    for (const e of rows.filter((r) => r.verifiedAt)) {
      const wait = e.verifiedAt!.getTime() - e.submittedAt.getTime();
      expect(wait).toBeGreaterThan(DAY);
      expect(wait).toBeLessThan(60 * DAY);
      const issued = certificates.filter((c) => c.endorsementId === e.id).map((c) => c.issuedAt.getTime());
      expect(issued).toEqual([e.verifiedAt!.getTime()]);
    }
    // Progress after verification, the latest within the year before now.
    const progress = await t.db
      .select({ at: schema.progressUpdates.createdAt, verifiedAt: schema.endorsements.verifiedAt })
      .from(schema.progressUpdates)
      .innerJoin(schema.endorsements, eq(schema.endorsements.id, schema.progressUpdates.endorsementId));
    expect(progress.length).toBeGreaterThan(40);
    for (const p of progress) {
      expect(p.at.getTime()).toBeGreaterThan(p.verifiedAt!.getTime());
      expect(p.at.getTime()).toBeLessThanOrEqual(Date.now());
    }
    expect(progress.some((p) => seededAt.getTime() - p.at.getTime() < 365 * DAY)).toBe(true);
    // The text was published on the morning of the Forum, after a round in the autumn of 2019.
    const [version] = await t.db.select().from(schema.pledgeVersions);
    expect(version!.publishedAt!.toISOString().slice(0, 10)).toBe(forumDay);
    const [round] = await t.db.select().from(schema.validationRounds);
    expect(round!.openedAt.getUTCFullYear()).toBe(2019);
    expect(round!.closedAt!.getTime()).toBeLessThan(FORUM.getTime());
  });

  it('shows stale areas on some live endorsements, not on most', async () => {
    const live = (await endorsements()).filter((r) => r.e.status === 'verified');
    const stale = [];
    for (const { e } of live) {
      const detail = await getEndorsement(t.system, e.id);
      if (detail.progress.some((p) => p.stale)) stale.push(e.id);
    }
    expect(stale.length).toBeGreaterThan(2);
    expect(stale.length).toBeLessThan(live.length / 2);
  });

  it('writes an audit log in the order of time, from 2019 to now, whose chain verifies', async () => {
    const check = await verifyAuditChain(t.system);
    expect(check).toMatchObject({ ok: true, pending: 0 });
    const events = await t.db
      .select({ at: schema.auditEvents.at })
      .from(schema.auditEvents)
      .orderBy(asc(schema.auditEvents.chainSeq));
    expect(check.checked).toBe(events.length);
    const times = events.map((e) => e.at.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(new Date(times[0]!).getUTCFullYear()).toBe(2019);
    expect(times.at(-1)!).toBeLessThanOrEqual(Date.now());
  });
});
