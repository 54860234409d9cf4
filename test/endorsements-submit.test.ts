import { eq } from 'drizzle-orm';
import { endorsements } from '../src/db/schema/index.js';
import { createPledge } from '../src/modules/pledges/pledges.service.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { endorsementRequests, type PublishedPledge, signatory } from './helpers/endorsements-api.js';
import {
  createCity,
  createCityOfficial,
  createReviewer,
  createSecretariat,
  type TestUser,
  unique,
} from './helpers/factories.js';
import { createPublishedPledge, publishNextVersion } from './helpers/pledge-factories.js';

let t: TestApp;
let secretariat: TestUser;
beforeAll(async () => {
  t = await buildTestApp();
  secretariat = await createSecretariat(t);
});
afterAll(async () => t.close());

const { endorse, get, endorsed, decided, withdrawn } = endorsementRequests(() => ({ t, secretariat }));

describe('A city endorses a pledge: what the request must be', () => {
  let pledge: PublishedPledge;
  let official: TestUser;
  beforeAll(async () => {
    pledge = await createPublishedPledge(t, { areaKeys: ['governance', 'economy', 'climate'] });
    official = await createCityOfficial(t);
  });

  it('refuses a version number that is not the published one (409), and leaves no row behind', async () => {
    const res = await endorse(official, pledge.slug, { versionNumber: 2 });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('invalid_state');
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(await t.db.select().from(endorsements).where(eq(endorsements.cityId, official.cityId!))).toHaveLength(0);
  });

  it('refuses an older version once a newer one is published (409), stores the hash of the one endorsed', async () => {
    const p = await createPublishedPledge(t, { areaKeys: ['governance', 'climate'] });
    const v2 = await publishNextVersion(t, p.slug, { add: ['housing'] });
    const o = await createCityOfficial(t);
    expect((await endorse(o, p.slug, { versionNumber: 1 })).statusCode).toBe(409);
    const e = await endorsed(o, p.slug, { versionNumber: v2.versionNumber });
    expect(e).toMatchObject({
      versionNumber: 2,
      contentHash: v2.contentHash,
      areaKeys: ['governance', 'climate', 'housing'],
    });
    expect(v2.contentHash).not.toBe(p.contentHash);
  });

  it('answers 404 for a pledge with no published version, and for an unknown one', async () => {
    const slug = unique('draft-only-').toLowerCase();
    await createPledge(t.system, { slug, title: { en: 'Never published' } });
    const draft = await endorse(official, slug);
    expect(draft.statusCode).toBe(404);
    expect(draft.json().code).toBe('not_found');
    expect((await endorse(official, unique('no-such-pledge-').toLowerCase())).statusCode).toBe(404);
    expect((await endorse(official, '00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
  });

  it('rejects unknown area keys, repeated keys, empty keys and scope/areaKeys mismatches (400)', async () => {
    const unknownKey = await endorse(official, pledge.slug, { scope: 'areas', areaKeys: ['governance', 'housing'] });
    expect(unknownKey.statusCode).toBe(400);
    expect(unknownKey.json().code).toBe('validation_failed');
    expect(JSON.stringify(unknownKey.json().errors)).toContain('housing');

    for (const body of [
      { scope: 'areas', areaKeys: ['climate', 'climate'] },
      { scope: 'areas', areaKeys: [] },
      { scope: 'areas' },
      { scope: 'whole', areaKeys: ['climate'] },
      { scope: 'partial', areaKeys: ['climate'] },
      { areaKeys: ['climate'], scope: undefined },
    ]) {
      const res = await endorse(official, pledge.slug, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().code).toBe('validation_failed');
    }
    const missingAreaKeys = await endorse(official, pledge.slug, { scope: 'areas' });
    expect(missingAreaKeys.json().errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: expect.stringContaining('areaKeys') })]),
    );
    expect(await t.db.select().from(endorsements).where(eq(endorsements.cityId, official.cityId!))).toHaveLength(0);
  });

  it('accepts only en, es or fr as the language (400 otherwise)', async () => {
    for (const language of ['de', 'EN', '', undefined]) {
      const res = await endorse(official, pledge.slug, { language });
      expect(res.statusCode, String(language)).toBe(400);
    }
    for (const language of ['en', 'es', 'fr']) {
      const o = await createCityOfficial(t);
      expect((await endorsed(o, pledge.slug, { language })).areaKeys).toEqual(['governance', 'economy', 'climate']);
    }
  });

  it('requires the signatory name and title (400)', async () => {
    for (const s of [
      { title: 'Mayor' },
      { name: 'Ana Ruiz' },
      { name: '   ', title: 'Mayor' },
      { name: 'Ana Ruiz', title: '' },
      { name: 'Ana', title: 'Mayor', email: 'not-an-email' },
    ]) {
      const res = await endorse(official, pledge.slug, { signatory: s });
      expect(res.statusCode, JSON.stringify(s)).toBe(400);
    }
    expect((await endorse(official, pledge.slug, { signatory: undefined })).statusCode).toBe(400);
  });

  it('stores the content hash of the published version, keeps the version order of the chosen areas', async () => {
    const o = await createCityOfficial(t);
    const e = await endorsed(o, pledge.slug, {
      scope: 'areas',
      areaKeys: ['climate', 'governance'],
      signatory: { ...signatory, email: 'ana@city.example' },
      statement: 'We commit.',
    });
    expect(e).toMatchObject({
      cityId: o.cityId,
      pledgeId: pledge.pledgeId,
      versionNumber: 1,
      contentHash: pledge.contentHash,
      scope: 'areas',
      areaKeys: ['governance', 'climate'],
      status: 'submitted',
      revision: 1,
      onBehalf: false,
    });
    const [row] = await t.db.select().from(endorsements).where(eq(endorsements.id, e.id));
    expect(row!.contentHash).toBe(pledge.contentHash);
    expect(row!.signatoryEmail).toBe('ana@city.example');
    // By id as well as by slug.
    const other = await createCityOfficial(t);
    expect((await endorsed(other, pledge.pledgeId)).pledgeId).toBe(pledge.pledgeId);
  });
});

