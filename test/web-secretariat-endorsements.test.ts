import { asc, eq, like, or, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, certificates, cities, endorsements, mailOutbox, pledgeVersions } from '../src/db/schema/index.js';
import { uploadMandate } from '../src/modules/endorsements/index.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import {
  createCity,
  createCityOfficial,
  createReviewer,
  createSecretariat,
  type TestUser,
} from './helpers/factories.js';
import { apiCaller } from './helpers/http.js';
import { createPublishedPledge } from './helpers/pledge-factories.js';
import { errorSummary, fieldError, h1Of, textOf, WebClient } from './helpers/web.js';
import { endorsedBy, officialContext, signedInAs, tinyPdf } from './helpers/web-city.js';

// The secretariat's verification queue (/secretariat/endorsements) and one endorsement's page: its
// filters and pages, the mandate document shown inline (and served only to the secretariat), and
// the decision, which does what the API's does (same service, audit events, mail, certificate).

let t: TestApp;
let secretariat: TestUser;
let client: WebClient;
let slug: string;
const call = apiCaller(() => t);
const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64)]);

beforeAll(async () => {
  t = await buildTestApp();
  secretariat = await createSecretariat(t);
  client = await signedInAs(t, secretariat);
  ({ slug } = await createPublishedPledge(t, { areaKeys: ['governance', 'climate', 'inclusion'] }));
});
afterAll(async () => t.close());

/** An endorsement awaiting verification, from a city of its own (and its mandate document, if given). */
async function waiting(
  options: { country?: string; networks?: string[]; areaKeys?: string[]; mandate?: Buffer; pledge?: string } = {},
) {
  const city = await createCity(t, { country: options.country ?? 'EC', networks: options.networks ?? [] });
  const official = await createCityOfficial(t, city.id);
  const id = await endorsedBy(t, official, options.pledge ?? slug, { areaKeys: options.areaKeys });
  if (options.mandate) await uploadMandate(officialContext(t, official), id, options.mandate);
  return { id, official, city };
}

async function rowOf(id: string) {
  const [row] = await t.db.select().from(endorsements).where(eq(endorsements.id, id));
  return row!;
}

const pageUrl = (id: string) => `/secretariat/endorsements/${id}`;

describe('who may open the queue and an endorsement', () => {
  it('sends a visitor to sign in; a city official (even its own) and a reviewer find the 404 page', async () => {
    const { id, official } = await waiting({ networks: ['MMC'], mandate: tinyPdf });
    const visitor = new WebClient(() => t.app);
    for (const url of ['/secretariat/endorsements', pageUrl(id), `${pageUrl(id)}/mandate`]) {
      const res = await visitor.get(url);
      expect(res.statusCode, url).toBe(303);
      expect(res.headers.location).toBe(`/sign-in?notice=sign-in-needed&next=${encodeURIComponent(url)}`);
    }
    for (const person of [official, await createReviewer(t, 'MMC')]) {
      const browser = await signedInAs(t, person);
      for (const url of ['/secretariat/endorsements', pageUrl(id), `${pageUrl(id)}/mandate`]) {
        const res = await browser.get(url);
        expect(res.statusCode, url).toBe(404);
        expect(h1Of(res.body)).toBe('Page not found');
        expect(res.headers['content-type']).toMatch(/^text\/html/);
      }
      const form = await browser.get('/account');
      const verify = await browser.post(`${pageUrl(id)}/verify`, { revision: '1' }, { csrfFrom: form });
      expect(verify.statusCode).toBe(404);
    }
    expect((await rowOf(id)).status).toBe('submitted');
  });
});

