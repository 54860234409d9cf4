import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailOutbox, pledges } from '../src/db/schema/index.js';
import { getVersion, updateArea, updateVersion } from '../src/modules/pledges/index.js';
import { closeRound, setVerdict } from '../src/modules/rounds/index.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createCityOfficial, createReviewer, createSecretariat, type TestUser } from './helpers/factories.js';
import { createPublishedPledge } from './helpers/pledge-factories.js';
import { WebClient, errorSummary, fieldError, h1Of, inputValue, textOf } from './helpers/web.js';
import { secretariatContext, signedInAs } from './helpers/web-city.js';
import { auditActions, draftPledge, etagOf, hiddenFields, postPairs, versionRow } from './helpers/web-drafting.js';

// The secretariat's pledges: the list and "Create a pledge", one pledge's page with its versions,
// the preamble's editing, a new version, a validation round opened, and publishing (with the
// reason the API asks for when a version was not validated). Everything through the services the
// API uses; other roles find the 404 page.

let t: TestApp;
let staff: TestUser;
let client: WebClient;

beforeAll(async () => {
  t = await buildTestApp();
  staff = await createSecretariat(t);
  client = await signedInAs(t, staff);
});
afterAll(async () => t.close());

const preamble = (slug: string) => `/secretariat/pledges/${slug}/versions/1/preamble`;
const day = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

describe('who may open the pages', () => {
  it('is the secretariat alone: a city official and a reviewer find the 404 page; a visitor signs in', async () => {
    const slug = await draftPledge(t);
    for (const person of [await createCityOfficial(t), await createReviewer(t)]) {
      const other = await signedInAs(t, person);
      for (const url of [
        '/secretariat/pledges',
        `/secretariat/pledges/${slug}`,
        `/secretariat/pledges/${slug}/versions/1`,
      ]) {
        const res = await other.get(url);
        expect(res.statusCode, url).toBe(404);
        expect(h1Of(res.body)).toBe('Page not found');
      }
      // Their own forms' tokens do not open the secretariat's actions either.
      const account = await other.get('/account');
      const res = await other.post(
        `/secretariat/pledges/${slug}/versions/1/preamble`,
        { 'preamble-en': 'x' },
        { csrfFrom: account },
      );
      expect(res.statusCode).toBe(404);
    }
    const visitor = new WebClient(() => t.app);
    const res = await visitor.get(`/secretariat/pledges/${slug}`);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(
      `/sign-in?notice=sign-in-needed&next=${encodeURIComponent(`/secretariat/pledges/${slug}`)}`,
    );
  });

  it('shows the 404 page for a pledge that does not exist, or a version it does not have', async () => {
    const slug = await draftPledge(t);
    expect((await client.get('/secretariat/pledges/no-such-pledge')).statusCode).toBe(404);
    expect((await client.get('/secretariat/pledges/Not_A_Slug!')).statusCode).toBe(404);
    expect((await client.get(`/secretariat/pledges/${slug}/versions/7`)).statusCode).toBe(404);
  });
});

