import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endorsements } from '../src/db/schema/index.js';
import { addArea } from '../src/modules/pledges/areas.service.js';
import { createPledge, createVersion, updateVersion } from '../src/modules/pledges/pledges.service.js';
import { publishVersion } from '../src/modules/pledges/publish.service.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createCity, createCityOfficial, createSecretariat, type TestUser, unique } from './helpers/factories.js';
import { createPublishedPledge, publishNextVersion } from './helpers/pledge-factories.js';

let t: TestApp;
let secretariat: TestUser;
beforeAll(async () => {
  t = await buildTestApp();
  secretariat = await createSecretariat(t);
});
afterAll(async () => t.close());

type Body = Record<string, unknown>;
const api = (path: string) => `/api/v1${path}`;
const pub = (path: string) => t.app.inject({ method: 'GET', url: api(`/public/pledges/${path}`) });
const post = (u: TestUser, path: string, payload: Body) =>
  t.app.inject({ method: 'POST', url: api(path), headers: u.headers, payload });

interface Signatory {
  city: {
    id: string;
    name: string;
    country: string;
    countryName: { en: string; es: string; fr: string };
    region: string;
  };
  scope: string;
  areas: string[];
  versionNumber: number;
  signatory: { name: string; title: string };
  language: string;
  date: string;
}

/** A city (of a country) whose official endorses; returns the endorsement id and the city. */
async function endorseAs(slug: string, country: string, body: Body = {}) {
  const city = await createCity(t, { name: unique('City '), country });
  const official = await createCityOfficial(t, city.id);
  const email = `${unique('mayor-')}@${country.toLowerCase()}.example`;
  const res = await post(official, `/pledges/${slug}/endorsements`, {
    versionNumber: 1,
    scope: 'whole',
    signatory: { name: `Mayor of ${city.name}`, title: 'Mayor', email },
    language: 'es',
    ...body,
  });
  expect(res.statusCode, res.body).toBe(201);
  return { id: res.json().id as string, city, official, email };
}
async function verify(id: string) {
  const res = await post(secretariat, `/endorsements/${id}/decision`, { decision: 'verified' });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { verifiedAt: string };
}

describe('GET /public/pledges/:slug', () => {
  it('serves the published text in every language present, its content hash, without a login', async () => {
    const slug = unique('public-text-').toLowerCase();
    await createPledge(t.system, { slug, title: { en: 'City Action Pledge', fr: "Engagement d'action des villes" } });
    await updateVersion(t.system, slug, 1, { preamble: { en: 'We, mayors…', es: 'Nosotros, alcaldes…' } });
    await addArea(t.system, slug, 1, {
      key: 'governance',
      title: { en: 'Migration governance', es: 'Gobernanza migratoria', fr: 'Gouvernance des migrations' },
      description: { en: 'Govern migration locally.' },
      commitments: [{ en: 'Set up an office.', fr: 'Créer un bureau.' }],
      gcmObjectives: [23],
      sdgTargets: ['10.7'],
    });
    await addArea(t.system, slug, 1, {
      key: 'climate',
      title: { en: 'Climate resilience' },
      description: { en: 'Adapt.' },
      commitments: [{ en: 'Plan.' }],
    });
    const { version } = await publishVersion(t.system, slug, 1, { reason: 'test fixture' });

    const res = await pub(slug);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.slug).toBe(slug);
    expect(body.title).toEqual({ en: 'City Action Pledge', fr: "Engagement d'action des villes" });
    expect(body.version).toMatchObject({
      number: 1,
      contentHash: version.contentHash,
      preamble: { en: 'We, mayors…', es: 'Nosotros, alcaldes…' },
    });
    expect(body.version.preamble).not.toHaveProperty('fr');
    expect(body.version.areas.map((a: { key: string }) => a.key)).toEqual(['governance', 'climate']);
    expect(body.version.areas[0]).toMatchObject({
      title: { en: 'Migration governance', es: 'Gobernanza migratoria', fr: 'Gouvernance des migrations' },
      description: { en: 'Govern migration locally.' },
      commitments: [{ en: 'Set up an office.', fr: 'Créer un bureau.' }],
      gcmObjectives: [23],
      sdgTargets: ['10.7'],
      verifiedEndorsements: 0,
    });
    expect(body.version.areas[0].description).not.toHaveProperty('es');
    expect(body.version.areas[1].title).toEqual({ en: 'Climate resilience' });
    expect(body.counts).toEqual([
      { key: 'governance', count: 0 },
      { key: 'climate', count: 0 },
    ]);
  });

  it('answers 404 for an unknown pledge and for one with no published version', async () => {
    const unknown = await pub(unique('nothing-here-').toLowerCase());
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('not_found');
    const slug = unique('draft-').toLowerCase();
    await createPledge(t.system, { slug, title: { en: 'Still a draft' } });
    await addArea(t.system, slug, 1, {
      key: 'governance',
      title: { en: 'Governance' },
      description: { en: 'Secret draft text.' },
      commitments: [{ en: 'x' }],
    });
    const draft = await pub(slug);
    expect(draft.statusCode).toBe(404);
    expect(draft.body).not.toContain('Secret draft text.');
    expect((await pub(`${slug}/signatories`)).statusCode).toBe(404);
    expect((await pub(`${unique('nothing-here-').toLowerCase()}/signatories`)).statusCode).toBe(404);
  });

  it('keeps serving the published version while a newer draft is being edited', async () => {
    const p = await createPublishedPledge(t, { areaKeys: ['governance', 'climate'] });
    await createVersion(t.system, p.slug);
    await addArea(t.system, p.slug, 2, {
      key: 'housing',
      title: { en: 'Housing' },
      description: { en: 'Unpublished.' },
      commitments: [{ en: 'x' }],
    });
    const body = (await pub(p.slug)).json();
    expect(body.version.number).toBe(1);
    expect(body.version.contentHash).toBe(p.contentHash);
    expect(body.version.areas.map((a: { key: string }) => a.key)).toEqual(['governance', 'climate']);
  });
});

