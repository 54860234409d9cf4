import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endorsements, mandateDocuments } from '../src/db/schema/index.js';
import { decideEndorsement } from '../src/modules/endorsements/index.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createCityOfficial, createReviewer, createSecretariat, type TestUser } from './helpers/factories.js';
import { createPublishedPledge } from './helpers/pledge-factories.js';
import { errorSummary, fieldError, h1Of, inputValue, textOf, WebClient } from './helpers/web.js';
import { endorsedBy, formParts, secretariatContext, signedInAs, tinyPdf } from './helpers/web-city.js';

// The city official's first steps: their city's endorsements (/city), endorsing a pledge by areas
// with a mandate document, and the endorsement's page; who may see what.

let t: TestApp;
let secretariat: TestUser;
let slug: string;

beforeAll(async () => {
  t = await buildTestApp();
  secretariat = await createSecretariat(t);
  ({ slug } = await createPublishedPledge(t, { areaKeys: ['governance', 'climate', 'inclusion'] }));
});
afterAll(async () => t.close());

const endorseUrl = () => `/city/pledges/${slug}/endorse`;

describe('/city', () => {
  it('sends a visitor to sign in, and brings them back', async () => {
    const client = new WebClient(() => t.app);
    const res = await client.get('/city');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/sign-in?notice=sign-in-needed&next=%2Fcity');
  });

  it('is the 404 page for a reviewer and for the secretariat', async () => {
    for (const person of [await createReviewer(t), secretariat]) {
      const res = await (await signedInAs(t, person)).get('/city');
      expect(res.statusCode).toBe(404);
      expect(h1Of(res.body)).toBe('Page not found');
    }
  });

  it("lists each published pledge with the city's endorsement, or a link to endorse it", async () => {
    const official = await createCityOfficial(t);
    const client = await signedInAs(t, official);
    const before = await client.get('/city');
    expect(before.statusCode).toBe(200);
    expect(before.body).toContain('<a href="/city" aria-current="page">Your city</a>');
    expect(textOf(before.body)).toContain('Your city has not endorsed this pledge.');
    expect(before.body).toContain(`href="/city/pledges/${slug}/endorse"`);

    const id = await endorsedBy(t, official, slug, { areaKeys: ['climate'], verifiedBy: secretariat });
    const after = textOf((await client.get('/city')).body);
    expect(after).toContain('Status ✓ Verified');
    expect(after).toContain('Chosen action areas of version 1: Area climate');
    expect(after).not.toContain('Endorse this pledge');
    const page = (await client.get('/city')).body;
    for (const lang of ['en', 'es', 'fr'])
      expect(page).toContain(`href="/city/endorsements/${id}/certificate.pdf?lang=${lang}"`);
    expect(page).toContain(`href="/city/endorsements/${id}"`);
  });
});

