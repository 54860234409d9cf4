import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createSecretariat, type TestUser } from './helpers/factories.js';
import { createPublishedPledge } from './helpers/pledge-factories.js';
import { errorSummary, fieldError, h1Of, inputValue, textOf, WebClient } from './helpers/web.js';
import { verifiedSignatory } from './helpers/web-fixtures.js';

// Checking a certificate as anyone can: the page its QR code opens (valid, superseded with a link
// to the current one, revoked with the date), and /verify by serial or by uploading the PDF.

let t: TestApp;
let secretariat: TestUser;
let slug: string;
let valid: { id: string; serial: string };
let superseded: { serial: string; current: string };
let revoked: { serial: string };
let pdf: Buffer;

const api = (path: string) => `/api/v1${path}`;
const visitor = () => new WebClient(() => t.app);

beforeAll(async () => {
  t = await buildTestApp();
  secretariat = await createSecretariat(t);
  ({ slug } = await createPublishedPledge(t, { areaKeys: ['governance', 'climate'] }));
  valid = await verifiedSignatory(t, secretariat, slug, {
    country: 'EC',
    name: 'Cuenca Cert',
    areaKeys: ['climate'],
    signatory: { name: 'Cristian Zamora', title: 'Alcalde' },
    language: 'es',
  });

  const amended = await verifiedSignatory(t, secretariat, slug, { country: 'PE', name: 'Arequipa Cert' });
  const patch = await t.app.inject({
    method: 'PATCH',
    url: api(`/endorsements/${amended.id}`),
    headers: secretariat.headers,
    payload: { scope: 'areas', areaKeys: ['governance'], reason: 'The council narrowed it.' },
  });
  expect(patch.statusCode, patch.body).toBe(200);
  const reverified = await t.app.inject({
    method: 'POST',
    url: api(`/endorsements/${amended.id}/decision`),
    headers: secretariat.headers,
    payload: { decision: 'verified' },
  });
  expect(reverified.statusCode, reverified.body).toBe(200);
  superseded = { serial: amended.serial, current: reverified.json().certificate.serial };

  const withdrawn = await verifiedSignatory(t, secretariat, slug, { country: 'BO', name: 'Sucre Cert' });
  const withdraw = await t.app.inject({
    method: 'POST',
    url: api(`/endorsements/${withdrawn.id}/withdraw`),
    headers: secretariat.headers,
    payload: { reason: 'New council.' },
  });
  expect(withdraw.statusCode, withdraw.body).toBe(200);
  revoked = { serial: withdrawn.serial };

  const download = await t.app.inject({
    method: 'GET',
    url: api(`/endorsements/${valid.id}/certificate.pdf`),
    headers: secretariat.headers,
  });
  expect(download.statusCode).toBe(200);
  pdf = download.rawPayload;
});
afterAll(async () => t.close());

describe("a certificate's page", () => {
  it('says a valid certificate is valid, in words and colour, with what it certifies', async () => {
    const page = await visitor().get(`/certificates/${valid.serial}`);
    expect(page.statusCode).toBe(200);
    expect(h1Of(page.body)).toBe(`Certificate ${valid.serial}`);
    expect(page.body).toContain('<div class="status status-valid">');
    const text = textOf(page.body);
    expect(text).toContain('Valid This certificate is valid');
    expect(text).toContain('City or region Cuenca Cert, Ecuador');
    expect(text).toContain(`Pledge Pledge ${slug}`);
    expect(text).toContain('Version Version 1 Content fingerprint:');
    expect(text).toContain('Action areas Area climate Signed by Cristian Zamora, Alcalde');
    expect(text).toMatch(/Issued on \d{1,2} [A-Z][a-z]+ \d{4}/);
    expect(text).toContain('Signature Checks out against the published key');
    expect(page.body).toContain(`<a href="/pledges/${slug}">Pledge ${slug}</a>`);
    expect(page.body).toContain(`<a href="/api/v1/certificates/${valid.serial}">`);
  });

  it('says a superseded certificate was replaced, and links to the current one', async () => {
    const page = await visitor().get(`/certificates/${superseded.serial}`);
    expect(page.body).toContain('<div class="status status-superseded">');
    expect(textOf(page.body)).toMatch(/Superseded This certificate was replaced on \d{1,2} \w+ \d{4} by a newer one/);
    expect(page.body).toContain(
      `<a href="/certificates/${superseded.current}">See the current certificate, ${superseded.current}</a>`,
    );
    const current = await visitor().get(`/certificates/${superseded.current}`);
    expect(textOf(current.body)).toContain('Valid');
    expect(textOf(current.body)).toContain('Action areas Area governance');
  });

  it('says a revoked certificate was revoked, with the date, in the reader’s language', async () => {
    const page = await visitor().get(`/certificates/${revoked.serial}?lang=es`);
    expect(page.body).toContain('<div class="status status-revoked">');
    expect(textOf(page.body)).toMatch(/Revocado Este certificado fue revocado el \d{1,2} de \w+ de \d{4}: la adhesión/);
  });

  it('answers a serial typed loosely at its proper address, and an unknown one with the 404 page', async () => {
    const loose = await visitor().get(
      `/certificates/${encodeURIComponent(valid.serial.toLowerCase().replace(/-/g, ' '))}`,
    );
    expect(loose.statusCode).toBe(301);
    expect(loose.headers.location).toBe(`/certificates/${valid.serial}`);
    for (const serial of ['AP-2222-2222', 'x'.repeat(30)]) {
      const page = await visitor().get(`/certificates/${serial}`);
      expect(page.statusCode).toBe(404);
      expect(h1Of(page.body)).toBe('Page not found');
    }
  });

  it('is where new certificates point: their QR code and printed link', async () => {
    const answer = await t.app.inject({ method: 'GET', url: api(`/certificates/${valid.serial}`) });
    expect(answer.json().payload.verifyUrl).toBe(`http://localhost:3000/certificates/${valid.serial}`);
    expect(pdf.toString('latin1')).toContain(`/URI (http://localhost:3000/certificates/${valid.serial})`);
  });
});

