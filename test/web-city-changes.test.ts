import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificates, endorsements, progressUpdates } from '../src/db/schema/index.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createCityOfficial, createSecretariat, type TestUser } from './helpers/factories.js';
import { createPublishedPledge, publishNextVersion } from './helpers/pledge-factories.js';
import { errorSummary, fieldError, h1Of, textOf } from './helpers/web.js';
import { endorsedBy, signedInAs } from './helpers/web-city.js';

// What a city official does with an endorsement: change its areas, withdraw it (a reason and a
// confirmation), report progress per area, confirm it on a newer published version. The services
// decide; the pages say their refusals in words. Another city's endorsement is the 404 page.

let t: TestApp;
let secretariat: TestUser;
let slug: string;

beforeAll(async () => {
  t = await buildTestApp();
  secretariat = await createSecretariat(t);
  ({ slug } = await createPublishedPledge(t, { areaKeys: ['governance', 'climate', 'inclusion'] }));
});
afterAll(async () => t.close());

async function rowOf(id: string) {
  const [row] = await t.db.select().from(endorsements).where(eq(endorsements.id, id));
  return row!;
}

/** An official, their verified endorsement, and a browser signed in as them. */
async function verifiedEndorsement(areaKeys?: string[]) {
  const official = await createCityOfficial(t);
  const id = await endorsedBy(t, official, slug, { areaKeys, verifiedBy: secretariat });
  return { official, id, client: await signedInAs(t, official) };
}

