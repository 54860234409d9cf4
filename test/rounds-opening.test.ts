import { eq } from 'drizzle-orm';
import { validationRounds } from '../src/db/schema/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createCityOfficial, createReviewer, createSecretariat, type TestUser } from './helpers/factories.js';
import { expectProblem } from './helpers/http.js';
import { HOUR, inFuture, openPath, roundRequests } from './helpers/rounds-api.js';

let t: TestApp;
let secretariat: TestUser;
let mmc: TestUser;
let official: TestUser;

beforeAll(async () => {
  t = await buildTestApp();
  secretariat = await createSecretariat(t);
  mmc = await createReviewer(t, 'MMC');
  official = await createCityOfficial(t);
});
afterAll(async () => t.close());

const { call, draftPledge, openRound, versionRow, auditOf, mailsOf, newNetwork, reviewerOf } = roundRequests(() => ({
  t,
  secretariat,
}));

describe('The secretariat opens a validation round on a draft', () => {
  it('opens on a draft: the version goes in_review and frozen, the round lists the networks', async () => {
    const pledge = await draftPledge();
    const deadline = inFuture(21);
    const res = await call('POST', openPath(pledge), secretariat, { deadline, networks: ['UCLG', 'MMC'] });
    expect(res.statusCode, res.body).toBe(201);
    const round = res.json();
    expect(round).toMatchObject({
      status: 'open',
      versionNumber: 1,
      pledgeId: pledge.id,
      pledgeSlug: pledge.slug,
      outcome: null,
      forced: false,
      closedAt: null,
      comments: [],
    });
    expect(new Date(round.deadline).toISOString()).toBe(deadline);
    expect(round.networks).toEqual([
      { code: 'MMC', name: expect.any(String), verdict: null, summary: null, late: false, decidedAt: null },
      { code: 'UCLG', name: expect.any(String), verdict: null, summary: null, late: false, decidedAt: null },
    ]);
    const version = await versionRow(pledge.id);
    expect(version.status).toBe('in_review');
    expect(version.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(version.frozenAt).toBeInstanceOf(Date);
    const opened = (await auditOf(round.id)).find((e) => e.action === 'round.opened');
    expect(opened?.summary).toMatchObject({
      pledge: pledge.slug,
      versionNumber: 1,
      networks: ['MMC', 'UCLG'],
      version: { before: 'draft', after: 'in_review', contentHash: version.contentHash },
    });
  });

  it('validates the deadline and the networks', async () => {
    const pledge = await draftPledge();
    const bad: object[] = [
      { deadline: new Date(Date.now() - HOUR).toISOString(), networks: ['MMC'] },
      { deadline: 'not a date', networks: ['MMC'] },
      { networks: ['MMC'] },
      { deadline: inFuture(10), networks: [] },
      { deadline: inFuture(10) },
      { deadline: inFuture(10), networks: ['MMC', 'mmc'] },
      { deadline: inFuture(10), networks: ['1bad'] },
      { deadline: inFuture(10), networks: ['MMC', 'NOSUCHNETWORK'] },
      { deadline: inFuture(10), networks: ['MMC'], extra: true },
    ];
    for (const body of bad)
      expectProblem(await call('POST', openPath(pledge), secretariat, body), 400, 'validation_failed');
    const unknown = await call('POST', openPath(pledge), secretariat, {
      deadline: inFuture(10),
      networks: ['NOSUCHNETWORK'],
    });
    expect(unknown.json().errors).toEqual([expect.objectContaining({ path: 'networks' })]);
    // Nothing happened.
    const version = await versionRow(pledge.id);
    expect(version.status).toBe('draft');
    expect(version.contentHash).toBeNull();
    expect(await t.db.select().from(validationRounds).where(eq(validationRounds.versionId, version.id))).toHaveLength(
      0,
    );
  });

  it('refuses a version without areas with 409', async () => {
    const pledge = await draftPledge([]);
    expectProblem(
      await call('POST', openPath(pledge), secretariat, { deadline: inFuture(10), networks: ['MMC'] }),
      409,
      'invalid_state',
    );
    const version = await versionRow(pledge.id);
    expect(version.status).toBe('draft');
    expect(version.contentHash).toBeNull();
  });

  it('is for the secretariat only, on an existing version', async () => {
    const pledge = await draftPledge();
    const body = { deadline: inFuture(10), networks: ['MMC'] };
    expectProblem(await call('POST', openPath(pledge), mmc, body), 403, 'forbidden');
    expectProblem(await call('POST', openPath(pledge), official, body), 403, 'forbidden');
    expectProblem(await call('POST', openPath(pledge), null, body), 401, 'unauthenticated');
    expectProblem(await call('POST', openPath(pledge, 2), secretariat, body), 404, 'not_found');
    expectProblem(
      await call('POST', '/pledges/no-such-pledge-here/versions/1/rounds', secretariat, body),
      404,
      'not_found',
    );
    expect((await versionRow(pledge.id)).status).toBe('draft');
  });

  it('refuses a second open round on the same version', async () => {
    const pledge = await draftPledge();
    await openRound(pledge, ['MMC']);
    expectProblem(
      await call('POST', openPath(pledge), secretariat, { deadline: inFuture(10), networks: ['UCLG'] }),
      409,
    );
    const version = await versionRow(pledge.id);
    expect(await t.db.select().from(validationRounds).where(eq(validationRounds.versionId, version.id))).toHaveLength(
      1,
    );
  });

  it('opens exactly one round when five are asked at once', async () => {
    const pledge = await draftPledge();
    const network = await newNetwork();
    const reviewer = await reviewerOf(network);
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        call('POST', openPath(pledge), secretariat, { deadline: inFuture(12), networks: [network] }),
      ),
    );
    expect(results.map((r) => r.statusCode).sort(), results.map((r) => r.body).join('\n')).toEqual([
      201, 409, 409, 409, 409,
    ]);
    const version = await versionRow(pledge.id);
    const rounds = await t.db.select().from(validationRounds).where(eq(validationRounds.versionId, version.id));
    expect(rounds).toHaveLength(1);
    expect(version.status).toBe('in_review');
    const mails = await mailsOf(rounds[0]!.id, 'opened');
    expect(mails.map((m) => m.to)).toEqual([reviewer.email]);
  });
});
