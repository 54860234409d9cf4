import { eq } from 'drizzle-orm';
import type { Area } from '../src/modules/pledges/pledges.schemas.js';
import { pledgeVersions } from '../src/db/schema/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createCityOfficial, createReviewer, createSecretariat, type TestUser } from './helpers/factories.js';
import { expectProblem } from './helpers/http.js';
import { areaBody, inFuture, type PledgeJson, pledgeRequests } from './helpers/pledges-api.js';

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

const { call, newPledge, newVersion, publish, openRound, closeWith, versionRow } = pledgeRequests(() => ({
  t,
  secretariat,
  reviewer,
}));

/**
 * One pledge with a version in every state:
 * v1 superseded, v2 published, v3 validated, v4 in_review, v5 changes_requested, v6 draft.
 */
describe('The life of a version: who reads it, and what each state allows', () => {
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
