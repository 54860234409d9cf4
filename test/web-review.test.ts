import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRound, setVerdict } from '../src/modules/rounds/index.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import {
  createCity,
  createCityOfficial,
  createReviewer,
  createSecretariat,
  type TestUser,
} from './helpers/factories.js';
import { createPublishedPledge } from './helpers/pledge-factories.js';
import { errorSummary, fieldError, h1Of, textOf, WebClient } from './helpers/web.js';
import { endorsedBy, secretariatContext, signedInAs } from './helpers/web-city.js';
import { draftPledge, passDeadline, roundOn, secondVersion } from './helpers/web-rounds.js';

// A network reviewer's pages: the inbox of the rounds that invite their network, one round with the
// text under review, comments beside each area, the differences from the previous version, and
// their network's verdict. The rounds service decides; a round that does not invite their network
// is the 404 page, as for anyone who is not a reviewer.

let t: TestApp;
let secretariat: TestUser;
let mmc: TestUser;
let uclg: TestUser;
let gpm: TestUser;
let slug: string;
let roundId: string;

const deps = () => ({ publicBaseUrl: t.config.publicBaseUrl });

beforeAll(async () => {
  t = await buildTestApp();
  secretariat = await createSecretariat(t);
  [mmc, uclg, gpm] = await Promise.all([createReviewer(t, 'MMC'), createReviewer(t, 'UCLG'), createReviewer(t, 'GPM')]);
  slug = await draftPledge(t);
  roundId = await roundOn(t, slug, ['MMC', 'UCLG']);
});
afterAll(async () => t.close());

/** A round of its own (a new pledge), so that one test's comments and verdicts do not meet another's. */
async function freshRound(networks = ['MMC', 'UCLG'], days = 10) {
  return roundOn(t, await draftPledge(t), networks, { days });
}

describe('the inbox', () => {
  it('lands a reviewer on /review after signing in, with the rounds that invite their network', async () => {
    const client = new WebClient(() => t.app, {}, '10.78.0.1');
    const form = await client.get('/sign-in');
    const res = await client.post('/sign-in', { email: mmc.email, password: mmc.password }, { csrfFrom: form });
    expect(res.headers.location).toBe('/review');
    const inbox = await client.get('/review');
    expect(inbox.statusCode).toBe(200);
    expect(h1Of(inbox.body)).toBe('Validation rounds');
    const text = textOf(inbox.body);
    expect(text).toContain(`Pledge ${slug} · Version 1`);
    expect(text).toMatch(/(9|10) days left/);
    expect(text).toContain('No verdict yet');
    expect(inbox.body).toContain(`href="/review/rounds/${roundId}"`);
    expect(inbox.body).toContain('href="/secretariat/reports"');
  });

  it('lists open rounds first, a closed one with its outcome; says so when there are none', async () => {
    const closed = await freshRound(['GPM']);
    const reviewer = { kind: 'network_reviewer', userId: gpm.id, networkId: gpm.networkId! } as const;
    await setVerdict({ db: t.db, actor: reviewer }, deps(), closed, 'GPM', { verdict: 'approve' });
    await closeRound(secretariatContext(t, secretariat), deps(), closed);
    const open = await freshRound(['GPM'], 3);
    const client = await signedInAs(t, gpm);
    const inbox = (await client.get('/review')).body;
    expect(inbox.indexOf(`/review/rounds/${open}`)).toBeLessThan(inbox.indexOf(`/review/rounds/${closed}`));
    const text = textOf(inbox);
    expect(text.indexOf('3 days left')).toBeLessThan(text.indexOf('Closed'));
    expect(text).toContain('Validated: every invited network approved this version.');
    expect(text).toContain('Approve');

    const loner = await createReviewer(t, 'Metropolis');
    const empty = textOf((await (await signedInAs(t, loner)).get('/review')).body);
    expect(empty).toContain('Your network has not been invited to any validation round yet.');
  });

  it('is the 404 page for a city official and the secretariat, and asks a visitor to sign in', async () => {
    const official = await signedInAs(t, await createCityOfficial(t));
    expect((await official.get('/review')).statusCode).toBe(404);
    expect((await official.get(`/review/rounds/${roundId}`)).statusCode).toBe(404);
    const staff = await signedInAs(t, secretariat);
    expect((await staff.get(`/review/rounds/${roundId}`)).statusCode).toBe(404);
    const visitor = new WebClient(() => t.app);
    const res = await visitor.get(`/review/rounds/${roundId}`);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(
      `/sign-in?notice=sign-in-needed&next=${encodeURIComponent(`/review/rounds/${roundId}`)}`,
    );
  });
});

