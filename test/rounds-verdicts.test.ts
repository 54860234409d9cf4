import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createCityOfficial, createReviewer, createSecretariat, type TestUser } from './helpers/factories.js';
import { expectProblem } from './helpers/http.js';
import { inFuture, openPath, roundRequests } from './helpers/rounds-api.js';

let t: TestApp;
let secretariat: TestUser;
let mmc: TestUser;
let uclg: TestUser;
let gpm: TestUser;
let official: TestUser;

beforeAll(async () => {
  t = await buildTestApp();
  secretariat = await createSecretariat(t);
  mmc = await createReviewer(t, 'MMC');
  uclg = await createReviewer(t, 'UCLG');
  gpm = await createReviewer(t, 'GPM');
  official = await createCityOfficial(t);
});
afterAll(async () => t.close());

const { call, draftPledge, openRound, versionRow, auditOf, verdict } = roundRequests(() => ({ t, secretariat }));

describe('Each network gives its verdict, and the secretariat closes the round', () => {
  it("takes a network's verdict from its own reviewer only", async () => {
    const pledge = await draftPledge();
    const roundId = await openRound(pledge, ['MMC', 'UCLG']);
    expectProblem(await verdict(roundId, uclg, 'MMC', 'approve'), 403, 'forbidden');
    expectProblem(await verdict(roundId, mmc, 'UCLG', 'approve'), 403, 'forbidden');
    expectProblem(await verdict(roundId, mmc, 'GPM', 'approve'), 403, 'forbidden');
    expectProblem(await verdict(roundId, secretariat, 'MMC', 'approve'), 403, 'forbidden');
    expectProblem(await verdict(roundId, gpm, 'GPM', 'approve'), 404, 'not_found');
    expectProblem(await verdict(roundId, official, 'MMC', 'approve'), 404, 'not_found');
    expectProblem(
      await call('PUT', `/rounds/${roundId}/reviews/MMC`, mmc, { verdict: 'yes' }),
      400,
      'validation_failed',
    );
    expect(
      (await call('GET', `/rounds/${roundId}`, secretariat))
        .json()
        .networks.map((n: { verdict: string | null }) => n.verdict),
    ).toEqual([null, null]);

    const res = await verdict(roundId, mmc, 'MMC', 'approve', 'Fine by us.');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ code: 'MMC', verdict: 'approve', summary: 'Fine by us.', late: false });
    // The network code in the path is case-insensitive.
    expect((await verdict(roundId, uclg, 'uclg', 'request_changes')).statusCode).toBe(200);
    const round = (await call('GET', `/rounds/${roundId}`, uclg)).json();
    expect(round.networks).toEqual([
      expect.objectContaining({ code: 'MMC', verdict: 'approve', summary: 'Fine by us.', late: false }),
      expect.objectContaining({ code: 'UCLG', verdict: 'request_changes', summary: null }),
    ]);
    expect(round.networks[0].decidedAt).toBeTruthy();
    const given = (await auditOf(roundId)).filter((e) => e.action === 'round.verdict_given');
    expect(given.map((e) => e.summary.network).sort()).toEqual(['MMC', 'UCLG']);
  });

  it('does not close while a network is silent, unless forced: then changes_requested, forced', async () => {
    const pledge = await draftPledge();
    const roundId = await openRound(pledge, ['MMC', 'UCLG']);
    expect((await verdict(roundId, mmc, 'MMC', 'approve')).statusCode).toBe(200);
    expectProblem(await call('POST', `/rounds/${roundId}/close`, secretariat, {}), 409, 'invalid_state');
    expectProblem(await call('POST', `/rounds/${roundId}/close`, secretariat, { force: false }), 409, 'invalid_state');
    expectProblem(await call('POST', `/rounds/${roundId}/close`, mmc, { force: true }), 403, 'forbidden');
    expectProblem(await call('POST', `/rounds/${roundId}/close`, official, { force: true }), 403);
    expectProblem(
      await call('POST', '/rounds/00000000-0000-4000-8000-000000000000/close', secretariat, { force: true }),
      404,
    );
    expect((await call('GET', `/rounds/${roundId}`, secretariat)).json().status).toBe('open');
    expect((await versionRow(pledge.id)).status).toBe('in_review');

    const closed = await call('POST', `/rounds/${roundId}/close`, secretariat, { force: true });
    expect(closed.statusCode, closed.body).toBe(200);
    expect(closed.json()).toMatchObject({ status: 'closed', outcome: 'changes_requested', forced: true });
    expect(closed.json().closedAt).toBeTruthy();
    expect((await versionRow(pledge.id)).status).toBe('changes_requested');
    const event = (await auditOf(roundId)).find((e) => e.action === 'round.closed');
    expect(event?.summary).toMatchObject({
      outcome: 'changes_requested',
      forced: true,
      silentNetworks: ['UCLG'],
      version: { before: 'in_review', after: 'changes_requested' },
    });

    // Closed is final.
    expectProblem(await call('POST', `/rounds/${roundId}/close`, secretariat, { force: true }), 409, 'invalid_state');
    expectProblem(await call('POST', `/rounds/${roundId}/close`, secretariat, {}), 409, 'invalid_state');
    expectProblem(await verdict(roundId, uclg, 'UCLG', 'approve'), 409, 'invalid_state');
    expect((await call('GET', `/rounds/${roundId}`, secretariat)).json()).toMatchObject({
      outcome: 'changes_requested',
      forced: true,
    });
  });

  it('forcing when every network answered is not marked forced', async () => {
    const pledge = await draftPledge();
    const roundId = await openRound(pledge, ['MMC']);
    expect((await verdict(roundId, mmc, 'MMC', 'approve')).statusCode).toBe(200);
    const closed = await call('POST', `/rounds/${roundId}/close`, secretariat, { force: true });
    expect(closed.json()).toMatchObject({ outcome: 'approved', forced: false });
    expect((await versionRow(pledge.id)).status).toBe('validated');
  });

  it('approves when every network approves: the version is validated', async () => {
    const pledge = await draftPledge();
    const roundId = await openRound(pledge, ['MMC', 'UCLG', 'GPM']);
    const hash = (await versionRow(pledge.id)).contentHash;
    for (const [who, code] of [
      [mmc, 'MMC'],
      [uclg, 'UCLG'],
      [gpm, 'GPM'],
    ] as const)
      expect((await verdict(roundId, who, code, 'approve')).statusCode).toBe(200);
    const closed = await call('POST', `/rounds/${roundId}/close`, secretariat, {});
    expect(closed.statusCode, closed.body).toBe(200);
    expect(closed.json()).toMatchObject({ status: 'closed', outcome: 'approved', forced: false });
    const version = await versionRow(pledge.id);
    expect(version.status).toBe('validated');
    expect(version.contentHash).toBe(hash);
    const event = (await auditOf(roundId)).find((e) => e.action === 'round.closed');
    expect(event?.summary).toMatchObject({
      outcome: 'approved',
      forced: false,
      verdicts: { MMC: 'approve', UCLG: 'approve', GPM: 'approve' },
    });
  });

  it('requests changes when one network requests changes, even if it approved first', async () => {
    const pledge = await draftPledge();
    const roundId = await openRound(pledge, ['MMC', 'UCLG', 'GPM']);
    expect((await verdict(roundId, mmc, 'MMC', 'approve')).statusCode).toBe(200);
    expect((await verdict(roundId, gpm, 'GPM', 'approve')).statusCode).toBe(200);
    expect((await verdict(roundId, uclg, 'UCLG', 'approve')).statusCode).toBe(200);
    expect((await verdict(roundId, uclg, 'UCLG', 'request_changes', 'Please add data.')).statusCode).toBe(200);
    const closed = await call('POST', `/rounds/${roundId}/close`, secretariat, {});
    expect(closed.statusCode, closed.body).toBe(200);
    expect(closed.json()).toMatchObject({ status: 'closed', outcome: 'changes_requested', forced: false });
    expect((await versionRow(pledge.id)).status).toBe('changes_requested');
    // A changes_requested version takes no new round; a new draft from it does.
    expectProblem(
      await call('POST', openPath(pledge), secretariat, { deadline: inFuture(10), networks: ['MMC'] }),
      409,
      'invalid_state',
    );
    expect((await call('POST', `/pledges/${pledge.id}/versions`, secretariat, { from: 1 })).statusCode).toBe(201);
    const second = await call('POST', openPath(pledge, 2), secretariat, { deadline: inFuture(10), networks: ['MMC'] });
    expect(second.statusCode, second.body).toBe(201);
    expect(second.json().versionNumber).toBe(2);
  });
});