describe('the verification queue', () => {
  let pledge: string;
  let e: Record<'ec' | 'fr' | 'jp' | 'verified', string>;
  beforeAll(async () => {
    ({ slug: pledge } = await createPublishedPledge(t, { areaKeys: ['governance', 'climate'] }));
    const at = (id: string, daysAgo: number) =>
      t.db
        .update(endorsements)
        .set({ submittedAt: new Date(Date.now() - daysAgo * 86_400_000) })
        .where(eq(endorsements.id, id));
    e = {
      ec: (await waiting({ pledge, country: 'EC', networks: ['MMC'] })).id,
      fr: (await waiting({ pledge, country: 'FR', networks: ['UCLG'], mandate: tinyPdf })).id,
      jp: (await waiting({ pledge, country: 'JP', networks: ['UCLG'] })).id,
      verified: await endorsedBy(t, await createCityOfficial(t), pledge, { verifiedBy: secretariat }),
    };
    await at(e.ec, 3);
    await at(e.fr, 9);
    await at(e.jp, 1);
  });

  const rows = (html: string) =>
    [
      ...html.matchAll(/<td role="cell" data-label="City"><a href="\/secretariat\/endorsements\/([0-9a-f-]{36})">/g),
    ].map((m) => m[1]!);

  it('shows those awaiting verification, the longest waiting first, each linking to its page', async () => {
    const res = await client.get(`/secretariat/endorsements?pledge=${pledge}`);
    expect(res.statusCode).toBe(200);
    expect(h1Of(res.body)).toBe('Endorsements');
    expect(res.body).toContain('<a href="/secretariat/endorsements" aria-current="page">Endorsements</a>');
    expect(rows(res.body)).toEqual([e.fr, e.ec, e.jp]);
    const text = textOf(res.body);
    expect(text).toContain('3 endorsements · showing 1 to 3 · the longest waiting first');
    expect(text).toContain('waiting for 9 days');
    expect(res.body).toContain('<option value="submitted" selected>Awaiting verification (3)</option>');
    expect(res.body).toContain('<option value="verified">Verified (1)</option>');
    expect(res.body).toContain('<option value="all">Any status (4)</option>');
    for (const label of ['Status', 'Region', 'Network', 'Pledge'])
      expect(res.body).toMatch(new RegExp(`<label class="label" for="[a-z]+">${label}</label>`));
    expect(res.body).toContain('<button class="button" type="submit">Filter</button>');
  });

  it('filters by region, network and status', async () => {
    const list = async (query: string) =>
      rows((await client.get(`/secretariat/endorsements?pledge=${pledge}&${query}`)).body);
    expect(await list('region=Europe')).toEqual([e.fr]);
    expect(await list('network=UCLG')).toEqual([e.fr, e.jp]);
    expect(await list('network=uclg&region=Asia')).toEqual([e.jp]);
    expect(await list('status=verified')).toEqual([e.verified]);
    // Any status: newest first.
    expect((await list('status=all')).sort()).toEqual(Object.values(e).sort());
    const other = await createPublishedPledge(t);
    expect(rows((await client.get(`/secretariat/endorsements?pledge=${other.slug}`)).body)).toEqual([]);
    expect(textOf((await client.get(`/secretariat/endorsements?pledge=${other.slug}`)).body)).toContain(
      'No endorsement matches these filters.',
    );
  });

  it('says which filter value is not one of the choices', async () => {
    const res = await client.get('/secretariat/endorsements?status=lost&region=Atlantis&network=XYZ&pledge=nope');
    expect(res.statusCode).toBe(400);
    expect(errorSummary(res.body)).toEqual([
      ['status', 'Choose one of the statuses in the list'],
      ['region', 'Choose one of the regions in the list'],
      ['network', 'Choose one of the networks in the list'],
      ['pledge', 'Choose one of the pledges in the list'],
    ]);
    expect(fieldError(res.body, 'region')).toBe('Choose one of the regions in the list');
  });

  it('pages through a long queue without losing or repeating a row, submitted at the same instant', async () => {
    const { slug: long, pledgeId } = await createPublishedPledge(t, { areaKeys: ['governance'] });
    const [version] = await t.db.select().from(pledgeVersions).where(eq(pledgeVersions.pledgeId, pledgeId));
    const made = await t.db
      .insert(cities)
      .values(
        Array.from({ length: 53 }, (_, i) => ({
          name: `Queue city ${i}`,
          country: 'EC',
          kind: 'city' as const,
          region: 'Americas',
        })),
      )
      .returning({ id: cities.id });
    // Three instants shared by many rows, the last one (where page 1 ends) to the microsecond: the
    // cursor must name it exactly, or its rows would come back on page 2.
    const instants = ['2026-01-05T10:00:00.5Z', '2026-01-06T10:00:00.123456Z', '2026-01-07T10:00:00.654321Z'];
    await t.db.insert(endorsements).values(
      made.map((c, i) => ({
        pledgeId,
        cityId: c.id,
        versionId: version!.id,
        versionNumber: 1,
        contentHash: version!.contentHash!,
        scope: 'whole' as const,
        areaKeys: ['governance'],
        signatoryName: 'Mayor',
        signatoryTitle: 'Mayor',
        language: 'en' as const,
        submittedAt: sql`${instants[i % 3]}::timestamptz`,
      })),
    );
    const first = await client.get(`/secretariat/endorsements?pledge=${long}`);
    const one = rows(first.body);
    expect(one).toHaveLength(50);
    expect(textOf(first.body)).toContain('53 endorsements · showing 1 to 50');
    const next = /<a href="([^"]+)" rel="next">Next page<\/a>/.exec(first.body)![1]!.replace(/&amp;/g, '&');
    const second = await client.get(next);
    const two = rows(second.body);
    expect(textOf(second.body)).toContain('showing 51 to 53');
    expect(second.body).toContain(`<a href="/secretariat/endorsements?pledge=${long}">First page</a>`);
    expect(new Set([...one, ...two]).size).toBe(53);
    const order = await t.db
      .select({ id: endorsements.id })
      .from(endorsements)
      .where(eq(endorsements.pledgeId, pledgeId))
      .orderBy(asc(endorsements.submittedAt), asc(endorsements.id));
    expect([...one, ...two]).toEqual(order.map((r) => r.id));
  });
});