describe('a round', () => {
  it('shows the version under review area by area in the reader’s language; no differences for version 1', async () => {
    const client = await signedInAs(t, mmc);
    const page = await client.get(`/review/rounds/${roundId}?lang=es`);
    expect(page.statusCode).toBe(200);
    expect(h1Of(page.body)).toBe('Versión 1 en revisión');
    const text = textOf(page.body);
    expect(text).toContain('Área governance');
    expect(text).toContain('De qué trata services.');
    // A commitment not translated shows in English, marked as English.
    expect(page.body).toContain('<li lang="en">Act on governance.</li>');
    expect(text).toContain('no hay una versión anterior');
    expect(page.body).toContain('<option value="">General</option>');
    expect(page.body).toMatch(/<legend[^>]*>Veredicto<\/legend>/);
  });

  it('is the 404 page for a reviewer of a network the round does not invite, and for a missing round', async () => {
    const client = await signedInAs(t, gpm);
    expect((await client.get(`/review/rounds/${roundId}`)).statusCode).toBe(404);
    expect((await client.get('/review/rounds/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    expect((await client.get('/review/rounds/not-a-round')).statusCode).toBe(404);
    // Its own page's token: the form is valid, the round is not theirs.
    const form = await client.get('/account');
    const comment = { areaKey: '', body: 'Let me in' };
    const res = await client.post(`/review/rounds/${roundId}/comments`, comment, { csrfFrom: form });
    expect(res.statusCode).toBe(404);
    const verdict = await client.post(`/review/rounds/${roundId}/verdict`, { verdict: 'approve' }, { csrfFrom: form });
    expect(verdict.statusCode).toBe(404);
  });

  it('puts a comment beside its area and a general one apart, with the network and time', async () => {
    const id = await freshRound();
    const client = await signedInAs(t, mmc);
    const form = await client.get(`/review/rounds/${id}?area=services`);
    expect(form.body).toContain('<option value="services" selected>');
    const res = await client.post(
      `/review/rounds/${id}/comments`,
      { areaKey: 'services', body: 'Name the services.' },
      { csrfFrom: form },
    );
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/review/rounds/${id}?notice=commented`);
    await client.post(
      `/review/rounds/${id}/comments`,
      { areaKey: '', body: 'Good draft overall.' },
      { csrfFrom: form },
    );
    const page = await client.get(res.headers.location as string);
    const text = textOf(page.body);
    expect(text).toContain('Your comment has been added.');
    const start = text.indexOf('2. Area services');
    const services = text.slice(start, text.indexOf('General comments', start));
    expect(services).toContain('1 comment on this area');
    expect(services).toContain('MMC');
    expect(services).toContain('Name the services.');
    expect(services).toContain('The secretariat has not answered yet.');
    expect(text.slice(text.indexOf('General comments'))).toContain('Good draft overall.');
    expect(services).not.toContain('Late');
  });

  it('keeps the comment and says what is wrong beside each field', async () => {
    const client = await signedInAs(t, mmc);
    const form = await client.get(`/review/rounds/${roundId}`);
    const empty = await client.post(
      `/review/rounds/${roundId}/comments`,
      { areaKey: 'services', body: '  ' },
      { csrfFrom: form },
    );
    expect(empty.statusCode).toBe(400);
    expect(errorSummary(empty.body)).toEqual([['body', 'Write your comment (at most 10,000 characters)']]);
    expect(empty.body).toContain('<option value="services" selected>');
    const unknown = await client.post(
      `/review/rounds/${roundId}/comments`,
      { areaKey: 'housing', body: 'On an area that is not there.' },
      { csrfFrom: form },
    );
    expect(unknown.statusCode).toBe(400);
    expect(fieldError(unknown.body, 'areaKey')).toBe('Choose an action area of this version, or General');
    expect(unknown.body).toContain('>On an area that is not there.</textarea>');
    const long = 'x'.repeat(10_001);
    const tooLong = await client.post(
      `/review/rounds/${roundId}/comments`,
      { areaKey: '', body: long },
      { csrfFrom: form },
    );
    expect(fieldError(tooLong.body, 'body')).toBe('Write your comment (at most 10,000 characters)');
    expect(tooLong.body).toContain(`>${long}</textarea>`);
  });

  it('takes a verdict, keeps the summary when none is chosen, and lets the network change it while open', async () => {
    const id = await freshRound();
    const client = await signedInAs(t, uclg);
    const form = await client.get(`/review/rounds/${id}`);
    const none = await client.post(`/review/rounds/${id}/verdict`, { summary: 'Fine by us.' }, { csrfFrom: form });
    expect(none.statusCode).toBe(400);
    expect(errorSummary(none.body)).toEqual([['verdict', 'Choose Approve or Request changes']]);
    expect(none.body).toContain('>Fine by us.</textarea>');

    const approve = await client.post(
      `/review/rounds/${id}/verdict`,
      { verdict: 'approve', summary: 'Fine by us.' },
      { csrfFrom: form },
    );
    expect(approve.headers.location).toBe(`/review/rounds/${id}?notice=verdict`);
    let page = await client.get(`/review/rounds/${id}`);
    expect(page.body).toContain('value="approve" id="verdict" checked');
    expect(textOf(page.body)).toContain('Verdict of UCLG Approve');

    await client.post(
      `/review/rounds/${id}/verdict`,
      { verdict: 'request_changes', summary: 'Add housing.' },
      { csrfFrom: form },
    );
    page = await client.get(`/review/rounds/${id}`);
    expect(page.body).toContain('value="request_changes" id="verdict-request_changes" checked');
    expect(page.body).toContain('>Add housing.</textarea>');
    expect(textOf(page.body)).toContain('Verdict of UCLG Request changes');
  });

  it('marks comments and verdicts late after the deadline, as the service does', async () => {
    const id = await freshRound();
    await passDeadline(t, id);
    const client = await signedInAs(t, mmc);
    const form = await client.get(`/review/rounds/${id}`);
    expect(textOf(form.body)).toContain('The deadline has passed: a comment or verdict given now is marked late.');
    expect(textOf(form.body)).toMatch(/deadline passed (2|3) hours ago/);
    await client.post(
      `/review/rounds/${id}/comments`,
      { areaKey: 'governance', body: 'Sorry, late.' },
      { csrfFrom: form },
    );
    await client.post(`/review/rounds/${id}/verdict`, { verdict: 'approve' }, { csrfFrom: form });
    const page = textOf((await client.get(`/review/rounds/${id}`)).body);
    expect(page).toMatch(/MMC · [^·]+ UTC Late Sorry, late\./);
    expect(page).toMatch(/Verdict of MMC Approve Late/);
    expect(textOf((await client.get('/review')).body)).toMatch(/Approve Late/);
  });

  it('shows a closed round read-only, and says a comment sent after it closed was refused', async () => {
    const id = await freshRound(['MMC']);
    const client = await signedInAs(t, mmc);
    const form = await client.get(`/review/rounds/${id}`);
    await closeRound(secretariatContext(t, secretariat), deps(), id, true);
    const refused = await client.post(
      `/review/rounds/${id}/comments`,
      { areaKey: '', body: 'Too late now.' },
      { csrfFrom: form },
    );
    expect(refused.statusCode).toBe(409);
    const page = await client.get(`/review/rounds/${id}`);
    const text = textOf(page.body);
    expect(text).toContain('The round is closed: its comments and verdicts can be read but no longer changed.');
    expect(text).toContain('Changes requested: not every invited network approved this version.');
    expect(page.body).not.toContain('Send verdict');
    expect(page.body).not.toContain('name="body"');
    const verdict = await client.post(`/review/rounds/${id}/verdict`, { verdict: 'approve' }, { csrfFrom: form });
    expect(verdict.statusCode).toBe(409);
  });

  it('shows the differences from the version it was copied from', async () => {
    const pledge = await draftPledge(t);
    await roundOn(t, pledge, ['MMC']);
    await secondVersion(t, pledge, 'services', 'Health, schools and housing for everyone.');
    const id = await roundOn(t, pledge, ['MMC'], { version: 2 });
    const page = await (await signedInAs(t, mmc)).get(`/review/rounds/${id}`);
    const text = textOf(page.body);
    expect(text).toContain('Differences from version 1');
    const diff = text.slice(text.lastIndexOf('Differences from version 1'));
    expect(diff).toContain('Action areas changed Area services Description English');
    expect(diff).toContain('removed: What (end of change) added: Health, (end of change)');
  });
});

describe('the services refuse what the pages never offer', () => {
  it('refuses a verdict from the secretariat, even through the service', async () => {
    await expect(
      setVerdict(secretariatContext(t, secretariat), deps(), roundId, 'MMC', { verdict: 'approve' }),
    ).rejects.toMatchObject({ status: 403 });
    const staff = await signedInAs(t, secretariat);
    const form = await staff.get('/account');
    const res = await staff.post(`/review/rounds/${roundId}/verdict`, { verdict: 'approve' }, { csrfFrom: form });
    expect(res.statusCode).toBe(404);
  });
});

describe('the endorsements of the network’s member cities', () => {
  it('lists member cities’ endorsements only, read-only', async () => {
    const { slug: published } = await createPublishedPledge(t, { areaKeys: ['governance', 'climate'] });
    const member = await createCity(t, { networks: ['GPM'], name: 'Memberville' });
    const other = await createCity(t, { name: 'Otherville' });
    await endorsedBy(t, await createCityOfficial(t, member.id), published, {
      areaKeys: ['climate'],
      verifiedBy: secretariat,
    });
    await endorsedBy(t, await createCityOfficial(t, other.id), published);
    const page = await (await signedInAs(t, gpm)).get('/review/endorsements');
    expect(page.statusCode).toBe(200);
    const text = textOf(page.body);
    expect(text).toContain('Memberville');
    expect(text).toContain('Verified');
    expect(text).toContain('Area climate');
    expect(text).not.toContain('Otherville');
    expect(page.body).not.toContain('<form method="post"');
  });
});
