import { and, eq, like } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailOutbox, pledgeVersions, users, validationRounds } from '../src/db/schema/index.js';
import { queueDeadlineReminders } from '../src/modules/rounds/reminders.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import {
  createCityOfficial,
  createReviewer,
  createSecretariat,
  createUser,
  type TestUser,
  unique,
} from './helpers/factories.js';

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

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** One request to /api/v1; `who` null means no token at all. */
function call(method: Method, path: string, who: TestUser | null, payload?: object): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method,
    url: `/api/v1${path}`,
    headers: who ? who.headers : {},
    ...(payload !== undefined ? { payload } : {}),
  });
}

const HOUR = 3_600_000;
const inFuture = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

const expectProblem = (res: LightMyRequestResponse, status: number, code?: string) => {
  expect(res.statusCode, res.body).toBe(status);
  if (code) expect(res.json().code).toBe(code);
};

interface Draft {
  id: string;
  slug: string;
}

/** A pledge whose draft version 1 has the given areas. */
async function draftPledge(areas: string[] = ['governance', 'services']): Promise<Draft> {
  const res = await call('POST', '/pledges', secretariat, {
    slug: unique('rd-').toLowerCase(),
    title: { en: 'Round test pledge' },
  });
  expect(res.statusCode, res.body).toBe(201);
  const pledge = res.json() as Draft;
  for (const key of areas) {
    const added = await call('POST', `/pledges/${pledge.id}/versions/1/areas`, secretariat, {
      key,
      title: { en: key },
      description: { en: `About ${key}` },
    });
    expect(added.statusCode, added.body).toBe(201);
  }
  return pledge;
}

const openPath = (p: Draft, n = 1) => `/pledges/${p.id}/versions/${n}/rounds`;

async function openRound(p: Draft, networks: string[], deadline = inFuture(20)): Promise<string> {
  const res = await call('POST', openPath(p), secretariat, { deadline, networks });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}

async function versionRow(pledgeId: string, n = 1) {
  const [row] = await t.db
    .select()
    .from(pledgeVersions)
    .where(and(eq(pledgeVersions.pledgeId, pledgeId), eq(pledgeVersions.number, n)));
  if (!row) throw new Error(`no version ${n}`);
  return row;
}

async function auditOf(entityId: string): Promise<Array<{ action: string; summary: Record<string, unknown> }>> {
  const res = await call('GET', `/audit?entityId=${entityId}&limit=500`, secretariat);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().items;
}

/** Outbox rows of one round of one kind (opened, verdict, reminder, closed). */
async function mailsOf(roundId: string, kind: 'opened' | 'verdict' | 'reminder' | 'closed') {
  return t.db
    .select()
    .from(mailOutbox)
    .where(like(mailOutbox.dedupeKey, `round:${roundId}:${kind}:%`));
}

const verdict = (roundId: string, who: TestUser, code: string, v: 'approve' | 'request_changes', summary?: string) =>
  call('PUT', `/rounds/${roundId}/reviews/${code}`, who, { verdict: v, ...(summary ? { summary } : {}) });

const comment = (roundId: string, who: TestUser | null, body: object) =>
  call('POST', `/rounds/${roundId}/comments`, who, body);

/** A network of its own (fresh code), so mail counts are not disturbed by other tests. */
async function newNetwork(): Promise<string> {
  const code = unique('N').replace(/[^A-Za-z0-9]/g, '');
  const res = await call('POST', '/networks', secretariat, { code, name: `Network ${code}` });
  expect(res.statusCode, res.body).toBe(201);
  return code;
}

async function reviewerOf(code: string): Promise<TestUser> {
  const list = (await call('GET', '/networks', null)).json() as Array<{ id: string; code: string }>;
  const network = list.find((n) => n.code === code);
  if (!network) throw new Error(`network ${code} missing`);
  return createUser(t, { role: 'network_reviewer', networkId: network.id });
}

async function deactivate(user: TestUser) {
  const res = await call('PATCH', `/users/${user.id}`, secretariat, { active: false });
  expect(res.statusCode, res.body).toBe(200);
}