describe('the list and "Create a pledge"', () => {
  it('lists each pledge with its published and latest versions and its open round', async () => {
    const { slug } = await createPublishedPledge(t, { areaKeys: ['governance'] });
    // In Spanish (a browser of its own: the language stays with the session).
    const page = await (await signedInAs(t, staff)).get('/secretariat/pledges?lang=es');
    expect(page.statusCode).toBe(200);
    expect(h1Of(page.body)).toBe('Compromisos');
    const text = textOf(page.body);
    expect(text).toContain(`Compromiso ${slug}`);
    expect(text).toContain('Versión 1: Publicada');
    expect(page.body).toContain(`href="/secretariat/pledges/${slug}"`);
  });

  it('keeps the values of a form with a bad slug, says what a slug may be, and refuses a slug taken', async () => {
    const form = await client.get('/secretariat/pledges');
    const bad = await client.post(
      '/secretariat/pledges',
      {
        slug: 'Quito 2026',
        'title-en': 'Quito pledge',
        'title-fr': 'Engagement de Quito',
        requireMandateDocument: 'yes',
      },
      { csrfFrom: form },
    );
    expect(bad.statusCode).toBe(400);
    expect(errorSummary(bad.body)).toEqual([
      ['slug', 'Enter a slug of 3 to 80 lowercase letters, digits and single hyphens, such as quito-2026'],
    ]);
    expect(fieldError(bad.body, 'slug')).toBe(
      'Enter a slug of 3 to 80 lowercase letters, digits and single hyphens, such as quito-2026',
    );
    expect(inputValue(bad.body, 'slug')).toBe('Quito 2026');
    expect(inputValue(bad.body, 'title-fr')).toBe('Engagement de Quito');
    expect(bad.body).toMatch(/id="requireMandateDocument"[^>]* checked>/);

    const noTitle = await client.post(
      '/secretariat/pledges',
      { slug: 'fine-slug', 'title-en': ' ' },
      { csrfFrom: form },
    );
    expect(errorSummary(noTitle.body)).toEqual([['title-en', 'Enter the title in English (at most 300 characters)']]);

    const existing = await draftPledge(t);
    const taken = await client.post(
      '/secretariat/pledges',
      { slug: existing, 'title-en': 'Again' },
      { csrfFrom: form },
    );
    expect(taken.statusCode).toBe(409);
    expect(fieldError(taken.body, 'slug')).toBe('A pledge with this slug exists already: choose another');
  });

  it('creates the pledge with its draft version 1 and an audit event, then shows its page', async () => {
    const form = await client.get('/secretariat/pledges');
    const slug = `made-here-${Date.now()}`;
    const res = await client.post(
      '/secretariat/pledges',
      { slug, 'title-en': 'Made here', 'title-es': 'Hecho aquí', requireMandateDocument: 'yes' },
      { csrfFrom: form },
    );
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/secretariat/pledges/${slug}?notice=created`);
    const [row] = await t.db.select().from(pledges).where(eq(pledges.slug, slug));
    expect(row).toMatchObject({ title: { en: 'Made here', es: 'Hecho aquí' }, requireMandateDocument: true });
    expect(await auditActions(t, row!.id)).toEqual(['pledge.created']);
    const page = await client.get(res.headers.location as string);
    expect(h1Of(page.body)).toBe('Made here');
    const text = textOf(page.body);
    expect(text).toContain('The pledge has been created, with an empty draft version 1.');
    expect(text).toContain('Draft version 1');
    expect(text).toContain('Required for verification');
  });
});

describe('the preamble', () => {
  it('saves the preamble in two languages, with an audit event, and keeps the input of a bad one', async () => {
    const slug = await draftPledge(t);
    const page = await client.get(`/secretariat/pledges/${slug}`);
    expect(page.body).toContain('<label class="label" for="preamble-es">Preamble (Spanish)</label>');
    const bad = await client.post(
      `/secretariat/pledges/${slug}/versions/1/preamble`,
      { 'preamble-en': '', 'preamble-es': 'Las ciudades actúan.', ...hiddenFields(page.body, preamble(slug)) },
      { csrfFrom: page },
    );
    expect(bad.statusCode).toBe(400);
    expect(errorSummary(bad.body)).toEqual([
      ['preamble-en', 'Enter the preamble in English (at most 20,000 characters)'],
    ]);
    expect(bad.body).toContain('>Las ciudades actúan.</textarea>');

    const res = await client.post(
      `/secretariat/pledges/${slug}/versions/1/preamble`,
      {
        'preamble-en': 'Cities act.',
        'preamble-es': 'Las ciudades actúan.',
        'preamble-fr': '',
        ...hiddenFields(page.body, preamble(slug)),
      },
      { csrfFrom: page },
    );
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/secretariat/pledges/${slug}?notice=preamble`);
    const version = await versionRow(t, slug);
    expect(version.preamble).toEqual({ en: 'Cities act.', es: 'Las ciudades actúan.' });
    expect(await auditActions(t, version.id)).toContain('version.updated');
    expect(textOf((await client.get(res.headers.location as string)).body)).toContain('The preamble has been saved.');
  });

  it('after someone else saved, shows their text beside the kept one, and saving again replaces theirs', async () => {
    const slug = await draftPledge(t);
    const opened = await client.get(`/secretariat/pledges/${slug}`);
    // A colleague saves meanwhile.
    const colleague = secretariatContext(t, await createSecretariat(t));
    await updateVersion(colleague, slug, 1, { preamble: { en: 'Cities act together now.' } });

    const mine = { 'preamble-en': 'Cities act together.', 'preamble-es': 'Las ciudades actúan juntas.' };
    const stale = await client.post(
      `/secretariat/pledges/${slug}/versions/1/preamble`,
      { ...mine, ...hiddenFields(opened.body, preamble(slug)) },
      { csrfFrom: opened },
    );
    expect(stale.statusCode).toBe(409);
    expect(errorSummary(stale.body)).toEqual([
      [
        'preamble-en',
        'Someone else changed this version since you opened it. Their text is shown above yours: check it, ' +
          'then save again to replace it with yours',
      ],
    ]);
    const text = textOf(stale.body);
    expect(text).toContain(
      'Preamble (English), as someone else saved it while you were editing: Cities act together now.',
    );
    // What saving mine changes in theirs, word by word, said in words too.
    expect(text).toContain('What saving yours would change in it: Cities act together removed: now (end of change) .');
    // The Spanish text they left alone is no conflict: only mine.
    expect(text).not.toContain('Preamble (Spanish), as someone else saved it');
    expect(stale.body).toContain('>Cities act together.</textarea>');
    expect(etagOf(stale.body)).not.toBe(etagOf(opened.body));
    expect((await versionRow(t, slug)).preamble).toEqual({ en: 'Cities act together now.' });

    const again = await client.post(
      `/secretariat/pledges/${slug}/versions/1/preamble`,
      { ...mine, ...hiddenFields(stale.body, preamble(slug)) },
      { csrfFrom: stale },
    );
    expect(again.statusCode).toBe(303);
    expect((await versionRow(t, slug)).preamble).toEqual({
      en: 'Cities act together.',
      es: 'Las ciudades actúan juntas.',
    });
  });

  it('keeps the ETag of the opened form through a problem, so a change made meanwhile is still caught', async () => {
    const slug = await draftPledge(t);
    const opened = await client.get(`/secretariat/pledges/${slug}`);
    await updateArea(t.system, slug, 1, 'climate', { title: { en: 'Climate, renamed' } });
    const bad = await client.post(
      `/secretariat/pledges/${slug}/versions/1/preamble`,
      { 'preamble-en': '', ...hiddenFields(opened.body, preamble(slug)) },
      { csrfFrom: opened },
    );
    expect(etagOf(bad.body)).toBe(etagOf(opened.body));
    const stale = await client.post(
      `/secretariat/pledges/${slug}/versions/1/preamble`,
      { 'preamble-en': 'Now with text.', ...hiddenFields(bad.body, preamble(slug)) },
      { csrfFrom: bad },
    );
    expect(stale.statusCode).toBe(409);
    // They changed an area, not the preamble: the page says so.
    expect(errorSummary(stale.body)[0]![1]).toBe(
      'Someone else changed this version since you opened it, though not this text. ' +
        'Your text is kept: save again to apply it',
    );
  });
});

