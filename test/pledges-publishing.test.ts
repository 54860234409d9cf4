import { eq } from 'drizzle-orm';
import { pledgeVersions } from '../src/db/schema/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createReviewer, createSecretariat, type TestUser } from './helpers/factories.js';
import { expectProblem } from './helpers/http.js';
import { pledgeRequests, reason } from './helpers/pledges-api.js';

let t: TestApp;
let secretariat: TestUser;
let reviewer: TestUser;

beforeAll(async () => {
  t = await buildTestApp();
  secretariat = await createSecretariat(t);
  reviewer = await createReviewer(t, 'MMC');
});
afterAll(async () => t.close());

const { call, newPledge, newVersion, publish, openRound, closeWith, versionRow, auditActions } = pledgeRequests(() => ({
  t,
  secretariat,
  reviewer,
}));

describe('The secretariat publishes a version, and the one before is superseded', () => {
  it('publishes a validated version without override, superseding the previous one, which keeps its hash', async () => {
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
    // How many succeed depends on the order they are served in (a later version supersedes an
    // earlier one, an earlier one after a later is refused): one at least, and one published.
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