describe('A city endorses a pledge: who may endorse for it', () => {
  let pledge: PublishedPledge;
  beforeAll(async () => {
    pledge = await createPublishedPledge(t, { areaKeys: ['governance', 'climate'] });
  });

  it('lets a city official endorse only for their own city (403 for another cityId)', async () => {
    const official = await createCityOfficial(t);
    const otherCity = await createCity(t);
    const res = await endorse(official, pledge.slug, { cityId: otherCity.id });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('forbidden');
    expect(await t.db.select().from(endorsements).where(eq(endorsements.cityId, otherCity.id))).toHaveLength(0);
    // Naming their own city is fine.
    expect((await endorsed(official, pledge.slug, { cityId: official.cityId })).cityId).toBe(official.cityId);
  });

  it('needs a cityId from the secretariat (400); with one it is on behalf of the city', async () => {
    const missing = await endorse(secretariat, pledge.slug);
    expect(missing.statusCode).toBe(400);
    expect(JSON.stringify(missing.json().errors)).toContain('cityId');
    const unknownCity = await endorse(secretariat, pledge.slug, { cityId: '00000000-0000-4000-8000-000000000000' });
    expect(unknownCity.statusCode).toBe(400);

    const city = await createCity(t);
    const e = await endorsed(secretariat, pledge.slug, { cityId: city.id });
    expect(e).toMatchObject({ cityId: city.id, onBehalf: true, status: 'submitted', revision: 1 });
    const detail = (await get(secretariat, `/endorsements/${e.id}`)).json();
    expect(detail.history).toHaveLength(1);
    expect(detail.history[0]).toMatchObject({
      revision: 1,
      action: 'submitted_on_behalf',
      by: { id: secretariat.id, role: 'secretariat' },
      versionNumber: 1,
    });
  });

  it('refuses a network reviewer (403) and an anonymous caller (401)', async () => {
    const city = await createCity(t, { networks: ['MMC'] });
    const reviewer = await createReviewer(t, 'MMC');
    const asReviewer = await endorse(reviewer, pledge.slug, { cityId: city.id });
    expect(asReviewer.statusCode).toBe(403);
    const anonymous = await endorse(undefined, pledge.slug, { cityId: city.id });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().code).toBe('unauthenticated');
    expect(await t.db.select().from(endorsements).where(eq(endorsements.cityId, city.id))).toHaveLength(0);
  });
});

describe('A city endorses a pledge: one live endorsement per city per pledge', () => {
  let pledge: PublishedPledge;
  beforeAll(async () => {
    pledge = await createPublishedPledge(t, { areaKeys: ['governance', 'climate'] });
  });

  it('refuses a second one while the first is submitted, and while it is verified (409)', async () => {
    const o = await createCityOfficial(t);
    const first = await endorsed(o, pledge.slug);
    const again = await endorse(o, pledge.slug, { scope: 'areas', areaKeys: ['climate'] });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('conflict');
    // The secretariat on the city's behalf meets the same rule.
    expect((await endorse(secretariat, pledge.slug, { cityId: o.cityId })).statusCode).toBe(409);
    await decided(first.id, 'verified');
    expect((await endorse(o, pledge.slug)).statusCode).toBe(409);
    expect(await t.db.select().from(endorsements).where(eq(endorsements.cityId, o.cityId!))).toHaveLength(1);
  });

  it('lets the city submit again after a rejection or a withdrawal (201)', async () => {
    const o1 = await createCityOfficial(t);
    const rejected = await endorsed(o1, pledge.slug);
    await decided(rejected.id, 'rejected');
    const second = await endorsed(o1, pledge.slug);
    expect(second.id).not.toBe(rejected.id);

    const o2 = await createCityOfficial(t);
    const submitted = await endorsed(o2, pledge.slug);
    await withdrawn(o2, submitted.id);
    const afterWithdrawal = await endorsed(o2, pledge.slug);
    await decided(afterWithdrawal.id, 'verified');
    await withdrawn(o2, afterWithdrawal.id);
    await endorsed(o2, pledge.slug);
    expect(await t.db.select().from(endorsements).where(eq(endorsements.cityId, o2.cityId!))).toHaveLength(3);
  });

  it('is per pledge: the same city may endorse two pledges', async () => {
    const other = await createPublishedPledge(t);
    const o = await createCityOfficial(t);
    await endorsed(o, pledge.slug);
    await endorsed(o, other.slug);
  });
});
