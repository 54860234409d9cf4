import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createCityOfficial, createReviewer, createSecretariat, type TestUser } from './helpers/factories.js';
import { expectProblem } from './helpers/http.js';
import { type Draft, roundRequests } from './helpers/rounds-api.js';

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

const { call, draftPledge, openRound, auditOf, comment } = roundRequests(() => ({ t, secretariat }));

describe('Invited reviewers read a round and comment; the secretariat resolves the comments', () => {
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

  it('lists comments by network, area key and resolution; the secretariat resolves them and may revise', async () => {
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
