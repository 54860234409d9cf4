import { and, eq } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pledgeVersions } from '../src/db/schema/index.js';
import { computeContentHash } from '../src/modules/pledges/content.js';
import type { Area } from '../src/modules/pledges/pledges.schemas.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createCityOfficial, createReviewer, createSecretariat, type TestUser, unique } from './helpers/factories.js';

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

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** One request to /api/v1; `who` null means no token at all. */
function call(
  method: Method,
  path: string,
  who: TestUser | null,
  payload?: object,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method,
    url: `/api/v1${path}`,
    headers: { ...(who ? who.headers : {}), ...headers },
    ...(payload !== undefined ? { payload } : {}),
  });
}

const inFuture = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
const newSlug = () => unique('pl-').toLowerCase();
const areaBody = (key: string, extra: Record<string, unknown> = {}) => ({
  key,
  title: { en: `Title ${key}` },
  description: { en: `Description ${key}` },
  ...extra,
});
const reason = 'Presented in plenary as agreed by the board.';

interface PledgeJson {
  id: string;
  slug: string;
  status: string;
  publishedVersion: number | null;
  requireMandateDocument: boolean;
  title: Record<string, string>;
  versions: Array<{ number: number; status: string; contentHash: string | null }>;
}

/** A pledge made through the API, with `areas` areas on its draft version 1. */
async function newPledge(areas: string[] = []): Promise<PledgeJson> {
  const res = await call('POST', '/pledges', secretariat, { slug: newSlug(), title: { en: 'Test pledge' } });
  expect(res.statusCode, res.body).toBe(201);
  const pledge = res.json() as PledgeJson;
  for (const key of areas) {
    const added = await call('POST', `/pledges/${pledge.id}/versions/1/areas`, secretariat, areaBody(key));
    expect(added.statusCode, added.body).toBe(201);
  }
  return pledge;
}

async function newVersion(pledgeId: string, from?: number): Promise<number> {
  const res = await call('POST', `/pledges/${pledgeId}/versions`, secretariat, from === undefined ? {} : { from });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().number as number;
}

async function publish(pledgeId: string, n: number, override = true) {
  return call(
    'POST',
    `/pledges/${pledgeId}/versions/${n}/publish`,
    secretariat,
    override ? { override: { reason } } : {},
  );
}