describe('endorsing a pledge', () => {
  it('shows the form: whole or chosen areas with their text, signatory, language, the mandate limits', async () => {
    const client = await signedInAs(t, await createCityOfficial(t));
    const page = await client.get(endorseUrl());
    expect(page.statusCode).toBe(200);
    expect(h1Of(page.body)).toBe('Endorse the pledge');
    const text = textOf(page.body);
    for (const label of ['Whole pledge', 'Chosen action areas', 'Signatory name', 'Signatory title', 'Language'])
      expect(page.body).toMatch(new RegExp(`<label[^>]*>${label}</label>`));
    expect(text).toContain('Statement (optional)');
    expect(text).toContain('Mandate document (optional)');
    expect(text).toContain('a PDF, PNG or JPEG file of 10 MB at most');
    expect(page.body).toMatch(/<label for="areaKeys-climate">Area climate<\/label>/);
    expect(page.body).toContain('aria-describedby="areaKeys-climate-text"');
    expect(text).toContain('What climate is about.');
    expect(page.body).toContain('<button class="button" type="submit">Submit endorsement</button>');
    expect(page.body).toContain('enctype="multipart/form-data"');
  });

  it('says what is wrong, beside each field and in a summary, keeping what was typed', async () => {
    const official = await createCityOfficial(t);
    const client = await signedInAs(t, official);
    const form = await client.get(endorseUrl());
    const res = await client.postMultipart(
      endorseUrl(),
      formParts(
        {
          versionNumber: '1',
          scope: 'areas',
          signatoryName: '  ',
          signatoryTitle: 'Alcaldesa',
          language: 'fr',
          statement: 'Nous soutenons.',
        },
        { name: 'mandate', filename: 'mandate.txt', type: 'text/plain', data: Buffer.from('not a document') },
      ),
      form,
    );
    expect(res.statusCode).toBe(400);
    expect(errorSummary(res.body)).toEqual([
      ['areaKeys', 'Tick at least one action area, or choose "Whole pledge"'],
      ['signatoryName', "Enter the signatory's name (at most 200 characters)"],
      ['mandate', 'The mandate document must be a PDF, PNG or JPEG file'],
    ]);
    expect(fieldError(res.body, 'mandate')).toBe('The mandate document must be a PDF, PNG or JPEG file');
    expect(inputValue(res.body, 'signatoryTitle')).toBe('Alcaldesa');
    expect(res.body).toContain('value="areas" id="scope-areas" checked');
    expect(res.body).toMatch(/<option value="fr" lang="fr" selected>/);
    expect(res.body).toContain('>Nous soutenons.</textarea>');
    const none = await t.db.select().from(endorsements).where(eq(endorsements.cityId, official.cityId!));
    expect(none).toHaveLength(0);

    const noScope = await client.postMultipart(
      endorseUrl(),
      formParts({
        versionNumber: '1',
        signatoryName: 'Ana',
        signatoryTitle: 'Mayor',
        language: 'en',
        areaKeys: ['climate'],
      }),
      form,
    );
    expect(errorSummary(noScope.body)).toEqual([
      ['scope', 'Choose whether your city endorses the whole pledge or chosen action areas'],
    ]);
    expect(noScope.body).toMatch(/id="areaKeys-climate" aria-describedby="areaKeys-climate-text" checked>/);
  });

  it('refuses a mandate larger than 10 MB in words, keeping the rest of the form', async () => {
    const client = await signedInAs(t, await createCityOfficial(t));
    const form = await client.get(endorseUrl());
    const big = Buffer.concat([tinyPdf, Buffer.alloc(10 * 1024 * 1024)]);
    const res = await client.postMultipart(
      endorseUrl(),
      formParts(
        { versionNumber: '1', scope: 'whole', signatoryName: 'Ana Big', signatoryTitle: 'Mayor', language: 'en' },
        { name: 'mandate', filename: 'mandate.pdf', type: 'application/pdf', data: big },
      ),
      form,
    );
    expect(res.statusCode).toBe(400);
    expect(errorSummary(res.body)).toEqual([['mandate', 'The mandate document must be 10 MB at most']]);
    expect(inputValue(res.body, 'signatoryName')).toBe('Ana Big');
  });

  it('submits by areas with the mandate, then shows the endorsement with a confirmation', async () => {
    const official = await createCityOfficial(t);
    const client = await signedInAs(t, official);
    const form = await client.get(endorseUrl());
    const res = await client.postMultipart(
      endorseUrl(),
      formParts(
        {
          versionNumber: '1',
          scope: 'areas',
          areaKeys: ['inclusion', 'governance'],
          signatoryName: 'Ana Alcaldesa',
          signatoryTitle: 'Mayor of Testville',
          language: 'es',
          statement: 'We stand with every newcomer.',
        },
        { name: 'mandate', filename: 'resolution.pdf', type: 'application/pdf', data: tinyPdf },
      ),
      form,
    );
    expect(res.statusCode, res.body).toBe(303);
    const location = res.headers.location as string;
    expect(location).toMatch(/^\/city\/endorsements\/[0-9a-f-]{36}\?notice=submitted$/);
    const id = location.split('/')[3]!.split('?')[0]!;
    const [row] = await t.db.select().from(endorsements).where(eq(endorsements.id, id));
    expect(row).toMatchObject({
      cityId: official.cityId,
      scope: 'areas',
      areaKeys: ['governance', 'inclusion'],
      signatoryName: 'Ana Alcaldesa',
      language: 'es',
      statement: 'We stand with every newcomer.',
      status: 'submitted',
    });
    const [mandate] = await t.db.select().from(mandateDocuments).where(eq(mandateDocuments.endorsementId, id));
    expect(mandate).toMatchObject({ mediaType: 'application/pdf', size: tinyPdf.length });

    const page = await client.get(location);
    expect(page.statusCode).toBe(200);
    const text = textOf(page.body);
    expect(page.body).toMatch(/<div class="notice" role="status">\s*<p>Your endorsement has been submitted\./);
    expect(text).toContain('… Awaiting verification');
    expect(text).toContain('Chosen action areas of version 1: Area governance Area inclusion');
    expect(text).toContain('Signatory Ana Alcaldesa, Mayor of Testville');
    expect(text).toContain('Mandate document (PDF, 1 KB)');
    expect(text).toContain('Submitted by the city');
    const download = await client.get(`/city/endorsements/${id}/mandate`);
    expect(download.statusCode).toBe(200);
    expect(download.rawPayload.equals(tinyPdf)).toBe(true);
    // No certificate before verification.
    expect((await client.get(`/city/endorsements/${id}/certificate.pdf?lang=en`)).statusCode).toBe(404);

    // Endorsing again while this one is live: the page says so and links to it.
    const again = await client.get(endorseUrl());
    expect(textOf(again.body)).toContain('Your city has already endorsed this pledge');
    expect(again.body).toContain(`href="/city/endorsements/${id}"`);
    const conflict = await client.postMultipart(
      endorseUrl(),
      formParts({ versionNumber: '1', scope: 'whole', signatoryName: 'Ana', signatoryTitle: 'Mayor', language: 'en' }),
      form,
    );
    expect(conflict.statusCode).toBe(409);
    expect(errorSummary(conflict.body)[0]![1]).toContain('Your city already has an endorsement of this pledge');
  });

  it('says so when the version read is no longer the published one', async () => {
    const client = await signedInAs(t, await createCityOfficial(t));
    const form = await client.get(endorseUrl());
    const res = await client.postMultipart(
      endorseUrl(),
      formParts({ versionNumber: '7', scope: 'whole', signatoryName: 'Ana', signatoryTitle: 'Mayor', language: 'en' }),
      form,
    );
    expect(res.statusCode).toBe(409);
    expect(errorSummary(res.body)[0]![1]).toContain('can no longer be changed this way');
  });

  it('refuses a form without its CSRF token, and writes nothing', async () => {
    const official = await createCityOfficial(t);
    const client = await signedInAs(t, official);
    const res = await client.post(
      endorseUrl(),
      { versionNumber: '1', scope: 'whole', signatoryName: 'Ana', signatoryTitle: 'Mayor', language: 'en' },
      { csrf: false },
    );
    expect(res.statusCode).toBe(403);
    expect(h1Of(res.body)).toBe('This form could not be sent');
    const none = await t.db.select().from(endorsements).where(eq(endorsements.cityId, official.cityId!));
    expect(none).toHaveLength(0);
  });

  it('is the 404 page for a pledge that is not published, and for a reviewer', async () => {
    const client = await signedInAs(t, await createCityOfficial(t));
    expect((await client.get('/city/pledges/no-such-pledge/endorse')).statusCode).toBe(404);
    const reviewer = await signedInAs(t, await createReviewer(t));
    expect((await reviewer.get(endorseUrl())).statusCode).toBe(404);
  });
});