describe('an endorsement', () => {
  it('shows what the city endorsed, its mandate document inline and its history', async () => {
    const { id, city } = await waiting({ areaKeys: ['climate', 'inclusion'], mandate: tinyPdf });
    const res = await client.get(pageUrl(id));
    expect(res.statusCode).toBe(200);
    expect(h1Of(res.body)).toBe(`Endorsement of ${city.name}`);
    const text = textOf(res.body);
    expect(text).toContain('… Awaiting verification');
    expect(text).toContain(`City ${city.name}, Ecuador (Americas)`);
    expect(text).toContain(`Pledge Pledge ${slug}`);
    expect(text).toContain('Chosen action areas of version 1: Area climate Area inclusion');
    expect(text).toContain('Signatory Ana Alcaldesa, Mayor');
    expect(text).toContain('Language Español');
    expect(text).toContain('Submitted by the city');
    const src = `/secretariat/endorsements/${id}/mandate`;
    expect(res.body).toContain(`<iframe class="mandate-frame" src="${src}" title="Mandate document of ${city.name}">`);
    expect(res.body).toContain(`download="mandate-${id}.pdf"`);
    expect(text).toContain('Download the mandate document (PDF, 1 KB)');
    expect(res.body).toContain('<button class="button" type="submit" id="verify">Verify</button>');
    expect(res.body).toMatch(/<label class="label" for="note">Note<\/label>/);
    expect(res.body).toContain('<button class="button button-warning" type="submit" id="reject">Reject</button>');
  });

  it('shows an image mandate as an image with its text alternative, and says when none was sent', async () => {
    const withImage = await waiting({ mandate: png });
    const page = await client.get(pageUrl(withImage.id));
    const src = `/secretariat/endorsements/${withImage.id}/mandate`;
    expect(page.body).toContain(
      `<img class="mandate-image" src="${src}" alt="Mandate document of ${withImage.city.name}">`,
    );
    const without = await waiting();
    expect(textOf((await client.get(pageUrl(without.id))).body)).toContain('Mandate document None sent');
    expect((await client.get(`${pageUrl(without.id)}/mandate`)).statusCode).toBe(404);
  });

  it('serves the mandate document inline, in a sandbox, with its type and never sniffed', async () => {
    const { id } = await waiting({ mandate: tinyPdf });
    const res = await client.get(`${pageUrl(id)}/mandate`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toBe(`inline; filename="mandate-${id}.pdf"`);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toMatch(/^sandbox;/);
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['cache-control']).toBe('private, no-store');
    expect(res.rawPayload.equals(tinyPdf)).toBe(true);
    const image = await waiting({ mandate: png });
    expect((await client.get(`${pageUrl(image.id)}/mandate`)).headers['content-type']).toBe('image/png');
  });

  it('is the 404 page for an id that does not exist or could not', async () => {
    expect((await client.get(pageUrl('00000000-0000-4000-8000-000000000000'))).statusCode).toBe(404);
    expect((await client.get('/secretariat/endorsements/not-an-id')).statusCode).toBe(404);
  });
});

/**
 * The audit events of an endorsement's decision (on the endorsement, and on its certificate), as
 * facts that two decisions taken alike share.
 */