describe('opening a round', () => {
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

describe('a round and its comments', () => {
  let pledge: Draft;
  let roundId: string;
  let outsider: TestUser;

  beforeAll(async () => {
    pledge = await draftPledge(['governance', 'services', 'inclusion']);
    roundId = await openRound(pledge, ['MMC', 'UCLG']);
    outsider = gpm; // GPM is not invited to this round.
  });

  it('is visible to the secretariat and the invited reviewers only', async () => {
    for (const who of [secretariat, mmc, uclg]) {
      const res = await call('GET', `/rounds/${roundId}`, who);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ id: roundId, status: 'open', versionNumber: 1 });
    }
    expectProblem(await call('GET', `/rounds/${roundId}`, outsider), 404, 'not_found');
    expectProblem(await call('GET', `/rounds/${roundId}`, official), 404, 'not_found');
    expectProblem(await call('GET', `/rounds/${roundId}`, null), 401);
    expectProblem(await call('GET', '/rounds/00000000-0000-4000-8000-000000000000', secretariat), 404, 'not_found');
    expectProblem(await call('GET', '/rounds/not-a-uuid', secretariat), 400, 'validation_failed');
    expectProblem(await call('GET', `/rounds/${roundId}/comments`, outsider), 404);
    expectProblem(await call('GET', `/rounds/${roundId}/comments`, official), 404);
    expect((await call('GET', `/rounds/${roundId}/comments`, uclg)).statusCode).toBe(200);
  });

  it('takes comments from reviewers of invited networks only', async () => {
    expectProblem(await comment(roundId, secretariat, { body: 'The secretariat does not comment.' }), 403, 'forbidden');
    expectProblem(await comment(roundId, official, { body: 'Nor do cities.' }), 404, 'not_found');
    expectProblem(await comment(roundId, outsider, { body: 'Not invited.' }), 404, 'not_found');
    expectProblem(await comment(roundId, null, { body: 'Anonymous.' }), 401);
    expectProblem(
      await comment(roundId, mmc, { areaKey: 'no-such-area', body: 'Unknown area.' }),
      400,
      'validation_failed',
    );
    expectProblem(await comment(roundId, mmc, { areaKey: 'Not A Key', body: 'Bad key.' }), 400, 'validation_failed');
    expectProblem(await comment(roundId, mmc, { body: '   ' }), 400, 'validation_failed');
    expectProblem(await comment(roundId, mmc, {}), 400, 'validation_failed');
    const round = (await call('GET', `/rounds/${roundId}`, secretariat)).json();
    expect(round.comments).toEqual([]);
  });

  it('lists comments filtered by network, area key and resolution; the secretariat resolves and may revise', async () => {
    const posted: Record<string, string> = {};
    const add = async (who: TestUser, name: string, areaKey?: string) => {
      const res = await comment(roundId, who, { ...(areaKey ? { areaKey } : {}), body: `Comment ${name}` });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({
        network: who === mmc ? 'MMC' : 'UCLG',
        areaKey: areaKey ?? null,
        body: `Comment ${name}`,
        late: false,
        resolution: null,
        authorId: who.id,
      });
      posted[name] = res.json().id;
    };
    await add(mmc, 'mmc-gov', 'governance');
    await add(mmc, 'mmc-general');
    await add(uclg, 'uclg-gov', 'governance');
    await add(uclg, 'uclg-services', 'services');

    const list = async (query: string, who: TestUser = secretariat) => {
      const res = await call('GET', `/rounds/${roundId}/comments${query}`, who);
      expect(res.statusCode, res.body).toBe(200);
      return (res.json().items as Array<{ id: string }>).map((c) => c.id).sort();
    };
    const ids = (...names: string[]) => names.map((n) => posted[n]!).sort();
    expect(await list('')).toEqual(ids('mmc-gov', 'mmc-general', 'uclg-gov', 'uclg-services'));
    expect(await list('?network=MMC')).toEqual(ids('mmc-gov', 'mmc-general'));
    expect(await list('?network=UCLG', mmc)).toEqual(ids('uclg-gov', 'uclg-services'));
    expect(await list('?network=GPM')).toEqual([]);
    expect(await list('?areaKey=governance')).toEqual(ids('mmc-gov', 'uclg-gov'));
    expect(await list('?areaKey=governance&network=UCLG')).toEqual(ids('uclg-gov'));
    expect(await list('?areaKey=inclusion')).toEqual([]);

    // Resolutions.
    const resolve = (id: string, who: TestUser, body: object) =>
      call('POST', `/rounds/${roundId}/comments/${id}/resolution`, who, body);
    expectProblem(
      await resolve(posted['mmc-gov']!, mmc, { status: 'accepted', response: 'Reviewers do not resolve.' }),
      403,
      'forbidden',
    );
    expectProblem(
      await resolve(posted['mmc-gov']!, secretariat, { status: 'maybe', response: 'Bad status.' }),
      400,
      'validation_failed',
    );
    expectProblem(
      await resolve(posted['mmc-gov']!, secretariat, { status: 'accepted', response: '' }),
      400,
      'validation_failed',
    );
    expectProblem(await resolve(posted['mmc-gov']!, secretariat, { status: 'accepted' }), 400, 'validation_failed');
    expectProblem(
      await resolve('00000000-0000-4000-8000-000000000000', secretariat, {
        status: 'noted',
        response: 'Unknown comment.',
      }),
      404,
      'not_found',
    );
    expect(await list('?resolved=true')).toEqual([]);

    const first = await resolve(posted['mmc-gov']!, secretariat, {
      status: 'accepted',
      response: 'Done in the next version.',
    });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({
      id: posted['mmc-gov'],
      network: 'MMC',
      resolution: { status: 'accepted', response: 'Done in the next version.', resolvedBy: secretariat.id },
    });
    expect(
      (await resolve(posted['uclg-services']!, secretariat, { status: 'noted', response: 'Thank you.' })).statusCode,
    ).toBe(200);

    expect(await list('?resolved=true')).toEqual(ids('mmc-gov', 'uclg-services'));
    expect(await list('?resolved=false')).toEqual(ids('mmc-general', 'uclg-gov'));
    expect(await list('?resolved=true&network=MMC')).toEqual(ids('mmc-gov'));
    expect(await list('?resolved=false&areaKey=governance', uclg)).toEqual(ids('uclg-gov'));
    expectProblem(await call('GET', `/rounds/${roundId}/comments?resolved=yes`, secretariat), 400, 'validation_failed');

    // Revised: the answer changes, and the audit keeps both.
    const revised = await resolve(posted['mmc-gov']!, secretariat, {
      status: 'rejected',
      response: 'On reflection, out of scope.',
    });
    expect(revised.statusCode).toBe(200);
    expect(revised.json().resolution).toMatchObject({ status: 'rejected', response: 'On reflection, out of scope.' });
    const round = (await call('GET', `/rounds/${roundId}`, uclg)).json();
    const stored = round.comments.find((c: { id: string }) => c.id === posted['mmc-gov']);
    expect(stored.resolution).toMatchObject({ status: 'rejected', response: 'On reflection, out of scope.' });
    expect(round.comments).toHaveLength(4);

    const events = await auditOf(roundId);
    expect(events.filter((e) => e.action === 'round.comment_added')).toHaveLength(4);
    const resolutions = events.filter(
      (e) => e.action === 'round.comment_resolved' && e.summary.commentId === posted['mmc-gov'],
    );
    expect(resolutions).toHaveLength(2);
    expect(resolutions[0]!.summary).toMatchObject({ before: { status: 'accepted' }, after: { status: 'rejected' } });
    expect(resolutions[1]!.summary).toMatchObject({ before: null, after: { status: 'accepted' } });

    // A comment of another round is not found through this one.
    const other = await draftPledge();
    const otherRound = await openRound(other, ['MMC']);
    const foreign = await comment(otherRound, mmc, { body: 'Elsewhere.' });
    expect(foreign.statusCode).toBe(201);
    expectProblem(
      await resolve(foreign.json().id, secretariat, { status: 'noted', response: 'Wrong round.' }),
      404,
      'not_found',
    );
  });
});