describe('a new version, a validation round, publishing', () => {
  it('opens a round only with networks and a future deadline; the version freezes, the networks are told', async () => {
    const slug = await draftPledge(t);
    const page = await client.get(`/secretariat/pledges/${slug}`);
    expect(page.body).toContain('id="networks"');
    const bad = await client.post(
      `/secretariat/pledges/${slug}/versions/1/rounds`,
      { deadline: day(-1) },
      { csrfFrom: page },
    );
    expect(bad.statusCode).toBe(400);
    expect(errorSummary(bad.body)).toEqual([
      ['networks', 'Tick at least one network to invite'],
      ['deadline', 'Enter the deadline as a day from today on'],
    ]);
    expect(inputValue(bad.body, 'deadline')).toBe(day(-1));
    const notADay = await client.post(
      `/secretariat/pledges/${slug}/versions/1/rounds`,
      { deadline: '2031-02-31', networks: 'MMC' },
      { csrfFrom: page },
    );
    expect(errorSummary(notADay.body)).toEqual([['deadline', 'Enter the deadline as a day from today on']]);
    expect(notADay.body).toMatch(/value="MMC" id="networks-MMC" checked>/);

    const reviewer = await createReviewer(t, 'UCLG');
    const res = await postPairs(
      t,
      client,
      `/secretariat/pledges/${slug}/versions/1/rounds`,
      [
        ['networks', 'MMC'],
        ['networks', 'UCLG'],
        ['deadline', day(14)],
      ],
      page,
    );
    expect(res.statusCode).toBe(303);
    const version = await versionRow(t, slug);
    expect(version.status).toBe('in_review');
    expect(version.contentHash).toMatch(/^[0-9a-f]{64}$/);
    const opened = await client.get(res.headers.location as string);
    const text = textOf(opened.body);
    expect(text).toContain('The validation round has been opened');
    expect(text).toMatch(/Round on version 1 .* Open, until/);
    expect(opened.body).toMatch(/href="\/secretariat\/rounds\/[0-9a-f-]{36}"/);
    // No editor for a version in review, and a late form is refused in words.
    expect(opened.body).not.toContain('Save preamble');
    const late = await client.post(
      `/secretariat/pledges/${slug}/versions/1/preamble`,
      { 'preamble-en': 'Too late.', ...hiddenFields(page.body, preamble(slug)) },
      { csrfFrom: page },
    );
    expect(late.headers.location).toBe(`/secretariat/pledges/${slug}?notice=not-draft`);
    const round = /href="\/secretariat\/rounds\/([0-9a-f-]{36})"/.exec(opened.body)![1]!;
    const [mail] = await t.db
      .select()
      .from(mailOutbox)
      .where(eq(mailOutbox.dedupeKey, `round:${round}:opened:${reviewer.id}`));
    expect(mail).toBeDefined();
    expect(text).toContain('MMC and UCLG');
  });

  it('publishes a version not validated only with a reason, kept with the version and in the audit log', async () => {
    const slug = await draftPledge(t);
    const page = await client.get(`/secretariat/pledges/${slug}`);
    expect(textOf(page.body)).toContain('Version 1 is Draft: the networks have not validated it.');
    const bad = await client.post(
      `/secretariat/pledges/${slug}/versions/1/publish`,
      { reason: 'short' },
      { csrfFrom: page },
    );
    expect(bad.statusCode).toBe(400);
    expect(errorSummary(bad.body)).toEqual([
      ['reason', 'Give the reason for publishing a version the networks have not validated (at least 10 characters)'],
    ]);
    expect(bad.body).toContain('>short</textarea>');
    const reason = 'The Forum opens tomorrow; the networks agreed by phone.';
    const res = await client.post(`/secretariat/pledges/${slug}/versions/1/publish`, { reason }, { csrfFrom: page });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/secretariat/pledges/${slug}?notice=published`);
    const version = await versionRow(t, slug);
    expect(version).toMatchObject({ status: 'published', publishOverrideReason: reason });
    expect(await auditActions(t, version.id)).toContain('version.published_with_override');
    const versionPage = textOf((await client.get(`/secretariat/pledges/${slug}/versions/1`)).body);
    expect(versionPage).toContain(`Published without validation, because ${reason}`);
  });

  it('makes one new draft from the latest version, and publishes a validated one without a reason', async () => {
    const { slug } = await createPublishedPledge(t, { areaKeys: ['governance', 'climate'] });
    const page = await client.get(`/secretariat/pledges/${slug}`);
    expect(textOf(page.body)).toContain('Version 1 is Published: its text can no longer change.');
    const res = await client.post(`/secretariat/pledges/${slug}/versions`, {}, { csrfFrom: page });
    expect(res.headers.location).toBe(`/secretariat/pledges/${slug}?notice=version-created`);
    const twice = await client.post(`/secretariat/pledges/${slug}/versions`, {}, { csrfFrom: page });
    expect(twice.headers.location).toBe(`/secretariat/pledges/${slug}?notice=draft-exists`);
    expect((await versionRow(t, slug, 2)).status).toBe('draft');
    await expect(versionRow(t, slug, 3)).rejects.toThrow();

    // The networks validate version 2 through the services.
    const reviewer = await createReviewer(t, 'GPM');
    const drafted = await client.get(`/secretariat/pledges/${slug}`);
    await client.post(
      `/secretariat/pledges/${slug}/versions/2/rounds`,
      { networks: 'GPM', deadline: day(3) },
      { csrfFrom: drafted },
    );
    const round = /href="\/secretariat\/rounds\/([0-9a-f-]{36})"/.exec(
      (await client.get(`/secretariat/pledges/${slug}`)).body,
    )![1]!;
    await setVerdict(
      { db: t.db, actor: { kind: 'network_reviewer', userId: reviewer.id, networkId: reviewer.networkId! } },
      { publicBaseUrl: t.config.publicBaseUrl },
      round,
      'GPM',
      { verdict: 'approve', summary: 'Fine.' },
    );
    await closeRound(secretariatContext(t, staff), { publicBaseUrl: t.config.publicBaseUrl }, round);
    const validated = await client.get(`/secretariat/pledges/${slug}`);
    const text = textOf(validated.body);
    expect(text).toContain('The networks validated version 2.');
    expect(text).toContain('Closed on');
    expect(validated.body).not.toContain('id="reason"');
    const published = await client.post(`/secretariat/pledges/${slug}/versions/2/publish`, {}, { csrfFrom: validated });
    expect(published.statusCode).toBe(303);
    expect((await getVersion(t.system, slug, 2)).version.status).toBe('published');
    expect((await versionRow(t, slug, 1)).status).toBe('superseded');
    // Nothing waits now; publishing version 1 again is refused in words.
    const after = await client.get(published.headers.location as string);
    expect(textOf(after.body)).toContain('No version waits to be published');
    const back = await client.post(
      `/secretariat/pledges/${slug}/versions/1/publish`,
      { reason: 'Going back to one.' },
      { csrfFrom: after },
    );
    expect(back.headers.location).toBe(`/secretariat/pledges/${slug}?notice=publish-refused`);
  });
});
