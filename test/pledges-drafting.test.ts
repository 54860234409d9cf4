import type { Area } from '../src/modules/pledges/pledges.schemas.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createCityOfficial, createReviewer, createSecretariat, type TestUser } from './helpers/factories.js';
import { expectProblem } from './helpers/http.js';
import { areaBody, newSlug, type PledgeJson, pledgeRequests, reason } from './helpers/pledges-api.js';

let t: TestApp;
let secretariat: TestUser;
let reviewer: TestUser;
let official: TestUser;

beforeAll(async () => {
  t = await buildTestApp();
  secretariat = await createSecretariat(t);
  reviewer = await createReviewer(t, 'MMC');
  official = await createCityOfficial(t);
});
afterAll(async () => t.close());

const { call, newPledge, versionRow, auditActions } = pledgeRequests(() => ({ t, secretariat, reviewer }));

describe('The secretariat drafts a pledge (POST /pledges)', () => {
  it('is for the secretariat only', async () => {
    const body = () => ({ slug: newSlug(), title: { en: 'Not allowed' } });
    expectProblem(await call('POST', '/pledges', reviewer, body()), 403, 'forbidden');
    expectProblem(await call('POST', '/pledges', official, body()), 403, 'forbidden');
    expectProblem(await call('POST', '/pledges', null, body()), 401, 'unauthenticated');
  });

  it('creates the pledge with a draft version 1 and audits it', async () => {
    const slug = newSlug();
    const res = await call('POST', '/pledges', secretariat, { slug, title: { en: 'Quito Action Pledge' } });
    expect(res.statusCode, res.body).toBe(201);
    const pledge = res.json();
    expect(pledge).toMatchObject({
      slug,
      title: { en: 'Quito Action Pledge' },
      status: 'draft',
      publishedVersion: null,
      requireMandateDocument: false,
      versions: [{ number: 1, status: 'draft', contentHash: null }],
    });
    expect(pledge.id).toMatch(/^[0-9a-f-]{36}$/);
    const v1 = await call('GET', `/pledges/${slug}/versions/1`, secretariat);
    expect(v1.statusCode).toBe(200);
    expect(v1.json()).toMatchObject({
      number: 1,
      status: 'draft',
      areas: [],
      contentHash: null,
      frozenAt: null,
      publishedAt: null,
    });
    const events = await auditActions(pledge.id);
    expect(events.map((e) => e.action)).toContain('pledge.created');
  });

  it('refuses a badly formed slug', async () => {
    for (const slug of [
      'Upper-Case',
      'with space',
      'ab',
      '-leading',
      'trailing-',
      'double--hyphen',
      'under_score',
      'a'.repeat(81),
    ]) {
      expectProblem(
        await call('POST', '/pledges', secretariat, { slug, title: { en: 'x' } }),
        400,
        'validation_failed',
      );
    }
  });

  it('refuses a duplicate slug with 409', async () => {
    const slug = newSlug();
    expect((await call('POST', '/pledges', secretariat, { slug, title: { en: 'First' } })).statusCode).toBe(201);
    expectProblem(await call('POST', '/pledges', secretariat, { slug, title: { en: 'Second' } }), 409, 'conflict');
  });

  it('needs an English title; Spanish and French are optional', async () => {
    expectProblem(
      await call('POST', '/pledges', secretariat, { slug: newSlug(), title: { es: 'Solo español' } }),
      400,
      'validation_failed',
    );
    expectProblem(
      await call('POST', '/pledges', secretariat, { slug: newSlug(), title: { en: '   ' } }),
      400,
      'validation_failed',
    );
    expectProblem(await call('POST', '/pledges', secretariat, { slug: newSlug() }), 400, 'validation_failed');
    expectProblem(
      await call('POST', '/pledges', secretariat, { slug: newSlug(), title: { en: 'x', de: 'Deutsch' } }),
      400,
      'validation_failed',
    );
    const all = await call('POST', '/pledges', secretariat, {
      slug: newSlug(),
      title: { en: 'Pledge', es: 'Compromiso', fr: 'Engagement' },
      requireMandateDocument: true,
    });
    expect(all.statusCode, all.body).toBe(201);
    expect(all.json()).toMatchObject({
      title: { en: 'Pledge', es: 'Compromiso', fr: 'Engagement' },
      requireMandateDocument: true,
    });
    const enOnly = await call('POST', '/pledges', secretariat, { slug: newSlug(), title: { en: 'Pledge' } });
    expect(enOnly.statusCode).toBe(201);
    expect(enOnly.json().title).toEqual({ en: 'Pledge' });
  });
});