describe('verdicts and closing', () => {
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

describe('mail', () => {
  let codeA: string;
  let codeB: string;
  let codeC: string;
  let a1: TestUser;
  let a2: TestUser;
  let aOff: TestUser;
  let b1: TestUser;
  let c1: TestUser;

  beforeAll(async () => {
    codeA = await newNetwork();
    codeB = await newNetwork();
    codeC = await newNetwork();
    a1 = await reviewerOf(codeA);
    a2 = await reviewerOf(codeA);
    aOff = await reviewerOf(codeA);
    b1 = await reviewerOf(codeB);
    c1 = await reviewerOf(codeC);
    await deactivate(aOff);
  });

  it('tells each active reviewer of each invited network when a round opens, and when it closes', async () => {
    const pledge = await draftPledge();
    const roundId = await openRound(pledge, [codeA, codeB]);
    const opened = await mailsOf(roundId, 'opened');
    expect(opened.map((m) => m.to).sort()).toEqual([a1.email, a2.email, b1.email].sort());
    for (const m of opened) {
      expect(m.subject).toBe('Review requested: Round test pledge, version 1');
      expect(m.text).toContain(`${t.config.publicBaseUrl}/api/v1/rounds/${roundId}`);
      expect(m.status).toBe('pending');
    }
    const all = await t.db
      .select()
      .from(mailOutbox)
      .where(like(mailOutbox.dedupeKey, `round:${roundId}:%`));
    expect(all.some((m) => m.to === c1.email || m.to === aOff.email)).toBe(false);

    const closed = await call('POST', `/rounds/${roundId}/close`, secretariat, { force: true });
    expect(closed.statusCode).toBe(200);
    const closing = await mailsOf(roundId, 'closed');
    expect(closing.map((m) => m.to).sort()).toEqual([a1.email, a2.email, b1.email].sort());
    expect(closing[0]!.subject).toBe('Validation round closed: Round test pledge, version 1');
  });

  it('tells each active secretariat user of a verdict', async () => {
    const inactive = await createSecretariat(t);
    await deactivate(inactive);
    const pledge = await draftPledge();
    const roundId = await openRound(pledge, [codeA, codeB]);
    const res = await verdict(roundId, a1, codeA, 'approve', 'All good.');
    expect(res.statusCode, res.body).toBe(200);
    const active = await t.db
      .select({ email: users.email })
      .from(users)
      .where(and(eq(users.role, 'secretariat'), eq(users.active, true)));
    const mails = await mailsOf(roundId, 'verdict');
    expect(mails.map((m) => m.to).sort()).toEqual(active.map((u) => u.email).sort());
    expect(mails.map((m) => m.to)).toContain(secretariat.email);
    expect(mails.map((m) => m.to)).not.toContain(inactive.email);
    for (const m of mails) {
      expect(m.subject).toBe(`${codeA}: approves Round test pledge, version 1`);
      expect(m.text).toContain('All good.');
    }
  });

  it('reminds the silent networks 48 hours before the deadline, once', async () => {
    const pledge = await draftPledge();
    // An odd deadline, far from the other rounds of this file.
    const deadline = new Date(Date.now() + 5 * 86_400_000 + 7 * 60_000);
    deadline.setUTCMilliseconds(0);
    const roundId = await openRound(pledge, [codeA, codeB], deadline.toISOString());
    expect((await verdict(roundId, a1, codeA, 'approve')).statusCode).toBe(200);
    const base = t.config.publicBaseUrl;

    // More than 48 hours away: nothing.
    await queueDeadlineReminders(t.db, base, new Date(deadline.getTime() - 49 * HOUR));
    expect(await mailsOf(roundId, 'reminder')).toHaveLength(0);

    // 47 hours before: the reviewers of the silent network B only (A answered; C was not invited).
    const due = await queueDeadlineReminders(t.db, base, new Date(deadline.getTime() - 47 * HOUR));
    expect(due).toBeGreaterThanOrEqual(1);
    const reminders = await mailsOf(roundId, 'reminder');
    expect(reminders.map((m) => m.to)).toEqual([b1.email]);
    expect(reminders[0]!.subject).toMatch(/^Reminder: your verdict on Round test pledge, version 1, is due /);
    expect(reminders[0]!.text).toContain(`${base}/api/v1/rounds/${roundId}`);

    // Again, and again an hour later: nothing more (dedupe keys).
    await queueDeadlineReminders(t.db, base, new Date(deadline.getTime() - 47 * HOUR));
    await queueDeadlineReminders(t.db, base, new Date(deadline.getTime() - 46 * HOUR));
    expect(await mailsOf(roundId, 'reminder')).toHaveLength(1);

    // A reviewer who joins B later is reminded too; one whose network answered never is.
    const b2 = await reviewerOf(codeB);
    await queueDeadlineReminders(t.db, base, new Date(deadline.getTime() - 40 * HOUR));
    expect((await mailsOf(roundId, 'reminder')).map((m) => m.to).sort()).toEqual([b1.email, b2.email].sort());

    // Past the deadline, or once B answered, or once closed: no new reminder.
    const b3 = await reviewerOf(codeB);
    await queueDeadlineReminders(t.db, base, new Date(deadline.getTime() + HOUR));
    expect((await verdict(roundId, b1, codeB, 'request_changes')).statusCode).toBe(200);
    await queueDeadlineReminders(t.db, base, new Date(deadline.getTime() - 30 * HOUR));
    expect((await mailsOf(roundId, 'reminder')).map((m) => m.to)).not.toContain(b3.email);
  });

  it('does not remind on a closed round', async () => {
    const pledge = await draftPledge();
    const deadline = new Date(Date.now() + 6 * 86_400_000 + 11 * 60_000);
    const roundId = await openRound(pledge, [codeB], deadline.toISOString());
    expect((await call('POST', `/rounds/${roundId}/close`, secretariat, { force: true })).statusCode).toBe(200);
    await queueDeadlineReminders(t.db, t.config.publicBaseUrl, new Date(deadline.getTime() - 24 * HOUR));
    expect(await mailsOf(roundId, 'reminder')).toHaveLength(0);
  });

  it('counts the deadline from the row, so moving it moves the reminder', async () => {
    const pledge = await draftPledge();
    const roundId = await openRound(pledge, [codeB], inFuture(40));
    const now = new Date();
    await queueDeadlineReminders(t.db, t.config.publicBaseUrl, now);
    expect(await mailsOf(roundId, 'reminder')).toHaveLength(0);
    // The deadline is brought forward to 47 hours from now.
    await t.db
      .update(validationRounds)
      .set({ deadline: new Date(now.getTime() + 47 * HOUR) })
      .where(eq(validationRounds.id, roundId));
    await queueDeadlineReminders(t.db, t.config.publicBaseUrl, now);
    expect((await mailsOf(roundId, 'reminder')).map((m) => m.to)).toContain(b1.email);
  });
});