describe("an endorsement's page", () => {
  it("is the same 404 page for another city's endorsement as for a missing one", async () => {
    const owner = await createCityOfficial(t);
    const id = await endorsedBy(t, owner, slug, { verifiedBy: secretariat });
    const other = await signedInAs(t, await createCityOfficial(t));
    const theirs = await other.get(`/city/endorsements/${id}`);
    const missing = await other.get('/city/endorsements/00000000-0000-4000-8000-000000000000');
    const malformed = await other.get('/city/endorsements/not-an-id');
    for (const res of [theirs, missing, malformed]) {
      expect(res.statusCode).toBe(404);
      expect(h1Of(res.body)).toBe('Page not found');
    }
    expect(theirs.body.replaceAll(id, 'ID')).toBe(
      missing.body.replaceAll('00000000-0000-4000-8000-000000000000', 'ID'),
    );
    expect((await other.get(`/city/endorsements/${id}/certificate.pdf?lang=en`)).statusCode).toBe(404);
    const reviewer = await signedInAs(t, await createReviewer(t));
    expect((await reviewer.get(`/city/endorsements/${id}`)).statusCode).toBe(404);
    const visitor = new WebClient(() => t.app);
    expect((await visitor.get(`/city/endorsements/${id}`)).headers.location).toBe(
      `/sign-in?notice=sign-in-needed&next=${encodeURIComponent(`/city/endorsements/${id}`)}`,
    );
  });

  it('shows the status, history and certificates; the secretariat reads it without buttons', async () => {
    const official = await createCityOfficial(t);
    const id = await endorsedBy(t, official, slug, { verifiedBy: secretariat });
    const client = await signedInAs(t, official);
    const page = await client.get(`/city/endorsements/${id}`);
    const text = textOf(page.body);
    expect(text).toContain('✓ Verified');
    expect(text).toContain('The whole pledge (version 1): Area governance Area climate Area inclusion');
    expect(text).toMatch(/History Verified .* by the secretariat/);
    for (const label of ['Change action areas', 'Withdraw endorsement'])
      expect(page.body).toContain(`type="submit">${label}</button>`);
    expect(page.body.match(/>Report progress<span class="visually-hidden">/g)).toHaveLength(3);
    const pdf = await client.get(`/city/endorsements/${id}/certificate.pdf?lang=fr`);
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');

    const staff = await signedInAs(t, secretariat);
    const read = await staff.get(`/city/endorsements/${id}`);
    expect(read.statusCode).toBe(200);
    expect(read.body).not.toContain('Change action areas');
    expect(read.body).not.toContain('Report progress');
  });

  it("shows the secretariat's note on a rejected endorsement, and the way to endorse again", async () => {
    const official = await createCityOfficial(t);
    const id = await endorsedBy(t, official, slug);
    await decideEndorsement(secretariatContext(t, secretariat), { publicBaseUrl: t.config.publicBaseUrl }, id, {
      decision: 'rejected',
      note: 'The signatory is not the mayor.',
    });
    const client = await signedInAs(t, official);
    const text = textOf((await client.get(`/city/endorsements/${id}`)).body);
    expect(text).toContain('✕ Rejected');
    expect(text).toContain("The secretariat's note: The signatory is not the mayor.");
    const home = textOf((await client.get('/city')).body);
    expect(home).toContain("The secretariat's note The signatory is not the mayor.");
    expect(home).toContain('Endorse this pledge again');
  });

  it('speaks Spanish', async () => {
    const official = await createCityOfficial(t);
    const id = await endorsedBy(t, official, slug, { areaKeys: ['climate'] });
    const client = await signedInAs(t, official, { 'accept-language': 'es' });
    const page = await client.get(`/city/endorsements/${id}`);
    expect(textOf(page.body)).toContain('Pendiente de verificación');
    expect(textOf(page.body)).toContain('Área climate');
    expect(page.body).toContain('Cambiar las áreas de acción');
  });
});