async function openRound(pledgeId: string, n: number, networks = ['MMC']) {
  const res = await call('POST', `/pledges/${pledgeId}/versions/${n}/rounds`, secretariat, {
    deadline: inFuture(20),
    networks,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}

async function closeWith(roundId: string, verdict: 'approve' | 'request_changes' | null) {
  if (verdict) {
    const v = await call('PUT', `/rounds/${roundId}/reviews/MMC`, reviewer, { verdict });
    expect(v.statusCode, v.body).toBe(200);
  }
  const closed = await call('POST', `/rounds/${roundId}/close`, secretariat, { force: verdict === null });
  expect(closed.statusCode, closed.body).toBe(200);
}

async function versionRow(pledgeId: string, n: number) {
  const [row] = await t.db
    .select()
    .from(pledgeVersions)
    .where(and(eq(pledgeVersions.pledgeId, pledgeId), eq(pledgeVersions.number, n)));
  if (!row) throw new Error(`no version ${n}`);
  return row;
}

async function auditActions(entityId: string): Promise<Array<{ action: string; summary: Record<string, unknown> }>> {
  const res = await call('GET', `/audit?entityId=${entityId}&limit=500`, secretariat);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().items;
}

const expectProblem = (res: LightMyRequestResponse, status: number, code?: string) => {
  expect(res.statusCode, res.body).toBe(status);
  if (code) expect(res.json().code).toBe(code);
};

describe('POST /pledges', () => {
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

describe('GET and PATCH /pledges/:pledgeId', () => {
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

describe('action areas', () => {
  const areasPath = (p: PledgeJson, n = 1) => `/pledges/${p.id}/versions/${n}/areas`;
  const keysOf = async (p: PledgeJson, n = 1) => {
    const v = (await call('GET', `/pledges/${p.id}/versions/${n}`, secretariat)).json();
    return v.areas.map((a: Area) => [a.key, a.position]);
  };

  it('validates the key', async () => {
    const pledge = await newPledge();
    for (const key of ['Upper', 'UPPER', 'has space', 'x', 'under_score', '-lead', 'double--hyphen', 'a'.repeat(65)]) {
      expectProblem(await call('POST', areasPath(pledge), secretariat, areaBody(key)), 400, 'validation_failed');
    }
    expect(await keysOf(pledge)).toEqual([]);
  });

  it('refuses a duplicate key in the same version with 409, but the same key in another pledge is fine', async () => {
    const pledge = await newPledge(['governance']);
    expectProblem(await call('POST', areasPath(pledge), secretariat, areaBody('governance')), 409, 'conflict');
    const other = await newPledge();
    expect((await call('POST', areasPath(other), secretariat, areaBody('governance'))).statusCode).toBe(201);
  });

  it('checks GCM objectives, SDG targets and GCR areas', async () => {
    const pledge = await newPledge();
    const bad: Array<Record<string, unknown>> = [
      { gcmObjectives: [0] },
      { gcmObjectives: [24] },
      { gcmObjectives: [3, 3] },
      { gcmObjectives: [1.5] },
      { sdgTargets: ['10'] },
      { sdgTargets: ['18.1'] },
      { sdgTargets: ['x'] },
      { sdgTargets: ['10.7', '10.7'] },
      { gcrAreas: ['not-a-gcr-area'] },
      { gcrAreas: ['health', 'health'] },
    ];
    for (const extra of bad) {
      const res = await call('POST', areasPath(pledge), secretariat, areaBody('refs', extra));
      expectProblem(res, 400, 'validation_failed');
      expect(res.json().errors.length, JSON.stringify(extra)).toBeGreaterThan(0);
    }
    const good = await call(
      'POST',
      areasPath(pledge),
      secretariat,
      areaBody('refs', {
        gcmObjectives: [1, 15, 23],
        sdgTargets: ['10.7', '16.b'],
        gcrAreas: ['health', 'local-integration'],
      }),
    );
    expect(good.statusCode, good.body).toBe(201);
    expect(good.json()).toMatchObject({
      gcmObjectives: [1, 15, 23],
      sdgTargets: ['10.7', '16.b'],
      gcrAreas: ['health', 'local-integration'],
    });
    // The same rules apply to PATCH.
    expectProblem(
      await call('PATCH', `${areasPath(pledge)}/refs`, secretariat, { gcmObjectives: [24] }),
      400,
      'validation_failed',
    );
    expectProblem(
      await call('PATCH', `${areasPath(pledge)}/refs`, secretariat, { sdgTargets: ['18.1'] }),
      400,
      'validation_failed',
    );
    expectProblem(
      await call('PATCH', `${areasPath(pledge)}/refs`, secretariat, { gcrAreas: ['mars'] }),
      400,
      'validation_failed',
    );
    expect((await call('GET', `/pledges/${pledge.id}/versions/1`, secretariat)).json().areas[0]).toMatchObject({
      gcmObjectives: [1, 15, 23],
    });
  });

  it('needs English title and description; the other languages are optional', async () => {
    const pledge = await newPledge();
    expectProblem(
      await call('POST', areasPath(pledge), secretariat, {
        key: 'lang',
        title: { es: 'Título' },
        description: { en: 'D' },
      }),
      400,
      'validation_failed',
    );
    expectProblem(
      await call('POST', areasPath(pledge), secretariat, {
        key: 'lang',
        title: { en: 'T' },
        description: { fr: 'Description' },
      }),
      400,
      'validation_failed',
    );
    expectProblem(
      await call('POST', areasPath(pledge), secretariat, { key: 'lang', title: { en: 'T' } }),
      400,
      'validation_failed',
    );
    expectProblem(
      await call('POST', areasPath(pledge), secretariat, {
        key: 'lang',
        title: { en: 'T' },
        description: { en: 'D' },
        commitments: [{ es: 'x' }],
      }),
      400,
      'validation_failed',
    );
    const ok = await call('POST', areasPath(pledge), secretariat, {
      key: 'lang',
      title: { en: 'Title', es: 'Título', fr: 'Titre' },
      description: { en: 'Description' },
      commitments: [{ en: 'Do this', fr: 'Faire ceci' }],
    });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json()).toMatchObject({
      title: { en: 'Title', es: 'Título', fr: 'Titre' },
      description: { en: 'Description' },
      commitments: [{ en: 'Do this', fr: 'Faire ceci' }],
    });
    expectProblem(
      await call('PATCH', `${areasPath(pledge)}/lang`, secretariat, { title: { fr: 'Titre seul' } }),
      400,
      'validation_failed',
    );
    expectProblem(await call('PATCH', `${areasPath(pledge)}/lang`, secretariat, {}), 400, 'validation_failed');
  });

  it('is edited by the secretariat only', async () => {
    const pledge = await newPledge(['only']);
    expectProblem(await call('POST', areasPath(pledge), null, areaBody('nope')), 401);
    // Not the secretariat: forbidden.
    expectProblem(await call('POST', areasPath(pledge), reviewer, areaBody('nope')), 403);
    expectProblem(await call('PATCH', `${areasPath(pledge)}/only`, official, { title: { en: 'x' } }), 403);
    expectProblem(await call('DELETE', `${areasPath(pledge)}/only`, reviewer), 403);
    expect(await keysOf(pledge)).toEqual([['only', 1]]);
  });

  it('inserts at a position, reorders and compacts, keeping positions 1..n', async () => {
    const pledge = await newPledge(['a1', 'b2', 'c3']);
    expect(await keysOf(pledge)).toEqual([
      ['a1', 1],
      ['b2', 2],
      ['c3', 3],
    ]);

    const first = await call('POST', areasPath(pledge), secretariat, areaBody('z0', { position: 1 }));
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json().position).toBe(1);
    expect(await keysOf(pledge)).toEqual([
      ['z0', 1],
      ['a1', 2],
      ['b2', 3],
      ['c3', 4],
    ]);

    const middle = await call('POST', areasPath(pledge), secretariat, areaBody('mid', { position: 3 }));
    expect(middle.json().position).toBe(3);
    expect(await keysOf(pledge)).toEqual([
      ['z0', 1],
      ['a1', 2],
      ['mid', 3],
      ['b2', 4],
      ['c3', 5],
    ]);

    // A position past the end goes last.
    const last = await call('POST', areasPath(pledge), secretariat, areaBody('end', { position: 99 }));
    expect(last.json().position).toBe(6);

    // Move down, move up, move past the end.
    const down = await call('PATCH', `${areasPath(pledge)}/z0`, secretariat, { position: 4 });
    expect(down.statusCode, down.body).toBe(200);
    expect(down.json().position).toBe(4);
    expect(await keysOf(pledge)).toEqual([
      ['a1', 1],
      ['mid', 2],
      ['b2', 3],
      ['z0', 4],
      ['c3', 5],
      ['end', 6],
    ]);
    expect((await call('PATCH', `${areasPath(pledge)}/end`, secretariat, { position: 1 })).json().position).toBe(1);
    expect(await keysOf(pledge)).toEqual([
      ['end', 1],
      ['a1', 2],
      ['mid', 3],
      ['b2', 4],
      ['z0', 5],
      ['c3', 6],
    ]);
    expect(
      (
        await call('PATCH', `${areasPath(pledge)}/a1`, secretariat, {
          position: 50,
          title: { en: 'Moved and renamed' },
        })
      ).json(),
    ).toMatchObject({
      position: 6,
      title: { en: 'Moved and renamed' },
    });
    expect(await keysOf(pledge)).toEqual([
      ['end', 1],
      ['mid', 2],
      ['b2', 3],
      ['z0', 4],
      ['c3', 5],
      ['a1', 6],
    ]);
    // The same position is a no-op for the order.
    expect((await call('PATCH', `${areasPath(pledge)}/b2`, secretariat, { position: 3 })).statusCode).toBe(200);
    expect(await keysOf(pledge)).toEqual([
      ['end', 1],
      ['mid', 2],
      ['b2', 3],
      ['z0', 4],
      ['c3', 5],
      ['a1', 6],
    ]);

    // Deleting compacts.
    const del = await call('DELETE', `${areasPath(pledge)}/b2`, secretariat);
    expect(del.statusCode).toBe(204);
    expect(await keysOf(pledge)).toEqual([
      ['end', 1],
      ['mid', 2],
      ['z0', 3],
      ['c3', 4],
      ['a1', 5],
    ]);
    expect((await call('DELETE', `${areasPath(pledge)}/end`, secretariat)).statusCode).toBe(204);
    expect((await call('DELETE', `${areasPath(pledge)}/a1`, secretariat)).statusCode).toBe(204);
    expect(await keysOf(pledge)).toEqual([
      ['mid', 1],
      ['z0', 2],
      ['c3', 3],
    ]);

    expectProblem(await call('PATCH', `${areasPath(pledge)}/b2`, secretariat, { position: 1 }), 404, 'not_found');
    expectProblem(await call('DELETE', `${areasPath(pledge)}/b2`, secretariat), 404, 'not_found');
    expectProblem(
      await call('PATCH', `${areasPath(pledge)}/never-existed`, secretariat, { title: { en: 'x' } }),
      404,
      'not_found',
    );
    expectProblem(
      await call('POST', areasPath(pledge), secretariat, areaBody('zero', { position: 0 })),
      400,
      'validation_failed',
    );
  });

  it('edits the fields of an area and audits added, updated and removed', async () => {
    const pledge = await newPledge(['keep', 'gone']);
    const res = await call('PATCH', `${areasPath(pledge)}/keep`, secretariat, {
      description: { en: 'New description' },
      commitments: [{ en: 'One' }, { en: 'Two' }],
      gcmObjectives: [16],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      key: 'keep',
      position: 1,
      title: { en: 'Title keep' },
      description: { en: 'New description' },
      commitments: [{ en: 'One' }, { en: 'Two' }],
      gcmObjectives: [16],
    });
    expect((await call('DELETE', `${areasPath(pledge)}/gone`, secretariat)).statusCode).toBe(204);
    const versionId = (await versionRow(pledge.id, 1)).id;
    const events = await auditActions(versionId);
    const actions = events.map((e) => e.action);
    expect(actions.filter((a) => a === 'area.added')).toHaveLength(2);
    expect(actions).toContain('area.updated');
    expect(actions).toContain('area.removed');
    const updated = events.find((e) => e.action === 'area.updated')!;
    expect(updated.summary).toMatchObject({
      key: 'keep',
      before: { description: { en: 'Description keep' } },
      after: { description: { en: 'New description' } },
    });
  });

  it('bumps the ETag on every edit and honours If-Match', async () => {
    const pledge = await newPledge(['first']);
    const v = `/pledges/${pledge.id}/versions/1`;
    const etag0 = (await call('GET', v, secretariat)).headers.etag as string;
    expect(etag0).toMatch(/^"[^"]+"$/);

    // PATCH version
    const p1 = await call('PATCH', v, secretariat, { preamble: { en: 'One' } }, { 'if-match': etag0 });
    expect(p1.statusCode, p1.body).toBe(200);
    const etag1 = p1.headers.etag as string;
    expect(etag1).not.toBe(etag0);
    expect((await call('GET', v, secretariat)).headers.etag).toBe(etag1);
    expectProblem(
      await call('PATCH', v, secretariat, { preamble: { en: 'Stale' } }, { 'if-match': etag0 }),
      412,
      'precondition_failed',
    );

    // POST area
    expectProblem(
      await call('POST', `${v}/areas`, secretariat, areaBody('stale'), { 'if-match': etag0 }),
      412,
      'precondition_failed',
    );
    const a1 = await call('POST', `${v}/areas`, secretariat, areaBody('second'), { 'if-match': etag1 });
    expect(a1.statusCode, a1.body).toBe(201);
    const etag2 = a1.headers.etag as string;
    expect(etag2).not.toBe(etag1);

    // PATCH area
    expectProblem(
      await call('PATCH', `${v}/areas/second`, secretariat, { title: { en: 'Stale' } }, { 'if-match': etag1 }),
      412,
      'precondition_failed',
    );
    const a2 = await call('PATCH', `${v}/areas/second`, secretariat, { title: { en: 'Fresh' } }, { 'if-match': etag2 });
    expect(a2.statusCode, a2.body).toBe(200);
    const etag3 = a2.headers.etag as string;
    expect(etag3).not.toBe(etag2);

    // DELETE area
    expectProblem(
      await call('DELETE', `${v}/areas/second`, secretariat, undefined, { 'if-match': etag2 }),
      412,
      'precondition_failed',
    );
    const d = await call('DELETE', `${v}/areas/second`, secretariat, undefined, { 'if-match': etag3 });
    expect(d.statusCode).toBe(204);
    const etag4 = d.headers.etag as string;
    expect(etag4).not.toBe(etag3);
    expect((await call('GET', v, secretariat)).headers.etag).toBe(etag4);

    // Nothing stale got through.
    const text = (await call('GET', v, secretariat)).json();
    expect(text.preamble).toEqual({ en: 'One' });
    expect(text.areas.map((a: Area) => a.key)).toEqual(['first']);

    // '*', a weak form of the current tag, one current tag in a list, or no header at all pass.
    const star = await call('PATCH', v, secretariat, { preamble: { en: 'Star' } }, { 'if-match': '*' });
    expect(star.statusCode).toBe(200);
    const weak = await call('POST', `${v}/areas`, secretariat, areaBody('weak'), {
      'if-match': `W/${star.headers.etag as string}`,
    });
    expect(weak.statusCode, weak.body).toBe(201);
    const listed = await call(
      'PATCH',
      `${v}/areas/weak`,
      secretariat,
      { title: { en: 'Listed' } },
      { 'if-match': `${etag0}, ${weak.headers.etag as string}` },
    );
    expect(listed.statusCode, listed.body).toBe(200);
    expect((await call('PATCH', v, secretariat, { preamble: { en: 'No header' } })).statusCode).toBe(200);
    expect((await call('DELETE', `${v}/areas/weak`, secretariat)).statusCode).toBe(204);
    expect((await call('GET', v, secretariat)).json().preamble).toEqual({ en: 'No header' });

    const events = (await auditActions((await versionRow(pledge.id, 1)).id)).map((e) => e.action);
    expect(events.filter((a) => a === 'version.updated')).toHaveLength(3);
  });
});

describe('versions', () => {
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

/**
 * One pledge with a version in every state:
 * v1 superseded, v2 published, v3 validated, v4 in_review, v5 changes_requested, v6 draft.
 */
describe('the life of a version', () => {
  let ladder: PledgeJson;
  const v = (n: number, path = '') => `/pledges/${ladder.id}/versions/${n}${path}`;
  const statusOf = async (n: number) => (await versionRow(ladder.id, n)).status;

  beforeAll(async () => {
    ladder = await newPledge(['alpha', 'beta']);
    expect((await publish(ladder.id, 1)).statusCode).toBe(200);
    expect(await newVersion(ladder.id)).toBe(2);
    expect((await publish(ladder.id, 2)).statusCode).toBe(200);
    expect(await newVersion(ladder.id)).toBe(3);
    await closeWith(await openRound(ladder.id, 3), 'approve');
    expect(await newVersion(ladder.id)).toBe(4);
    await openRound(ladder.id, 4);
    expect(await newVersion(ladder.id)).toBe(5);
    await closeWith(await openRound(ladder.id, 5), null);
    expect(await newVersion(ladder.id)).toBe(6);
    const statuses = (await t.db.select().from(pledgeVersions).where(eq(pledgeVersions.pledgeId, ladder.id)))
      .sort((a, b) => a.number - b.number)
      .map((r) => r.status);
    expect(statuses).toEqual(['superseded', 'published', 'validated', 'in_review', 'changes_requested', 'draft']);
  });

  it('lets a reviewer read every version that left draft, not the drafts', async () => {
    for (const n of [1, 2, 3, 4, 5]) expect((await call('GET', v(n), reviewer)).statusCode, `v${n}`).toBe(200);
    expectProblem(await call('GET', v(6), reviewer), 404, 'not_found');
    const pledge = (await call('GET', `/pledges/${ladder.slug}`, reviewer)).json();
    expect(pledge.versions.map((x: { number: number }) => x.number)).toEqual([1, 2, 3, 4, 5]);
    // A pledge with nothing but a draft does not exist for a reviewer.
    const draftOnly = await newPledge(['only']);
    expectProblem(await call('GET', `/pledges/${draftOnly.id}`, reviewer), 404);
    expectProblem(await call('GET', `/pledges/${draftOnly.id}/versions/1`, reviewer), 404);
    expect((await call('GET', '/pledges', reviewer)).json().items.map((p: PledgeJson) => p.id)).not.toContain(
      draftOnly.id,
    );
  });

  it('lets a city official and anyone read only the published and superseded versions', async () => {
    for (const who of [official, null]) {
      expect((await call('GET', v(1), who)).statusCode).toBe(200);
      const published = await call('GET', v(2), who);
      expect(published.statusCode).toBe(200);
      expect(published.json()).toMatchObject({ number: 2, status: 'published' });
      for (const n of [3, 4, 5, 6]) expectProblem(await call('GET', v(n), who), 404, 'not_found');
      expectProblem(await call('GET', `/pledges/no-such-pledge-here/versions/1`, who), 404);
    }
    const pledge = (await call('GET', `/pledges/${ladder.id}`, official)).json();
    expect(pledge).toMatchObject({ status: 'published', publishedVersion: 2 });
    expect(pledge.versions.map((x: { number: number; status: string }) => [x.number, x.status])).toEqual([
      [1, 'superseded'],
      [2, 'published'],
    ]);
    expect((await call('GET', '/pledges', official)).json().items.map((p: PledgeJson) => p.id)).toContain(ladder.id);
  });

  it('refuses every content edit outside draft with 409 invalid_state', async () => {
    for (const n of [1, 2, 3, 4, 5]) {
      const before = await versionRow(ladder.id, n);
      expectProblem(await call('PATCH', v(n), secretariat, { preamble: { en: 'Edited' } }), 409, 'invalid_state');
      expectProblem(await call('POST', v(n, '/areas'), secretariat, areaBody('extra')), 409, 'invalid_state');
      expectProblem(
        await call('PATCH', v(n, '/areas/alpha'), secretariat, { title: { en: 'Edited' } }),
        409,
        'invalid_state',
      );
      expectProblem(await call('PATCH', v(n, '/areas/alpha'), secretariat, { position: 2 }), 409, 'invalid_state');
      expectProblem(await call('DELETE', v(n, '/areas/beta'), secretariat), 409, 'invalid_state');
      const after = await versionRow(ladder.id, n);
      expect(after.revision).toBe(before.revision);
      expect(after.contentHash).toBe(before.contentHash);
      expect(after.contentHash).toMatch(/^[0-9a-f]{64}$/);
    }
    // Even with the current ETag.
    const etag = (await call('GET', v(3), secretariat)).headers.etag as string;
    expectProblem(
      await call('PATCH', v(3), secretariat, { preamble: { en: 'Edited' } }, { 'if-match': etag }),
      409,
      'invalid_state',
    );
    const text = (await call('GET', v(2), secretariat)).json();
    expect(text.areas.map((a: Area) => a.key)).toEqual(['alpha', 'beta']);
    // The draft is still editable.
    expect((await call('PATCH', v(6), secretariat, { preamble: { en: 'Still a draft' } })).statusCode).toBe(200);
  });

  it('opens a round only on a draft', async () => {
    for (const n of [1, 2, 3, 5]) {
      expectProblem(
        await call('POST', v(n, '/rounds'), secretariat, { deadline: inFuture(10), networks: ['MMC'] }),
        409,
        'invalid_state',
      );
    }
    // In review: it already has its open round.
    expectProblem(
      await call('POST', v(4, '/rounds'), secretariat, { deadline: inFuture(10), networks: ['MMC'] }),
      409,
      'invalid_state',
    );
    expect(await statusOf(4)).toBe('in_review');
    expect(await statusOf(5)).toBe('changes_requested');
  });

  it('publishes only what DOMAIN.md allows', async () => {
    // in_review: never, not even with an override.
    expectProblem(await publish(ladder.id, 4, false), 409, 'invalid_state');
    expectProblem(await publish(ladder.id, 4, true), 409, 'invalid_state');
    // published and superseded: never.
    expectProblem(await publish(ladder.id, 2, false), 409, 'invalid_state');
    expectProblem(await publish(ladder.id, 2, true), 409, 'invalid_state');
    expectProblem(await publish(ladder.id, 1, false), 409, 'invalid_state');
    expectProblem(await publish(ladder.id, 1, true), 409, 'invalid_state');
    // draft and changes_requested: not without an override.
    expectProblem(await publish(ladder.id, 6, false), 409, 'invalid_state');
    expectProblem(await publish(ladder.id, 5, false), 409, 'invalid_state');
    // An override needs a real reason.
    expectProblem(
      await call('POST', v(6, '/publish'), secretariat, { override: { reason: 'short' } }),
      400,
      'validation_failed',
    );
    expectProblem(await call('POST', v(6, '/publish'), secretariat, { override: {} }), 400, 'validation_failed');
    // Only the secretariat publishes.
    expectProblem(await call('POST', v(3, '/publish'), reviewer, {}), 403);
    expectProblem(await call('POST', v(3, '/publish'), null, {}), 401);
    expect(
      (await t.db.select().from(pledgeVersions).where(eq(pledgeVersions.pledgeId, ladder.id)))
        .sort((a, b) => a.number - b.number)
        .map((r) => r.status),
    ).toEqual(['superseded', 'published', 'validated', 'in_review', 'changes_requested', 'draft']);
  });
});

describe('publishing', () => {
  it('publishes a validated version without override and supersedes the previous one, which keeps its hash', async () => {
    const pledge = await newPledge(['one']);
    const p1 = await publish(pledge.id, 1);
    expect(p1.statusCode, p1.body).toBe(200);
    const v1Hash = p1.json().contentHash as string;
    expect(v1Hash).toMatch(/^[0-9a-f]{64}$/);
    await newVersion(pledge.id);
    expect(
      (await call('PATCH', `/pledges/${pledge.id}/versions/2/areas/one`, secretariat, { title: { en: 'Changed' } }))
        .statusCode,
    ).toBe(200);
    const roundId = await openRound(pledge.id, 2);
    const frozenHash = (await versionRow(pledge.id, 2)).contentHash;
    await closeWith(roundId, 'approve');
    const p2 = await publish(pledge.id, 2, false);
    expect(p2.statusCode, p2.body).toBe(200);
    expect(p2.json()).toMatchObject({
      number: 2,
      status: 'published',
      publishOverrideReason: null,
      contentHash: frozenHash,
    });
    expect(p2.json().publishedAt).toBeTruthy();

    const v1 = await versionRow(pledge.id, 1);
    expect(v1.status).toBe('superseded');
    expect(v1.contentHash).toBe(v1Hash);
    expect((await call('GET', `/pledges/${pledge.id}/versions/1`, null)).json()).toMatchObject({
      status: 'superseded',
      contentHash: v1Hash,
    });
    expect((await call('GET', `/pledges/${pledge.id}`, secretariat)).json()).toMatchObject({
      status: 'published',
      publishedVersion: 2,
    });

    const v2Id = (await versionRow(pledge.id, 2)).id;
    const event = (await auditActions(v2Id)).find((e) => e.action === 'version.published');
    expect(event?.summary).toMatchObject({
      number: 2,
      before: { status: 'validated' },
      after: { status: 'published' },
      supersededVersion: 1,
    });
  });

  it('publishes a draft only with an override, keeping the reason in the version and the audit log', async () => {
    const pledge = await newPledge(['one']);
    expectProblem(await publish(pledge.id, 1, false), 409, 'invalid_state');
    expect((await versionRow(pledge.id, 1)).status).toBe('draft');
    const res = await publish(pledge.id, 1, true);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'published', publishOverrideReason: reason });
    expect(res.json().contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(res.json().frozenAt).toBeTruthy();
    const events = await auditActions((await versionRow(pledge.id, 1)).id);
    const event = events.find((e) => e.action === 'version.published_with_override');
    expect(event, JSON.stringify(events.map((e) => e.action))).toBeDefined();
    expect(event!.summary).toMatchObject({
      overrideReason: reason,
      before: { status: 'draft' },
      after: { status: 'published' },
    });
    expect(events.some((e) => e.action === 'version.published')).toBe(false);
  });

  it('publishes a changes_requested version with an override', async () => {
    const pledge = await newPledge(['one']);
    await closeWith(await openRound(pledge.id, 1), 'request_changes');
    expect((await versionRow(pledge.id, 1)).status).toBe('changes_requested');
    expectProblem(await publish(pledge.id, 1, false), 409, 'invalid_state');
    const res = await publish(pledge.id, 1, true);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'published', publishOverrideReason: reason });
    const event = (await auditActions((await versionRow(pledge.id, 1)).id)).find(
      (e) => e.action === 'version.published_with_override',
    );
    expect(event?.summary).toMatchObject({ overrideReason: reason, before: { status: 'changes_requested' } });
  });

  it('leaves exactly one published version when different versions are published concurrently', async () => {
    const pledge = await newPledge(['one']);
    for (let n = 2; n <= 6; n++) expect(await newVersion(pledge.id)).toBe(n);
    const results = await Promise.all([2, 3, 4, 5, 6].map((n) => publish(pledge.id, n, true)));
    for (const r of results) expect([200, 409], r.body).toContain(r.statusCode);
    const ok = results.filter((r) => r.statusCode === 200).length;
    expect(ok).toBeGreaterThanOrEqual(1);
    const rows = await t.db.select().from(pledgeVersions).where(eq(pledgeVersions.pledgeId, pledge.id));
    expect(rows.filter((r) => r.status === 'published')).toHaveLength(1);
    expect(rows.filter((r) => r.status === 'superseded')).toHaveLength(ok - 1);
    expect(rows.find((r) => r.number === 1)!.status).toBe('draft');
    const read = (await call('GET', `/pledges/${pledge.id}`, secretariat)).json();
    expect(read.publishedVersion).toBe(rows.find((r) => r.status === 'published')!.number);
  });

  it('publishes the same version once when asked concurrently', async () => {
    const pledge = await newPledge(['one']);
    const results = await Promise.all(Array.from({ length: 5 }, () => publish(pledge.id, 1, true)));
    const codes = results.map((r) => r.statusCode).sort();
    expect(codes).toEqual([200, 409, 409, 409, 409]);
    const rows = await t.db.select().from(pledgeVersions).where(eq(pledgeVersions.pledgeId, pledge.id));
    expect(rows.map((r) => r.status)).toEqual(['published']);
    const events = (await auditActions(rows[0]!.id)).filter((e) => e.action.startsWith('version.published'));
    expect(events).toHaveLength(1);
  });
});

describe('content hash', () => {
  it('is stable for a fixed input (golden value)', () => {
    const hash = computeContentHash('golden-pledge', 1, { en: 'Preamble' }, [
      {
        key: 'a',
        position: 1,
        title: { en: 'A' },
        description: { en: 'D' },
        commitments: [],
        gcmObjectives: [1],
        gcrAreas: [],
        sdgTargets: ['10.7'],
      },
    ]);
    expect(hash).toBe('0b20b44d32c8b2f5d5d8c8d6ac18195190c93c3b602280c4368473e626df7580');
  });

  it('orders areas by position, whatever the order of the array, and covers every field', () => {
    const a: Area = {
      key: 'a',
      position: 1,
      title: { en: 'A' },
      description: { en: 'D' },
      commitments: [],
      gcmObjectives: [],
      gcrAreas: [],
      sdgTargets: [],
    };
    const b: Area = { ...a, key: 'b', position: 2 };
    const base = computeContentHash('p', 1, { en: 'P' }, [a, b]);
    expect(computeContentHash('p', 1, { en: 'P' }, [b, a])).toBe(base);
    expect(computeContentHash('q', 1, { en: 'P' }, [a, b])).not.toBe(base);
    expect(computeContentHash('p', 2, { en: 'P' }, [a, b])).not.toBe(base);
    expect(computeContentHash('p', 1, { en: 'P', fr: 'P' }, [a, b])).not.toBe(base);
    expect(
      computeContentHash('p', 1, { en: 'P' }, [
        { ...a, position: 2 },
        { ...b, position: 1 },
      ]),
    ).not.toBe(base);
    expect(computeContentHash('p', 1, { en: 'P' }, [{ ...a, sdgTargets: ['10.7'] }, b])).not.toBe(base);
    expect(computeContentHash('p', 1, { en: 'P' }, [{ ...a, commitments: [{ en: 'C' }] }, b])).not.toBe(base);
  });

  it('is computed when the version is frozen and matches the stored text read back', async () => {
    const pledge = await newPledge();
    const v = `/pledges/${pledge.id}/versions/1`;
    const preamble = { en: 'We, the mayors,', es: 'Nosotros, los alcaldes,', fr: 'Nous, les maires,' };
    expect((await call('PATCH', v, secretariat, { preamble })).statusCode).toBe(200);
    const sent: Area[] = [
      {
        key: 'governance',
        position: 1,
        title: { en: 'Migration governance', fr: 'Gouvernance des migrations' },
        description: { en: 'Cities govern migration.' },
        commitments: [{ en: 'Create an office', es: 'Crear una oficina' }],
        gcmObjectives: [1, 23],
        gcrAreas: ['reception-and-admission'],
        sdgTargets: ['10.7', '16.b'],
      },
      {
        key: 'services',
        position: 2,
        title: { en: 'Access to essential services' },
        description: { en: 'Everyone uses services.' },
        commitments: [],
        gcmObjectives: [15],
        gcrAreas: ['health', 'education'],
        sdgTargets: ['3.8'],
      },
    ];
    // Added in reverse, the first one moved to position 1.
    expect((await call('POST', `${v}/areas`, secretariat, { ...sent[1]!, position: undefined })).statusCode).toBe(201);
    expect((await call('POST', `${v}/areas`, secretariat, sent[0]!)).statusCode).toBe(201);
    expect((await call('GET', v, secretariat)).json().contentHash).toBeNull();

    const roundId = await openRound(pledge.id, 1);
    const frozen = (await call('GET', v, secretariat)).json();
    expect(frozen.status).toBe('in_review');
    expect(frozen.frozenAt).toBeTruthy();
    expect(frozen.contentHash).toBe(computeContentHash(pledge.slug, 1, preamble, sent));
    expect(frozen.contentHash).toBe(computeContentHash(pledge.slug, 1, frozen.preamble, frozen.areas));
    expect((await versionRow(pledge.id, 1)).contentHash).toBe(frozen.contentHash);
    expect((await call('GET', `/pledges/${pledge.id}`, secretariat)).json().versions[0].contentHash).toBe(
      frozen.contentHash,
    );
    const opened = (await auditActions(roundId)).find((e) => e.action === 'round.opened');
    expect(opened?.summary).toMatchObject({
      version: { before: 'draft', after: 'in_review', contentHash: frozen.contentHash },
    });

    // Publishing keeps the hash computed at freezing.
    await closeWith(roundId, 'approve');
    const done = await publish(pledge.id, 1, false);
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json().contentHash).toBe(frozen.contentHash);
    expect(done.json().frozenAt).toBe(frozen.frozenAt);
  });
});