async function decisionEvents(id: string) {
  const events = await t.db
    .select()
    .from(auditEvents)
    .where(or(eq(auditEvents.entityId, id), sql`${auditEvents.summary}->>'endorsementId' = ${id}`))
    .orderBy(asc(auditEvents.action));
  return events
    .filter((e) => !['endorsement.submitted', 'endorsement.mandate_uploaded'].includes(e.action))
    .map((e) => {
      const { before, after, reason, revision } = e.summary as Record<string, unknown>;
      return { action: e.action, actorRole: e.actorRole, entityType: e.entityType, before, after, reason, revision };
    });
}

describe('verifying and rejecting', () => {
  it('verifies as the API does: the certificate, the same audit events, the mail to the city', async () => {
    const { id, city } = await waiting();
    const page = await client.get(pageUrl(id));
    const res = await client.post(`${pageUrl(id)}/verify`, { revision: '1' }, { csrfFrom: page });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`${pageUrl(id)}?notice=verified`);
    expect((await rowOf(id)).status).toBe('verified');
    const [certificate] = await t.db.select().from(certificates).where(eq(certificates.endorsementId, id));
    expect(certificate).toBeDefined();
    const after = await client.get(res.headers.location as string);
    const text = textOf(after.body);
    expect(text).toContain('The endorsement is verified: its certificate is issued and the city is told by e-mail.');
    expect(text).toContain('✓ Verified');
    expect(text).toContain(certificate!.serial);
    expect(after.body).not.toContain('id="verify"');
    const mails = await t.db
      .select()
      .from(mailOutbox)
      .where(like(mailOutbox.dedupeKey, `endorsement:${id}:r2:verified:%`));
    expect(mails).toHaveLength(1);

    const byApi = await waiting();
    const decided = await call('POST', `/endorsements/${byApi.id}/decision`, secretariat, { decision: 'verified' });
    expect(decided.statusCode, decided.body).toBe(200);
    const pageEvents = await decisionEvents(id);
    expect(pageEvents.map((e) => e.action)).toEqual(['certificate.issued', 'endorsement.verified']);
    expect(pageEvents).toEqual(await decisionEvents(byApi.id));
    expect(city.name).toBeTruthy();
  });

  it('asks for a note to reject, keeping what was typed; then rejects with it', async () => {
    const { id } = await waiting();
    const page = await client.get(pageUrl(id));
    const empty = await client.post(`${pageUrl(id)}/reject`, { revision: '1', note: '   ' }, { csrfFrom: page });
    expect(empty.statusCode).toBe(400);
    const message = 'Write a note for the city saying what is wrong (2,000 characters at most)';
    expect(errorSummary(empty.body)).toEqual([['note', message]]);
    expect(fieldError(empty.body, 'note')).toBe(message);
    const long = 'x'.repeat(2_001);
    const tooLong = await client.post(`${pageUrl(id)}/reject`, { revision: '1', note: long }, { csrfFrom: page });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.body).toContain(`>${'x'.repeat(2_000)}</textarea>`);
    expect((await rowOf(id)).status).toBe('submitted');

    const note = 'The mandate is not signed by the council.';
    const res = await client.post(`${pageUrl(id)}/reject`, { revision: '1', note }, { csrfFrom: page });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`${pageUrl(id)}?notice=rejected`);
    expect(await rowOf(id)).toMatchObject({ status: 'rejected', decisionNote: note });
    const text = textOf((await client.get(res.headers.location as string)).body);
    expect(text).toContain('The endorsement is rejected: the city is told by e-mail, with your note.');
    expect(text).toContain(`The secretariat's note: ${note}`);
    expect(text).toContain(`Reason: ${note}`);
    const mails = await t.db
      .select()
      .from(mailOutbox)
      .where(like(mailOutbox.dedupeKey, `endorsement:${id}:r2:rejected:%`));
    expect(mails).toHaveLength(1);

    const byApi = await waiting();
    const decided = await call('POST', `/endorsements/${byApi.id}/decision`, secretariat, {
      decision: 'rejected',
      note,
    });
    expect(decided.statusCode, decided.body).toBe(200);
    expect(await decisionEvents(id)).toEqual(await decisionEvents(byApi.id));
  });

  it('says so when someone else decided meanwhile, and changes nothing', async () => {
    const { id } = await waiting();
    const page = await client.get(pageUrl(id));
    const other = await createSecretariat(t);
    expect((await call('POST', `/endorsements/${id}/decision`, other, { decision: 'verified' })).statusCode).toBe(200);
    const res = await client.post(`${pageUrl(id)}/reject`, { revision: '1', note: 'Too late.' }, { csrfFrom: page });
    expect(res.statusCode).toBe(409);
    expect(errorSummary(res.body)).toEqual([
      ['status', 'Someone else decided on this endorsement meanwhile: it is now “Verified”. Nothing was changed.'],
    ]);
    expect(res.body).toContain('id="status"');
    expect((await rowOf(id)).status).toBe('verified');
  });

  it('refuses to decide on a revision the city has changed since the page showed it', async () => {
    const { id, official } = await waiting({ areaKeys: ['climate'] });
    const page = await client.get(pageUrl(id));
    const amended = await call('PATCH', `/endorsements/${id}`, official, { scope: 'whole' });
    expect(amended.statusCode, amended.body).toBe(200);
    const res = await client.post(`${pageUrl(id)}/verify`, { revision: '1' }, { csrfFrom: page });
    expect(res.statusCode).toBe(409);
    expect(errorSummary(res.body)).toEqual([
      [
        'status',
        'The city changed this endorsement since you opened it: look at it again before deciding. Nothing was changed.',
      ],
    ]);
    expect(await rowOf(id)).toMatchObject({ status: 'submitted', revision: 2 });
    // The page now shows revision 2, and its form decides on it.
    expect(res.body).toContain('name="revision" value="2"');
    const again = await client.post(`${pageUrl(id)}/verify`, { revision: '2' }, { csrfFrom: res });
    expect(again.statusCode).toBe(303);
    // A form that names no revision decides nothing.
    const bare = await waiting();
    const missing = await client.post(`${pageUrl(bare.id)}/verify`, {}, { csrfFrom: page });
    expect(missing.statusCode).toBe(409);
    expect((await rowOf(bare.id)).status).toBe('submitted');
  });

  it('says that a pledge requiring the mandate cannot be verified without it', async () => {
    const { slug: strict } = await createPublishedPledge(t, { requireMandateDocument: true });
    const { id } = await waiting({ pledge: strict });
    const page = await client.get(pageUrl(id));
    expect(textOf(page.body)).toContain('None sent — this pledge requires it before verification');
    const res = await client.post(`${pageUrl(id)}/verify`, { revision: '1' }, { csrfFrom: page });
    expect(res.statusCode).toBe(409);
    expect(errorSummary(res.body)).toEqual([
      ['mandate', 'This pledge requires the mandate document before verification: ask the city to send it.'],
    ]);
    expect((await rowOf(id)).status).toBe('submitted');
  });

  it('refuses a decision without the form’s token', async () => {
    const { id } = await waiting();
    const res = await client.post(`${pageUrl(id)}/verify`, { revision: '1' }, { csrf: false });
    expect(res.statusCode).toBe(403);
    expect((await rowOf(id)).status).toBe('submitted');
  });
});