describe('changing the action areas', () => {
  it('shows the areas as they are, says what a change does, and sends it back for verification', async () => {
    const { id, client } = await verifiedEndorsement(['climate']);
    const form = await client.get(`/city/endorsements/${id}/areas`);
    expect(form.statusCode).toBe(200);
    expect(h1Of(form.body)).toBe('Change action areas');
    expect(form.body).toContain('value="areas" id="scope-areas" checked');
    expect(form.body).toMatch(/id="areaKeys-climate" aria-describedby="areaKeys-climate-text" checked>/);
    expect(textOf(form.body)).toContain('Your endorsement is verified. After a change it goes back to the secretariat');

    const res = await client.post(
      `/city/endorsements/${id}/areas`,
      { scope: 'areas', areaKeys: 'governance', reason: 'The council added governance.' },
      { csrfFrom: form },
    );
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/city/endorsements/${id}?notice=amended`);
    expect(await rowOf(id)).toMatchObject({ areaKeys: ['governance'], status: 'submitted', revision: 3 });
    const page = textOf((await client.get(res.headers.location as string)).body);
    expect(page).toContain('The action areas have been changed.');
    expect(page).toContain('Action areas changed');
    expect(page).toContain('Reason: The council added governance.');
  });

  it('keeps the choice when nothing is ticked, and takes several areas sent together', async () => {
    const { id, client } = await verifiedEndorsement(['climate']);
    const form = await client.get(`/city/endorsements/${id}/areas`);
    const res = await client.post(
      `/city/endorsements/${id}/areas`,
      { scope: 'areas', reason: 'kept' },
      { csrfFrom: form },
    );
    expect(res.statusCode).toBe(400);
    expect(errorSummary(res.body)).toEqual([['areaKeys', 'Tick at least one action area, or choose "Whole pledge"']]);
    expect(res.body).toContain('>kept</textarea>');
    const body = new URLSearchParams([
      ['scope', 'areas'],
      ['areaKeys', 'inclusion'],
      ['areaKeys', 'climate'],
    ]);
    const both = await client.post(`/city/endorsements/${id}/areas`, Object.fromEntries(body), { csrfFrom: form });
    expect(both.statusCode).toBe(303);
    const whole = await client.post(`/city/endorsements/${id}/areas`, { scope: 'whole' }, { csrfFrom: form });
    expect(whole.statusCode).toBe(303);
    expect(await rowOf(id)).toMatchObject({ scope: 'whole', areaKeys: ['governance', 'climate', 'inclusion'] });
  });

  it("is the 404 page for another city's endorsement, and refuses a form without its token", async () => {
    const { id, client } = await verifiedEndorsement();
    const other = await signedInAs(t, await createCityOfficial(t));
    expect((await other.get(`/city/endorsements/${id}/areas`)).statusCode).toBe(404);
    const form = await other.get('/account');
    const res = await other.post(`/city/endorsements/${id}/areas`, { scope: 'whole' }, { csrfFrom: form });
    expect(res.statusCode).toBe(404);
    expect(h1Of(res.body)).toBe('Page not found');
    const noToken = await client.post(`/city/endorsements/${id}/areas`, { scope: 'whole' }, { csrf: false });
    expect(noToken.statusCode).toBe(403);
    expect((await rowOf(id)).revision).toBe(2);
  });
});

describe('withdrawing', () => {
  it('asks for a reason and a confirmation, then withdraws and revokes the certificate', async () => {
    const { id, client } = await verifiedEndorsement();
    const form = await client.get(`/city/endorsements/${id}/withdraw`);
    expect(h1Of(form.body)).toBe('Withdraw endorsement');
    expect(textOf(form.body)).toMatch(/Its certificate AP-[A-Z0-9-]+ will be revoked/);
    const res = await client.post(`/city/endorsements/${id}/withdraw`, { reason: ' x ' }, { csrfFrom: form });
    expect(res.statusCode).toBe(400);
    expect(errorSummary(res.body)).toEqual([
      ['reason', 'Give the reason for the withdrawal (between 3 and 2,000 characters)'],
      ['confirm', 'Tick the box to confirm the withdrawal'],
    ]);
    expect(fieldError(res.body, 'confirm')).toBe('Tick the box to confirm the withdrawal');
    expect(res.body).toContain('> x </textarea>');
    expect((await rowOf(id)).status).toBe('verified');

    const done = await client.post(
      `/city/endorsements/${id}/withdraw`,
      { reason: 'The new council withdrew it.', confirm: 'yes' },
      { csrfFrom: form },
    );
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe(`/city/endorsements/${id}?notice=withdrawn`);
    expect((await rowOf(id)).status).toBe('withdrawn');
    const [certificate] = await t.db.select().from(certificates).where(eq(certificates.endorsementId, id));
    expect(certificate!.revokedAt).not.toBeNull();
    const page = await client.get(done.headers.location as string);
    const text = textOf(page.body);
    expect(text).toContain('The endorsement has been withdrawn.');
    expect(text).toContain('– Withdrawn');
    expect(text).toContain('Reason: The new council withdrew it.');
    expect(page.body).not.toContain('Change action areas');
    expect(page.body).not.toContain('certificate.pdf');
    // The city may endorse again.
    expect((await client.get('/city')).body).toContain('Endorse this pledge again');

    const again = await client.post(
      `/city/endorsements/${id}/withdraw`,
      { reason: 'Once more.', confirm: 'yes' },
      { csrfFrom: form },
    );
    expect(again.statusCode).toBe(409);
    expect(errorSummary(again.body)).toEqual([]);
    expect(textOf(again.body)).toContain('This endorsement is Withdrawn: it can no longer be changed.');
  });

  it("is the 404 page for another city's endorsement", async () => {
    const { id } = await verifiedEndorsement();
    const other = await signedInAs(t, await createCityOfficial(t));
    const form = await other.get('/account');
    const res = await other.post(
      `/city/endorsements/${id}/withdraw`,
      { reason: 'Not ours to withdraw.', confirm: 'yes' },
      { csrfFrom: form },
    );
    expect(res.statusCode).toBe(404);
    expect((await rowOf(id)).status).toBe('verified');
  });

  it('refuses a form without its token', async () => {
    const { id, client } = await verifiedEndorsement();
    const res = await client.post(
      `/city/endorsements/${id}/withdraw`,
      { reason: 'No token.', confirm: 'yes' },
      { csrf: false },
    );
    expect(res.statusCode).toBe(403);
    expect((await rowOf(id)).status).toBe('verified');
  });
});

describe('reporting progress', () => {
  it('takes a stage and a narrative for an endorsed area, and shows the latest on the endorsement', async () => {
    const { id, client } = await verifiedEndorsement(['climate', 'inclusion']);
    const form = await client.get(`/city/endorsements/${id}/progress?area=inclusion`);
    expect(h1Of(form.body)).toBe('Report progress');
    expect(form.body).toContain('value="inclusion" id="areaKey-inclusion" checked');
    expect(form.body).not.toContain('value="governance"');

    const res = await client.post(
      `/city/endorsements/${id}/progress`,
      { areaKey: 'inclusion', narrative: '   ' },
      { csrfFrom: form },
    );
    expect(res.statusCode).toBe(400);
    expect(errorSummary(res.body)).toEqual([
      ['stage', 'Choose the stage'],
      ['narrative', 'Say what has been done (at most 10,000 characters)'],
    ]);
    expect(res.body).toContain('value="inclusion" id="areaKey-inclusion" checked');

    const notOurs = await client.post(
      `/city/endorsements/${id}/progress`,
      { areaKey: 'governance', stage: 'planning', narrative: 'Not endorsed.' },
      { csrfFrom: form },
    );
    expect(notOurs.statusCode).toBe(400);
    expect(errorSummary(notOurs.body)).toEqual([['areaKey', 'Choose one of the action areas your city endorsed']]);

    const done = await client.post(
      `/city/endorsements/${id}/progress`,
      { areaKey: 'inclusion', stage: 'in_progress', narrative: 'A welcome office opened in March.' },
      { csrfFrom: form },
    );
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe(`/city/endorsements/${id}?notice=progress`);
    const rows = await t.db.select().from(progressUpdates).where(eq(progressUpdates.endorsementId, id));
    expect(rows).toMatchObject([{ areaKey: 'inclusion', stage: 'in_progress' }]);
    const text = textOf((await client.get(done.headers.location as string)).body);
    expect(text).toContain('Your progress report has been saved.');
    expect(text).toMatch(/Area inclusion In progress reported on .* A welcome office opened in March\./);
    expect(text).toContain('Area climate No progress reported yet.');
  });

  it("is the 404 page for another city's endorsement, and refuses a form without its token", async () => {
    const { id, client } = await verifiedEndorsement();
    const other = await signedInAs(t, await createCityOfficial(t));
    const form = await other.get('/account');
    const fields = { areaKey: 'climate', stage: 'planning', narrative: 'Someone else.' };
    expect((await other.post(`/city/endorsements/${id}/progress`, fields, { csrfFrom: form })).statusCode).toBe(404);
    expect((await client.post(`/city/endorsements/${id}/progress`, fields, { csrf: false })).statusCode).toBe(403);
    expect(await t.db.select().from(progressUpdates).where(eq(progressUpdates.endorsementId, id))).toHaveLength(0);
  });
});

describe('confirming a newer version', () => {
  it('shows what changed and how the areas map, then moves the endorsement to the new version', async () => {
    const pledge = await createPublishedPledge(t, { areaKeys: ['governance', 'climate', 'inclusion'] });
    const official = await createCityOfficial(t);
    const id = await endorsedBy(t, official, pledge.slug, {
      areaKeys: ['climate', 'inclusion'],
      verifiedBy: secretariat,
    });
    const client = await signedInAs(t, official);
    expect((await client.get(`/city/endorsements/${id}`)).body).not.toContain('Confirm the new version');

    await publishNextVersion(t, pledge.slug, { remove: ['inclusion'], add: ['mobility'] });
    const home = textOf((await client.get('/city')).body);
    expect(home).toContain('A newer version of this pledge has been published');
    const page = await client.get(`/city/endorsements/${id}`);
    const text = textOf(page.body);
    expect(text).toContain('Version 2 has been published');
    expect(text).toContain('New area: Area mobility');
    expect(text).toContain('Area removed: Area inclusion — your city endorsed it; it will be dropped');
    expect(text).toContain('Area climate Kept');
    expect(text).toContain('Area inclusion Dropped: no longer in the text');
    expect(page.body).toContain('id="reconfirm">Confirm the new version</button>');

    const other = await signedInAs(t, await createCityOfficial(t));
    const notTheirs = await other.post(
      `/city/endorsements/${id}/reconfirm`,
      { versionNumber: '2' },
      { csrfFrom: await other.get('/account') },
    );
    expect(notTheirs.statusCode).toBe(404);
    expect(
      (await client.post(`/city/endorsements/${id}/reconfirm`, { versionNumber: '2' }, { csrf: false })).statusCode,
    ).toBe(403);

    const res = await client.post(`/city/endorsements/${id}/reconfirm`, { versionNumber: '2' }, { csrfFrom: page });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/city/endorsements/${id}?notice=reconfirmed`);
    expect(await rowOf(id)).toMatchObject({ versionNumber: 2, areaKeys: ['climate'], status: 'submitted' });
    const after = await client.get(res.headers.location as string);
    expect(textOf(after.body)).toContain('The endorsement is now on the new version.');
    expect(textOf(after.body)).toContain('Confirmed on a new version');
    expect(after.body).not.toContain('Confirm the new version');

    // The same form sent again (a second tab): the service refuses, the page says it in words.
    const twice = await client.post(`/city/endorsements/${id}/reconfirm`, { versionNumber: '2' }, { csrfFrom: page });
    expect(twice.statusCode).toBe(409);
    expect(errorSummary(twice.body)).toEqual([['reconfirm', expect.stringContaining('could not be confirmed')]]);
  });
});
