import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailOutbox, validationRounds } from '../src/db/schema/index.js';
import { quitoPledge } from '../src/demo/quito-pledge.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import {
  createCityOfficial,
  createReviewer,
  createSecretariat,
  createUser,
  networkId,
  type TestUser,
  unique,
} from './helpers/factories.js';

let t: TestApp;
let secretariat: TestUser;
const reviewers: Record<string, TestUser> = {};
let outsider: TestUser;
let official: TestUser;

beforeAll(async () => {
  t = await buildTestApp();
  secretariat = await createSecretariat(t);
  for (const code of ['MMC', 'Metropolis', 'UCLG', 'GPM']) reviewers[code] = await createReviewer(t, code);
  // A network that is never invited: its reviewer must not even see the rounds.
  const other = await t.app.inject({
    method: 'POST',
    url: '/api/v1/networks',
    headers: secretariat.headers,
    payload: { code: unique('NET').replace(/[^A-Za-z0-9]/g, ''), name: 'Other network' },
  });
  outsider = await createUser(t, { role: 'network_reviewer', networkId: other.json().id });
  official = await createCityOfficial(t);
});
afterAll(async () => t.close());

const api = (path: string) => `/api/v1${path}`;
const inFuture = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

describe('drafting and validating a pledge with the four networks', () => {
  it('takes the Quito pledge from draft v1 to published v2', async () => {
    const as = (u: TestUser) => u.headers;
    const slug = unique('quito-').toLowerCase();

    // Draft v1 with six areas.
    const created = await t.app.inject({
      method: 'POST',
      url: api('/pledges'),
      headers: as(secretariat),
      payload: { slug, title: quitoPledge.title },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      slug,
      status: 'draft',
      publishedVersion: null,
      versions: [{ number: 1, status: 'draft', contentHash: null }],
    });
    const v1 = (path = '') => api(`/pledges/${slug}/versions/1${path}`);
    let read = await t.app.inject({ method: 'GET', url: v1(), headers: as(secretariat) });
    expect(read.statusCode).toBe(200);
    let etag = read.headers.etag as string;
    const patched = await t.app.inject({
      method: 'PATCH',
      url: v1(),
      headers: { ...as(secretariat), 'if-match': etag },
      payload: { preamble: quitoPledge.preamble },
    });
    expect(patched.statusCode).toBe(200);
    // The old ETag is now stale: a second editor working from it is refused.
    const stale = await t.app.inject({
      method: 'PATCH',
      url: v1(),
      headers: { ...as(secretariat), 'if-match': etag },
      payload: { preamble: { en: 'Overwrite' } },
    });
    expect(stale.statusCode).toBe(412);
    expect(stale.json().code).toBe('precondition_failed');
    etag = patched.headers.etag as string;
    for (const area of quitoPledge.areas) {
      const res = await t.app.inject({
        method: 'POST',
        url: v1('/areas'),
        headers: { ...as(secretariat), 'if-match': etag },
        payload: area,
      });
      expect(res.statusCode, res.body).toBe(201);
      etag = res.headers.etag as string;
    }
    read = await t.app.inject({ method: 'GET', url: v1(), headers: as(secretariat) });
    expect(read.json().areas.map((a: { key: string }) => a.key)).toEqual(quitoPledge.areas.map((a) => a.key));

    // A city official cannot see the draft; neither can the public.
    expect((await t.app.inject({ method: 'GET', url: v1(), headers: as(official) })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: v1() })).statusCode).toBe(404);
    expect(
      (await t.app.inject({ method: 'GET', url: api(`/pledges/${slug}`), headers: as(official) })).statusCode,
    ).toBe(404);

    // Round 1 with all four networks: the version is frozen and hashed.
    const round1 = await t.app.inject({
      method: 'POST',
      url: v1('/rounds'),
      headers: as(secretariat),
      payload: { deadline: inFuture(30), networks: ['MMC', 'Metropolis', 'UCLG', 'GPM'] },
    });
    expect(round1.statusCode, round1.body).toBe(201);
    const r1 = round1.json();
    expect(r1).toMatchObject({ status: 'open', versionNumber: 1, outcome: null });
    expect(r1.networks.map((n: { code: string; verdict: null }) => [n.code, n.verdict]).sort()).toEqual([
      ['GPM', null],
      ['MMC', null],
      ['Metropolis', null],
      ['UCLG', null],
    ]);
    const frozen = (await t.app.inject({ method: 'GET', url: v1(), headers: as(secretariat) })).json();
    expect(frozen.status).toBe('in_review');
    expect(frozen.contentHash).toMatch(/^[0-9a-f]{64}$/);
    const v1Hash = frozen.contentHash;

    // Editing after freezing is refused.
    const late = await t.app.inject({
      method: 'PATCH',
      url: v1(),
      headers: as(secretariat),
      payload: { preamble: { en: 'Too late' } },
    });
    expect(late.statusCode).toBe(409);
    expect(late.json().code).toBe('invalid_state');
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: v1('/areas'),
          headers: as(secretariat),
          payload: { key: 'extra-area', title: { en: 'x' }, description: { en: 'y' } },
        })
      ).statusCode,
    ).toBe(409);

    // Reviewers see the version under review; the uninvited network's reviewer sees no round.
    expect((await t.app.inject({ method: 'GET', url: v1(), headers: as(reviewers.MMC!) })).statusCode).toBe(200);
    expect(
      (await t.app.inject({ method: 'GET', url: api(`/rounds/${r1.id}`), headers: as(outsider) })).statusCode,
    ).toBe(404);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: api(`/rounds/${r1.id}/comments`),
          headers: as(outsider),
          payload: { body: 'hello' },
        })
      ).statusCode,
    ).toBe(404);
    expect(
      (await t.app.inject({ method: 'GET', url: api(`/rounds/${r1.id}`), headers: as(official) })).statusCode,
    ).toBe(404);

    // MMC comments on two areas and requests changes; the others approve.
    const c1 = await t.app.inject({
      method: 'POST',
      url: api(`/rounds/${r1.id}/comments`),
      headers: as(reviewers.MMC!),
      payload: { areaKey: 'economic-opportunity', body: 'Name the recognition of qualifications explicitly.' },
    });
    expect(c1.statusCode, c1.body).toBe(201);
    expect(c1.json()).toMatchObject({ network: 'MMC', areaKey: 'economic-opportunity', late: false, resolution: null });
    const c2 = await t.app.inject({
      method: 'POST',
      url: api(`/rounds/${r1.id}/comments`),
      headers: as(reviewers.MMC!),
      payload: { areaKey: 'vulnerable-groups', body: 'Mention unaccompanied children.' },
    });
    expect(c2.statusCode).toBe(201);
    const general = await t.app.inject({
      method: 'POST',
      url: api(`/rounds/${r1.id}/comments`),
      headers: as(reviewers.UCLG!),
      payload: { body: 'A strong text overall.' },
    });
    expect(general.json().areaKey).toBeNull();
    const unknownArea = await t.app.inject({
      method: 'POST',
      url: api(`/rounds/${r1.id}/comments`),
      headers: as(reviewers.MMC!),
      payload: { areaKey: 'no-such-area', body: 'x' },
    });
    expect(unknownArea.statusCode).toBe(400);

    const verdict = (u: TestUser, code: string, v: string) =>
      t.app.inject({
        method: 'PUT',
        url: api(`/rounds/${r1.id}/reviews/${code}`),
        headers: as(u),
        payload: { verdict: v, summary: `${code} says ${v}` },
      });
    expect((await verdict(reviewers.MMC!, 'MMC', 'approve')).statusCode).toBe(200);
    const changed = await verdict(reviewers.MMC!, 'MMC', 'request_changes'); // changeable while open
    expect(changed.json()).toMatchObject({ code: 'MMC', verdict: 'request_changes', late: false });
    expect((await verdict(reviewers.MMC!, 'UCLG', 'approve')).statusCode).toBe(403); // not their network
    expect((await verdict(secretariat, 'UCLG', 'approve')).statusCode).toBe(403);
    expect((await verdict(reviewers.Metropolis!, 'Metropolis', 'approve')).statusCode).toBe(200);
    expect((await verdict(reviewers.UCLG!, 'UCLG', 'approve')).statusCode).toBe(200);

    // GPM has not answered: closing needs force.
    const blocked = await t.app.inject({
      method: 'POST',
      url: api(`/rounds/${r1.id}/close`),
      headers: as(secretariat),
      payload: {},
    });
    expect(blocked.statusCode).toBe(409);

    // After the deadline, comments and verdicts are still taken but flagged late.
    await t.db
      .update(validationRounds)
      .set({ deadline: new Date(Date.now() - 60_000) })
      .where(eq(validationRounds.id, r1.id));
    const lateComment = await t.app.inject({
      method: 'POST',
      url: api(`/rounds/${r1.id}/comments`),
      headers: as(reviewers.GPM!),
      payload: { body: 'Sorry for the delay.' },
    });
    expect(lateComment.statusCode).toBe(201);
    expect(lateComment.json().late).toBe(true);
    const lateVerdict = await verdict(reviewers.GPM!, 'GPM', 'approve');
    expect(lateVerdict.json()).toMatchObject({ verdict: 'approve', late: true });

    // The secretariat answers the comments and closes: changes requested.
    for (const c of [c1, c2, general, lateComment]) {
      const res = await t.app.inject({
        method: 'POST',
        url: api(`/rounds/${r1.id}/comments/${c.json().id}/resolution`),
        headers: as(secretariat),
        payload: { status: 'accepted', response: 'Thank you, done in v2.' },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().resolution).toMatchObject({ status: 'accepted', response: 'Thank you, done in v2.' });
    }
    const mmcComments = await t.app.inject({
      method: 'GET',
      url: api(`/rounds/${r1.id}/comments?network=MMC&resolved=true`),
      headers: as(reviewers.UCLG!),
    });
    expect(mmcComments.json().items).toHaveLength(2);
    const closed1 = await t.app.inject({
      method: 'POST',
      url: api(`/rounds/${r1.id}/close`),
      headers: as(secretariat),
      payload: {},
    });
    expect(closed1.statusCode, closed1.body).toBe(200);
    expect(closed1.json()).toMatchObject({ status: 'closed', outcome: 'changes_requested' });
    expect((await t.app.inject({ method: 'GET', url: v1(), headers: as(secretariat) })).json().status).toBe(
      'changes_requested',
    );
    // A closed round takes nothing more.
    expect((await verdict(reviewers.MMC!, 'MMC', 'approve')).statusCode).toBe(409);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: api(`/rounds/${r1.id}/comments`),
          headers: as(reviewers.MMC!),
          payload: { body: 'x' },
        })
      ).statusCode,
    ).toBe(409);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: api(`/rounds/${r1.id}/close`),
          headers: as(secretariat),
          payload: { force: true },
        })
      ).statusCode,
    ).toBe(409);

    // v2 from v1, edited where MMC asked.
    const v2res = await t.app.inject({
      method: 'POST',
      url: api(`/pledges/${slug}/versions`),
      headers: as(secretariat),
      payload: { from: 1 },
    });
    expect(v2res.statusCode).toBe(201);
    expect(v2res.json()).toMatchObject({ number: 2, status: 'draft', copiedFrom: 1, contentHash: null });
    const v2 = (path = '') => api(`/pledges/${slug}/versions/2${path}`);
    const econ = quitoPledge.areas.find((a) => a.key === 'economic-opportunity')!;
    expect(
      (
        await t.app.inject({
          method: 'PATCH',
          url: v2('/areas/economic-opportunity'),
          headers: as(secretariat),
          payload: {
            commitments: [...econ.commitments, { en: 'Recognise foreign qualifications in municipal hiring.' }],
          },
        })
      ).statusCode,
    ).toBe(200);
    expect(
      (
        await t.app.inject({
          method: 'PATCH',
          url: v2('/areas/vulnerable-groups'),
          headers: as(secretariat),
          payload: { description: { en: 'Including unaccompanied and separated children.' } },
        })
      ).statusCode,
    ).toBe(200);
    const diff = await t.app.inject({ method: 'GET', url: v2('/diff?against=1'), headers: as(secretariat) });
    expect(diff.statusCode).toBe(200);
    expect(diff.json()).toEqual({
      from: 1,
      to: 2,
      preambleChanged: false,
      added: [],
      removed: [],
      changed: [
        { key: 'economic-opportunity', fields: ['commitments'] },
        { key: 'vulnerable-groups', fields: ['description'] },
      ],
    });

    // Round 2: all four approve → validated → published.
    const round2 = await t.app.inject({
      method: 'POST',
      url: v2('/rounds'),
      headers: as(secretariat),
      payload: { deadline: inFuture(14), networks: ['MMC', 'Metropolis', 'UCLG', 'GPM'] },
    });
    expect(round2.statusCode).toBe(201);
    const r2 = round2.json();
    for (const code of ['MMC', 'Metropolis', 'UCLG', 'GPM']) {
      const res = await t.app.inject({
        method: 'PUT',
        url: api(`/rounds/${r2.id}/reviews/${code}`),
        headers: as(reviewers[code]!),
        payload: { verdict: 'approve' },
      });
      expect(res.statusCode).toBe(200);
    }
    const closed2 = await t.app.inject({
      method: 'POST',
      url: api(`/rounds/${r2.id}/close`),
      headers: as(secretariat),
      payload: {},
    });
    expect(closed2.json()).toMatchObject({ status: 'closed', outcome: 'approved', forced: false });
    expect((await t.app.inject({ method: 'GET', url: v2(), headers: as(secretariat) })).json().status).toBe(
      'validated',
    );
    const published = await t.app.inject({
      method: 'POST',
      url: v2('/publish'),
      headers: as(secretariat),
      payload: {},
    });
    expect(published.statusCode, published.body).toBe(200);
    expect(published.json()).toMatchObject({ number: 2, status: 'published' });
    const v2Hash = published.json().contentHash;
    expect(v2Hash).toMatch(/^[0-9a-f]{64}$/);
    expect(v2Hash).not.toBe(v1Hash);

    // Both keep their hashes; the city official now sees the published text and the pledge.
    expect((await t.app.inject({ method: 'GET', url: v1(), headers: as(secretariat) })).json().contentHash).toBe(
      v1Hash,
    );
    const pledge = await t.app.inject({ method: 'GET', url: api(`/pledges/${slug}`), headers: as(official) });
    expect(pledge.json()).toMatchObject({
      status: 'published',
      publishedVersion: 2,
      versions: [{ number: 2, status: 'published', contentHash: v2Hash }],
    });
    expect((await t.app.inject({ method: 'GET', url: v2() })).statusCode).toBe(200); // anyone reads a published text
    expect((await t.app.inject({ method: 'GET', url: v1(), headers: as(official) })).statusCode).toBe(404);

    // Each step is in the audit log, and the chain holds.
    const audit = (
      await t.app.inject({ method: 'GET', url: api('/audit?limit=500'), headers: as(secretariat) })
    ).json();
    const actions = new Set(audit.items.map((e: { action: string }) => e.action));
    for (const action of [
      'pledge.created',
      'version.updated',
      'area.added',
      'round.opened',
      'round.comment_added',
      'round.verdict_given',
      'round.comment_resolved',
      'round.closed',
      'version.created',
      'area.updated',
      'version.published',
    ]) {
      expect(actions.has(action), action).toBe(true);
    }
    expect((await t.app.inject({ method: 'GET', url: api('/audit/verify'), headers: as(secretariat) })).json().ok).toBe(
      true,
    );

    // Recomputing the stored hash gives the same value (RFC 8785 over the stored text).
    const { computeContentHash } = await import('../src/modules/pledges/content.js');
    const v2Text = (await t.app.inject({ method: 'GET', url: v2(), headers: as(secretariat) })).json();
    expect(computeContentHash(slug, 2, v2Text.preamble, v2Text.areas)).toBe(v2Hash);

    // Mail: reviewers told of the rounds, the secretariat of each verdict.
    const mails = await t.db.select({ to: mailOutbox.to, subject: mailOutbox.subject }).from(mailOutbox);
    expect(mails.some((m) => m.to === reviewers.GPM!.email && m.subject.startsWith('Review requested'))).toBe(true);
    expect(mails.some((m) => m.to === secretariat.email && m.subject.startsWith('GPM: approves'))).toBe(true);
    expect(mails.some((m) => m.to === reviewers.MMC!.email && m.subject.startsWith('Validation round closed'))).toBe(
      true,
    );
    expect(await networkId(t, 'MMC')).toBeTruthy();
  });
});