describe('counts and signatories', () => {
  let slug: string;
  let pledgeId: string;
  const e: Record<string, Awaited<ReturnType<typeof endorseAs>>> = {};
  const verifiedAt: Record<string, string> = {};
  beforeAll(async () => {
    const p = await createPublishedPledge(t, { areaKeys: ['governance', 'economy', 'climate'] });
    slug = p.slug;
    pledgeId = p.pledgeId;
    // a: Ecuador, whole, verified. b: France, climate, verified. c: Japan, whole, submitted.
    // d: Germany, climate + economy, rejected. w: Kenya, whole, verified then withdrawn.
    // m: Poland, whole, verified then amended (back to submitted).
    e.a = await endorseAs(slug, 'EC');
    verifiedAt.a = (await verify(e.a.id)).verifiedAt;
    e.b = await endorseAs(slug, 'FR', { scope: 'areas', areaKeys: ['climate'], language: 'fr' });
    verifiedAt.b = (await verify(e.b.id)).verifiedAt;
    e.c = await endorseAs(slug, 'JP');
    e.d = await endorseAs(slug, 'DE', { scope: 'areas', areaKeys: ['climate', 'economy'] });
    expect(
      (await post(secretariat, `/endorsements/${e.d.id}/decision`, { decision: 'rejected', note: 'Unsigned.' }))
        .statusCode,
    ).toBe(200);
    e.w = await endorseAs(slug, 'KE');
    await verify(e.w.id);
    expect((await post(e.w.official, `/endorsements/${e.w.id}/withdraw`, { reason: 'New council.' })).statusCode).toBe(
      200,
    );
    e.m = await endorseAs(slug, 'PL');
    await verify(e.m.id);
    expect(
      (
        await t.app.inject({
          method: 'PATCH',
          url: api(`/endorsements/${e.m.id}`),
          headers: e.m.official.headers,
          payload: { scope: 'areas', areaKeys: ['governance'] },
        })
      ).statusCode,
    ).toBe(200);
  });

  const names = async (query = '') => {
    const res = await pub(`${slug}/signatories${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return (res.json().items as Signatory[]).map((s) => s.city.name).sort();
  };
  const cities = (...keys: string[]) => keys.map((k) => e[k]!.city.name).sort();

  it('counts verified endorsements per area, a whole endorsement for each area', async () => {
    const body = (await pub(slug)).json();
    expect(body.counts).toEqual([
      { key: 'governance', count: 1 },
      { key: 'economy', count: 1 },
      { key: 'climate', count: 2 },
    ]);
    expect(
      body.version.areas.map((a: { key: string; verifiedEndorsements: number }) => [a.key, a.verifiedEndorsements]),
    ).toEqual([
      ['governance', 1],
      ['economy', 1],
      ['climate', 2],
    ]);
    expect(body.totals).toEqual({ verifiedEndorsements: 2 });
  });

  it('lists verified endorsements only: not submitted, rejected, withdrawn or amended', async () => {
    expect(await names()).toEqual(cities('a', 'b'));
    const all = JSON.stringify((await pub(`${slug}/signatories`)).json());
    for (const k of ['c', 'd', 'w', 'm']) expect(all).not.toContain(e[k]!.city.name);
  });

  it('shows city, country, country name, region, areas, version, signatory and date, newest first', async () => {
    const items = (await pub(`${slug}/signatories`)).json().items as Signatory[];
    expect(items).toHaveLength(2);
    expect(items[0]).toEqual({
      city: {
        id: e.b!.city.id,
        name: e.b!.city.name,
        country: 'FR',
        countryName: { en: 'France', es: 'Francia', fr: 'France' },
        region: 'Europe',
      },
      scope: 'areas',
      areas: ['climate'],
      versionNumber: 1,
      signatory: { name: `Mayor of ${e.b!.city.name}`, title: 'Mayor' },
      language: 'fr',
      date: verifiedAt.b,
    });
    expect(items[1]).toMatchObject({
      city: { id: e.a!.city.id, country: 'EC', countryName: { en: 'Ecuador' }, region: 'Americas' },
      scope: 'whole',
      areas: ['governance', 'economy', 'climate'],
      versionNumber: 1,
      signatory: { name: `Mayor of ${e.a!.city.name}`, title: 'Mayor' },
      date: verifiedAt.a,
    });
  });

  it('never shows an e-mail address', async () => {
    for (const path of [`${slug}/signatories`, `${slug}/signatories?limit=1`, slug]) {
      const body = (await pub(path)).body;
      expect(body).not.toContain('@');
      for (const k of Object.keys(e)) expect(body).not.toContain(e[k]!.email);
    }
    // The address is stored all the same.
    const [row] = await t.db.select().from(endorsements).where(eq(endorsements.id, e.a!.id));
    expect(row!.signatoryEmail).toBe(e.a!.email);
  });

  it('filters by area, country and region', async () => {
    expect(await names('?area=climate')).toEqual(cities('a', 'b'));
    expect(await names('?area=economy')).toEqual(cities('a'));
    expect(await names('?area=governance')).toEqual(cities('a'));
    expect(await names('?area=housing')).toEqual([]);
    expect(await names('?country=FR')).toEqual(cities('b'));
    expect(await names('?country=ec')).toEqual(cities('a'));
    expect(await names('?country=DE')).toEqual([]);
    expect(await names('?region=Europe')).toEqual(cities('b'));
    expect(await names('?region=Americas')).toEqual(cities('a'));
    expect(await names('?region=Africa')).toEqual([]);
    expect(await names('?region=Europe&area=economy')).toEqual([]);
    expect((await pub(`${slug}/signatories?country=XX`)).statusCode).toBe(400);
    expect((await pub(`${slug}/signatories?region=Atlantis`)).statusCode).toBe(400);
  });

  it('counts areas of an endorsement on an older version only where the published version still has them', async () => {
    const p = await createPublishedPledge(t, { areaKeys: ['governance', 'economy'] });
    const x = await endorseAs(p.slug, 'CO');
    await verify(x.id);
    await publishNextVersion(t, p.slug, { remove: ['economy'], add: ['housing'] });
    const body = (await pub(p.slug)).json();
    expect(body.version.number).toBe(2);
    expect(body.counts).toEqual([
      { key: 'governance', count: 1 },
      { key: 'housing', count: 0 },
    ]);
    // The signatory stays listed, on the version it endorsed.
    const items = (await pub(`${p.slug}/signatories`)).json().items as Signatory[];
    expect(items.map((s) => [s.city.id, s.versionNumber, s.areas])).toEqual([
      [x.city.id, 1, ['governance', 'economy']],
    ]);
    expect(pledgeId).not.toBe(p.pledgeId);
  });
});

describe('signatory pages', () => {
  async function collect(slug: string, limit: number) {
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const res = await pub(
        `${slug}/signatories?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json() as { items: Signatory[]; nextCursor: string | null };
      sizes.push(body.items.length);
      seen.push(...body.items.map((s) => s.city.id));
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    return { seen, sizes };
  }

  it('pages with a cursor: limit=2 over 5, newest verification first, no repeats, null nextCursor last', async () => {
    const p = await createPublishedPledge(t, { areaKeys: ['governance'] });
    const made: Array<{ cityId: string; at: string; id: string }> = [];
    for (let i = 0; i < 5; i++) {
      const x = await endorseAs(p.slug, 'EC');
      made.push({ cityId: x.city.id, at: (await verify(x.id)).verifiedAt, id: x.id });
    }
    const { seen, sizes } = await collect(p.slug, 2);
    expect(sizes).toEqual([2, 2, 1]);
    expect(new Set(seen).size).toBe(5);
    const key = (x: { at: string; id: string }) => `${x.at}|${x.id}`;
    expect(seen).toEqual([...made].sort((x, y) => (key(x) < key(y) ? 1 : -1)).map((x) => x.cityId));
    expect((await pub(`${p.slug}/signatories?limit=5`)).json().nextCursor).toBeNull();
  });

  it('pages without loss when verifications share the same instant', async () => {
    const p = await createPublishedPledge(t, { areaKeys: ['governance'] });
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      const x = await endorseAs(p.slug, 'PE');
      await verify(x.id);
      made.push(x.city.id);
    }
    await t.db
      .update(endorsements)
      .set({ verifiedAt: new Date('2024-05-05T05:05:05.005Z') })
      .where(eq(endorsements.pledgeId, p.pledgeId));
    const { seen, sizes } = await collect(p.slug, 2);
    expect(sizes).toEqual([2, 2, 1]);
    expect([...seen].sort()).toEqual([...made].sort());
  });

  it('refuses an invalid cursor (400)', async () => {
    const p = await createPublishedPledge(t, { areaKeys: ['governance'] });
    for (const cursor of [
      'garbage',
      Buffer.from('["2024-01-01T00:00:00.000Z"]').toString('base64url'),
      Buffer.from('{"a":1}').toString('base64url'),
    ]) {
      const res = await pub(`${p.slug}/signatories?cursor=${cursor}`);
      expect(res.statusCode, cursor).toBe(400);
      expect(res.json().code).toBe('validation_failed');
    }
  });
});