describe('The secretariat reads and renames a pledge (GET and PATCH /pledges/:pledgeId)', () => {
  it('reads a pledge by id and by slug', async () => {
    const pledge = await newPledge();
    const byId = await call('GET', `/pledges/${pledge.id}`, secretariat);
    const bySlug = await call('GET', `/pledges/${pledge.slug}`, secretariat);
    expect(byId.statusCode).toBe(200);
    expect(bySlug.statusCode).toBe(200);
    expect(bySlug.json()).toEqual(byId.json());
    expect(byId.json()).toMatchObject({ id: pledge.id, slug: pledge.slug });
    const list = await call('GET', '/pledges', secretariat);
    expect(list.json().items.map((p: PledgeJson) => p.id)).toContain(pledge.id);
    expectProblem(await call('GET', `/pledges/${pledge.id}`, null), 401);
    expectProblem(await call('GET', '/pledges/no-such-pledge-here', secretariat), 404, 'not_found');
    expectProblem(await call('GET', '/pledges/00000000-0000-4000-8000-000000000000', secretariat), 404, 'not_found');
  });

  it('changes the title and the mandate setting (secretariat only), audited', async () => {
    const pledge = await newPledge();
    const res = await call('PATCH', `/pledges/${pledge.id}`, secretariat, { title: { en: 'Renamed', fr: 'Renommé' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ title: { en: 'Renamed', fr: 'Renommé' }, requireMandateDocument: false });
    const res2 = await call('PATCH', `/pledges/${pledge.slug}`, secretariat, { requireMandateDocument: true });
    expect(res2.statusCode).toBe(200);
    const read = (await call('GET', `/pledges/${pledge.id}`, secretariat)).json();
    expect(read).toMatchObject({ title: { en: 'Renamed', fr: 'Renommé' }, requireMandateDocument: true });

    expectProblem(
      await call('PATCH', `/pledges/${pledge.id}`, reviewer, { requireMandateDocument: false }),
      403,
      'forbidden',
    );
    expectProblem(
      await call('PATCH', `/pledges/${pledge.id}`, official, { requireMandateDocument: false }),
      403,
      'forbidden',
    );
    expectProblem(await call('PATCH', `/pledges/${pledge.id}`, null, { requireMandateDocument: false }), 401);
    expectProblem(await call('PATCH', `/pledges/${pledge.id}`, secretariat, {}), 400, 'validation_failed');
    expectProblem(
      await call('PATCH', `/pledges/${pledge.id}`, secretariat, { title: { fr: 'Sans anglais' } }),
      400,
      'validation_failed',
    );
    expectProblem(
      await call('PATCH', `/pledges/${pledge.id}`, secretariat, { slug: 'new-slug' }),
      400,
      'validation_failed',
    );
    expectProblem(
      await call('PATCH', '/pledges/no-such-pledge-here', secretariat, { requireMandateDocument: true }),
      404,
    );
    expect((await call('GET', `/pledges/${pledge.id}`, secretariat)).json().requireMandateDocument).toBe(true);

    const updates = (await auditActions(pledge.id)).filter((e) => e.action === 'pledge.updated');
    expect(updates).toHaveLength(2);
    // Newest first: the mandate change, then the rename.
    expect(updates[0]!.summary).toMatchObject({
      before: { requireMandateDocument: false },
      after: { requireMandateDocument: true },
    });
    expect(updates[1]!.summary).toMatchObject({
      before: { title: { en: 'Test pledge' } },
      after: { title: { en: 'Renamed', fr: 'Renommé' } },
    });
  });
});

describe('A new version starts as a copy of an older one (POST /pledges/:pledgeId/versions)', () => {
  it('copies the preamble and the areas of `from` (default: the latest)', async () => {
    const pledge = await newPledge();
    const v = (n: number) => `/pledges/${pledge.id}/versions/${n}`;
    expect(
      (await call('PATCH', v(1), secretariat, { preamble: { en: 'Preamble one', es: 'Preámbulo uno' } })).statusCode,
    ).toBe(200);
    const rich = areaBody('rich', {
      commitments: [{ en: 'C1' }],
      gcmObjectives: [2, 7],
      gcrAreas: ['education'],
      sdgTargets: ['4.1'],
    });
    expect((await call('POST', `${v(1)}/areas`, secretariat, rich)).statusCode).toBe(201);
    expect((await call('POST', `${v(1)}/areas`, secretariat, areaBody('plain'))).statusCode).toBe(201);
    const v1 = (await call('GET', v(1), secretariat)).json();

    // v2 from the latest (v1): the same text.
    const created2 = await call('POST', `/pledges/${pledge.id}/versions`, secretariat, {});
    expect(created2.statusCode, created2.body).toBe(201);
    expect(created2.headers.etag).toBeTruthy();
    expect(created2.json()).toMatchObject({
      number: 2,
      status: 'draft',
      copiedFrom: 1,
      contentHash: null,
      preamble: v1.preamble,
    });
    expect(created2.json().areas).toEqual(v1.areas);

    // Change v2: v1 does not move.
    expect((await call('PATCH', v(2), secretariat, { preamble: { en: 'Preamble two' } })).statusCode).toBe(200);
    expect((await call('DELETE', `${v(2)}/areas/plain`, secretariat)).statusCode).toBe(204);
    expect((await call('POST', `${v(2)}/areas`, secretariat, areaBody('fresh'))).statusCode).toBe(201);
    expect((await call('GET', v(1), secretariat)).json()).toMatchObject({ preamble: v1.preamble, areas: v1.areas });
    const v2 = (await call('GET', v(2), secretariat)).json();

    // v3 by default copies v2, the latest.
    const created3 = await call('POST', `/pledges/${pledge.slug}/versions`, secretariat, {});
    expect(created3.json()).toMatchObject({ number: 3, copiedFrom: 2, preamble: { en: 'Preamble two' } });
    expect(created3.json().areas).toEqual(v2.areas);
    expect(created3.json().areas.map((a: Area) => a.key)).toEqual(['rich', 'fresh']);

    // v4 from 1 explicitly.
    const created4 = await call('POST', `/pledges/${pledge.id}/versions`, secretariat, { from: 1 });
    expect(created4.json()).toMatchObject({ number: 4, copiedFrom: 1, preamble: v1.preamble });
    expect(created4.json().areas).toEqual(v1.areas);

    expectProblem(await call('POST', `/pledges/${pledge.id}/versions`, secretariat, { from: 99 }), 404, 'not_found');
    expectProblem(
      await call('POST', `/pledges/${pledge.id}/versions`, secretariat, { from: 0 }),
      400,
      'validation_failed',
    );
    expectProblem(await call('POST', `/pledges/${pledge.id}/versions`, reviewer, {}), 403);
    expectProblem(await call('POST', `/pledges/${pledge.id}/versions`, official, {}), 403);
    expectProblem(await call('POST', '/pledges/no-such-pledge-here/versions', secretariat, {}), 404);
    expect(
      (await call('GET', `/pledges/${pledge.id}`, secretariat))
        .json()
        .versions.map((x: { number: number }) => x.number),
    ).toEqual([1, 2, 3, 4]);

    const created = (await auditActions((await versionRow(pledge.id, 4)).id)).find(
      (e) => e.action === 'version.created',
    );
    expect(created?.summary).toMatchObject({ number: 4, copiedFrom: 1 });
  });

  it('returns 404 for an unknown pledge or version number', async () => {
    const pledge = await newPledge();
    expectProblem(await call('GET', '/pledges/no-such-pledge-here/versions/1', secretariat), 404, 'not_found');
    expectProblem(await call('GET', `/pledges/${pledge.id}/versions/2`, secretariat), 404, 'not_found');
    expectProblem(
      await call('PATCH', `/pledges/${pledge.id}/versions/2`, secretariat, { preamble: { en: 'x' } }),
      404,
      'not_found',
    );
    expectProblem(
      await call('POST', `/pledges/${pledge.id}/versions/2/publish`, secretariat, { override: { reason } }),
      404,
      'not_found',
    );
    expectProblem(await call('GET', `/pledges/${pledge.id}/versions/0`, secretariat), 400, 'validation_failed');
  });
});