describe('the API beside the pages', () => {
  it('lists in the queue’s order (order=queue), paged by a cursor of its own', async () => {
    const { slug: queued } = await createPublishedPledge(t);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await waiting({ pledge: queued })).id);
    const first = await call('GET', `/endorsements?pledge=${queued}&order=queue&limit=2`, secretariat);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().items.map((e: { id: string }) => e.id)).toEqual(ids.slice(0, 2));
    const cursor = first.json().nextCursor as string;
    const second = await call(
      'GET',
      `/endorsements?pledge=${queued}&order=queue&limit=2&cursor=${cursor}`,
      secretariat,
    );
    expect(second.json().items.map((e: { id: string }) => e.id)).toEqual(ids.slice(2));
    // One order's cursor is not the other's.
    const mixed = await call('GET', `/endorsements?pledge=${queued}&limit=2&cursor=${cursor}`, secretariat);
    expect(mixed.statusCode).toBe(400);
  });

  it('refuses a decision on a revision that is no longer the endorsement’s (409)', async () => {
    const { id, official } = await waiting({ areaKeys: ['climate'] });
    expect((await call('PATCH', `/endorsements/${id}`, official, { scope: 'whole' })).statusCode).toBe(200);
    const stale = await call('POST', `/endorsements/${id}/decision`, secretariat, {
      decision: 'verified',
      revision: 1,
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().code).toBe('conflict');
    const current = await call('POST', `/endorsements/${id}/decision`, secretariat, {
      decision: 'verified',
      revision: 2,
    });
    expect(current.statusCode, current.body).toBe(200);
  });
});