describe('checking by serial number', () => {
  it('has the labelled field, the upload with its size limit said first, and the button', async () => {
    const page = await visitor().get('/verify');
    expect(h1Of(page.body)).toBe('Check a certificate');
    expect(page.body).toContain('<label class="label" for="serial">Serial number</label>');
    expect(page.body).toContain('<label class="label" for="pdf">Certificate PDF</label>');
    expect(textOf(page.body)).toContain('The PDF file as it was downloaded, up to 5 MB.');
    expect(page.body).toContain('accept="application/pdf,.pdf"');
    expect(page.body).toContain('<button class="button" type="submit">Check</button>');
  });

  it('leads to the certificate’s page, however the serial was typed', async () => {
    const browser = visitor();
    const form = await browser.get('/verify');
    const typed = valid.serial.toLowerCase().replace(/-/g, ' ');
    const res = await browser.postMultipart('/verify', [{ name: 'serial', value: ` ${typed} ` }], form);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/certificates/${valid.serial}`);
  });

  it.each([
    ['', 'Enter a serial number or choose a certificate PDF'],
    ['AP-12', 'Enter the serial number as printed on the certificate, like AP-7K3M-Q9XR'],
    ['AP-2222-2222', 'No certificate with the serial number AP-2222-2222 is on record'],
  ])('says what is wrong with %j beside the field and in the summary, keeping it', async (serial, message) => {
    const browser = visitor();
    const form = await browser.get('/verify');
    const res = await browser.postMultipart('/verify', [{ name: 'serial', value: serial }], form);
    expect(res.statusCode).toBe(400);
    expect(errorSummary(res.body)).toEqual([['serial', message]]);
    expect(fieldError(res.body, 'serial')).toBe(message);
    expect(inputValue(res.body, 'serial')).toBe(serial);
    expect(res.body).toContain('<title>Error: Check a certificate – Action Pledge</title>');
  });
});

describe('checking by upload', () => {
  async function upload(data: Buffer, serial = '', filename = 'certificate.pdf') {
    const browser = visitor();
    const form = await browser.get('/verify');
    return browser.postMultipart(
      '/verify',
      [
        { name: 'serial', value: serial },
        { name: 'pdf', filename, type: 'application/pdf', data },
      ],
      form,
    );
  }

  it('says a genuine PDF is genuine, with the certificate on record', async () => {
    const res = await upload(pdf);
    expect(res.statusCode).toBe(200);
    expect(h1Of(res.body)).toBe('Result of the check');
    expect(res.body).toContain('<div class="panel panel-ok" role="status">');
    const text = textOf(res.body);
    expect(text).toContain('The document is genuine Its signature checks out and its text is exactly the text');
    // Each of the three checks, in words.
    expect(text).toContain('What was checked PDF signature ✓ Passed The file is exactly as the platform signed it');
    expect(text).toMatch(
      /Signing certificate: CN=Action Pledge certificates \(development signer\), O=Action Pledge platform SHA-256 fingerprint: [0-9a-f]{64}/,
    );
    expect(text).toMatch(
      /Signature of the certificate data ✓ Passed The certificate data in the file is signed with the platform’s key ed25519-[0-9a-f]{16} and is the certificate on record/,
    );
    expect(text).toContain('Status in the registry ✓ Valid The registry holds this certificate as valid.');
    expect(res.body).toContain('<a href="/api/v1/certificates/signing-certificate.pem" download>');
    expect(text).toContain('Valid This certificate is valid');
    expect(text).toContain('City or region Cuenca Cert, Ecuador');
    expect(res.body).toContain(`<a href="/certificates/${valid.serial}">`);
  });

  it('warns that a tampered PDF was altered', async () => {
    const tampered = Buffer.from(pdf);
    const at = pdf.indexOf('stream\n') + 200;
    tampered[at] = tampered[at]! ^ 0x01;
    const res = await upload(tampered);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<div class="panel panel-warning" role="status">');
    const text = textOf(res.body);
    expect(text).toContain('Warning: do not rely on this document');
    expect(text).toContain('PDF signature ✕ Failed The document was changed after it was signed');
    expect(text).toContain('Signature of the certificate data ✓ Passed');
  });

  it('says each check in the reader’s language', async () => {
    const download = await t.app.inject({
      method: 'GET',
      url: api(`/endorsements/${valid.id}/certificate.pdf`),
      headers: secretariat.headers,
    });
    const browser = new WebClient(() => t.app, { 'accept-language': 'es' });
    const form = await browser.get('/verify');
    const res = await browser.postMultipart(
      '/verify',
      [{ name: 'pdf', filename: 'c.pdf', type: 'application/pdf', data: download.rawPayload }],
      form,
    );
    const text = textOf(res.body);
    expect(text).toContain(
      'Qué se comprobó Firma del PDF ✓ Correcta El archivo es exactamente el que firmó la plataforma',
    );
    expect(text).toContain('Estado en el registro ✓ Válido El registro tiene este certificado como válido.');
  });

  it('warns, in French, that a PDF whose certificate data was forged does not match its signature', async () => {
    const src = pdf.toString('latin1');
    const ref = /\/ApPayload (\d+) 0 R/.exec(src)![1];
    const forged = src.replace(
      new RegExp(`(\\n${ref} 0 obj\\n\\()([A-Za-z0-9_-]+)`),
      (_m, head: string, b64: string) => {
        const payload = JSON.parse(Buffer.from(b64, 'base64url').toString('utf8'));
        payload.signatory.name = 'Someone Else';
        return head + Buffer.from(JSON.stringify(payload)).toString('base64url');
      },
    );
    const browser = new WebClient(() => t.app, { 'accept-language': 'fr' });
    const form = await browser.get('/verify');
    const res = await browser.postMultipart(
      '/verify',
      [{ name: 'pdf', filename: 'c.pdf', type: 'application/pdf', data: Buffer.from(forged, 'latin1') }],
      form,
    );
    expect(textOf(res.body)).toContain('La signature ne correspond pas aux données du certificat');
  });

  it.each([
    ['a text file', Buffer.from('hello, I am not a PDF'), 'The selected file must be a PDF'],
    [
      'a PDF that is no certificate',
      Buffer.from('%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n'),
      'The selected file is not an Action Pledge certificate',
    ],
  ])('says in words that %s cannot be checked', async (_what, data, message) => {
    const res = await upload(data);
    expect(res.statusCode).toBe(400);
    expect(errorSummary(res.body)).toEqual([['pdf', message]]);
    expect(fieldError(res.body, 'pdf')).toBe(message);
  });

  it('says a file over the size limit is too large', async () => {
    const res = await upload(Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(5 * 1024 * 1024 + 10, 0x20)]));
    expect(res.statusCode).toBe(400);
    expect(errorSummary(res.body)).toEqual([['pdf', 'The selected file must be smaller than 5 MB']]);
  });

  it('says when the typed serial is another certificate’s', async () => {
    const res = await upload(pdf, superseded.current);
    expect(res.statusCode).toBe(400);
    expect(errorSummary(res.body)).toEqual([
      ['serial', `The serial number does not match the uploaded certificate, whose serial number is ${valid.serial}`],
    ]);
  });

  it('refuses an upload without the form’s CSRF token', async () => {
    const browser = visitor();
    await browser.get('/verify');
    const stranger = visitor();
    const strangersForm = await stranger.get('/verify');
    const res = await browser.postMultipart(
      '/verify',
      [{ name: 'pdf', filename: 'c.pdf', type: 'application/pdf', data: pdf }],
      strangersForm,
    );
    expect(res.statusCode).toBe(403);
    expect(h1Of(res.body)).toBe('This form could not be sent');
  });
});