describe('sending the mandate document later', () => {
  it('takes it while the endorsement awaits verification, and says what is wrong with a file', async () => {
    const official = await createCityOfficial(t);
    const id = await endorsedBy(t, official, slug);
    const client = await signedInAs(t, official);
    const page = await client.get(`/city/endorsements/${id}`);
    expect(textOf(page.body)).toContain('Send the mandate document');
    expect(textOf(page.body)).toContain('a PDF, PNG or JPEG file of 10 MB at most');
    const url = `/city/endorsements/${id}/mandate`;
    const none = await client.postMultipart(url, [], page);
    expect(none.statusCode).toBe(400);
    expect(errorSummary(none.body)).toEqual([['mandate', 'Choose the mandate document to send']]);
    const text = await client.postMultipart(
      url,
      [{ name: 'mandate', filename: 'a.pdf', type: 'application/pdf', data: Buffer.from('plain text') }],
      page,
    );
    expect(errorSummary(text.body)).toEqual([['mandate', 'The mandate document must be a PDF, PNG or JPEG file']]);
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64)]);
    const sent = await client.postMultipart(
      url,
      [{ name: 'mandate', filename: 'resolution.png', type: 'image/png', data: png }],
      page,
    );
    expect(sent.statusCode).toBe(303);
    expect(sent.headers.location).toBe(`/city/endorsements/${id}?notice=mandate`);
    const after = textOf((await client.get(sent.headers.location as string)).body);
    expect(after).toContain('The mandate document has been sent with the endorsement.');
    expect(after).toContain('Mandate document (PNG, 1 KB)');
    expect(after).toContain('Replace the mandate document');
  });

  it("is refused once verified (in words), for another city (404) and without the form's token", async () => {
    const official = await createCityOfficial(t);
    const id = await endorsedBy(t, official, slug, { verifiedBy: secretariat });
    const client = await signedInAs(t, official);
    const page = await client.get(`/city/endorsements/${id}`);
    expect(textOf(page.body)).not.toContain('Send the mandate document');
    const file = [{ name: 'mandate', filename: 'm.pdf', type: 'application/pdf', data: tinyPdf }];
    const late = await client.postMultipart(`/city/endorsements/${id}/mandate`, file, await client.get('/account'));
    expect(late.statusCode).toBe(409);
    expect(errorSummary(late.body)[0]![1]).toContain('can no longer be changed this way');
    const other = await signedInAs(t, await createCityOfficial(t));
    const theirs = await other.postMultipart(`/city/endorsements/${id}/mandate`, file, await other.get('/account'));
    expect(theirs.statusCode).toBe(404);
    const noToken = await client.post(`/city/endorsements/${id}/mandate`, {}, { csrf: false });
    expect(noToken.statusCode).toBe(403);
    const [mandate] = await t.db.select().from(mandateDocuments).where(eq(mandateDocuments.endorsementId, id));
    expect(mandate).toBeUndefined();
  });
});
