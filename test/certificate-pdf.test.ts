import { execFile } from 'node:child_process';
import { createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { PDFParse } from 'pdf-parse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/db/tx.js';
import { renderCertificatePdf } from '../src/modules/certificates/certificate.pdf.js';
import type { CertificatePayload } from '../src/modules/certificates/certificates.service.js';
import { certificatesZip } from '../src/modules/certificates/certificates.zip.js';
import { generateDocumentSigner } from '../src/modules/certificates/signing-certificates.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import {
  createCity,
  createCityOfficial,
  createReviewer,
  createSecretariat,
  type TestUser,
} from './helpers/factories.js';
import { pdfsig, pdfsigPath, signingOf } from './helpers/pdf-signature.js';
import { createPublishedPledge } from './helpers/pledge-factories.js';

const run = promisify(execFile);
let t: TestApp;
let secretariat: TestUser;
let official: TestUser;
let endorsementId: string;
let serial: string;

const api = (path: string) => `/api/v1${path}`;

async function pdfText(pdf: Buffer): Promise<string> {
  const parser = new PDFParse({ data: new Uint8Array(pdf) });
  try {
    return (await parser.getText()).text;
  } finally {
    await parser.destroy();
  }
}

async function download(user: TestUser, lang?: string) {
  return t.app.inject({
    method: 'GET',
    url: api(`/endorsements/${endorsementId}/certificate.pdf${lang ? `?lang=${lang}` : ''}`),
    headers: user.headers,
  });
}

const verifyUpload = (pdf: Buffer) =>
  t.app.inject({
    method: 'POST',
    url: api('/certificates/verify'),
    headers: { 'content-type': 'application/pdf' },
    payload: pdf,
  });

beforeAll(async () => {
  t = await buildTestApp();
  secretariat = await createSecretariat(t);
  const pledge = await createPublishedPledge(t, { areaKeys: ['governance', 'climate', 'services'] });
  const city = await createCity(t, { name: 'Αθήνα', country: 'GR' });
  official = await createCityOfficial(t, city.id);
  const created = await t.app.inject({
    method: 'POST',
    url: api(`/pledges/${pledge.slug}/endorsements`),
    headers: official.headers,
    payload: {
      versionNumber: 1,
      scope: 'areas',
      areaKeys: ['governance', 'services'],
      signatory: { name: 'Χάρης Δούκας', title: 'Δήμαρχος' },
      language: 'es',
    },
  });
  endorsementId = created.json().id;
  expect((await download(official)).statusCode).toBe(404); // not verified yet
  const decided = await t.app.inject({
    method: 'POST',
    url: api(`/endorsements/${endorsementId}/decision`),
    headers: secretariat.headers,
    payload: { decision: 'verified' },
  });
  serial = decided.json().certificate.serial;
});
afterAll(async () => t.close());

describe('the certificate PDF', () => {
  it('prints the city, the areas and the serial, in the endorsement’s language or the one asked for', async () => {
    const es = await download(official);
    expect(es.statusCode).toBe(200);
    expect(es.headers['content-type']).toContain('application/pdf');
    const textEs = await pdfText(es.rawPayload);
    for (const s of [
      'Certificado de adhesión',
      'Αθήνα',
      'Grecia',
      'Área governance',
      'Área services',
      serial,
      'Χάρης Δούκας',
    ])
      expect(textEs).toContain(s);
    expect(textEs).not.toContain('Área climate');
    const fr = await pdfText((await download(official, 'fr')).rawPayload);
    for (const s of ['Certificat d’adhésion', 'Αθήνα', 'Grèce', 'Domaine governance', serial]) expect(fr).toContain(s);
    const en = await pdfText((await download(secretariat, 'en')).rawPayload);
    for (const s of ['Certificate of endorsement', 'Greece', 'Area services', serial]) expect(en).toContain(s);
  });

  it('carries a PDF signature over all its bytes, by the signing certificate published beside the keys', async () => {
    const pdf = (await download(official)).rawPayload;
    const text = pdf.toString('latin1');
    expect(text).toContain('/SubFilter /ETSI.CAdES.detached');
    const [, start, end, rest] = /\/ByteRange \[0 (\d+) (\d+) (\d+)\]/.exec(text)!.map(Number);
    expect(end! + rest!).toBe(pdf.length);
    expect(text.slice(start, end)).toMatch(/^<[0-9a-f]+>$/);

    const keys = (await t.app.inject({ method: 'GET', url: api('/certificates/keys') })).json();
    expect(keys.keys).toHaveLength(1); // the Ed25519 keys are listed as before
    expect(keys.signingCertificates).toHaveLength(1);
    const [published] = keys.signingCertificates;
    const certificate = new X509Certificate(published.certificate);
    expect(published.subject).toContain('CN=Action Pledge certificates');
    expect(published.fingerprint).toBe(certificate.fingerprint256.replace(/:/g, '').toLowerCase());

    // Downloadable as PEM, or as DER (.cer, .crt) for a PDF reader to trust.
    const pem = await t.app.inject({ method: 'GET', url: api('/certificates/signing-certificate.pem') });
    expect(pem.statusCode).toBe(200);
    expect(pem.headers['content-type']).toContain('application/x-pem-file');
    expect(pem.body).toBe(published.certificate);
    for (const ext of ['cer', 'crt']) {
      const der = await t.app.inject({ method: 'GET', url: api(`/certificates/signing-certificate.${ext}`) });
      expect(der.headers['content-type']).toContain('application/pkix-cert');
      expect(der.headers['content-disposition']).toMatch(new RegExp(`attachment; filename=".+\\.${ext}"`));
      expect(der.rawPayload.equals(certificate.raw)).toBe(true);
    }
    const other = await t.app.inject({ method: 'GET', url: api('/certificates/signing-certificate.txt') });
    expect(other.statusCode).toBe(400);
  });

  it('is signed each time it is made, over the same document', async () => {
    const a = (await download(official)).rawPayload;
    const b = (await download(secretariat)).rawPayload;
    expect(a.equals(b)).toBe(false);
    expect((await verifyUpload(a)).json().matches).toBe(true);
    expect((await verifyUpload(b)).json().matches).toBe(true);
  });

  it('is only for the city’s officials and the secretariat', async () => {
    expect((await download(await createCityOfficial(t))).statusCode).toBe(404);
    expect((await download(await createReviewer(t, 'MMC'))).statusCode).toBe(404);
    expect(
      (await t.app.inject({ method: 'GET', url: api(`/endorsements/${endorsementId}/certificate.pdf`) })).statusCode,
    ).toBe(401);
  });
});

describe('POST /certificates/verify', () => {
  it('says a genuine PDF matches, in any of its languages', async () => {
    for (const lang of [undefined, 'en', 'fr']) {
      const res = await verifyUpload((await download(official, lang)).rawPayload);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({
        serial,
        status: 'valid',
        matches: true,
        checks: {
          pdfSignature: { outcome: 'valid', signer: { subject: expect.stringContaining('CN=Action Pledge') } },
          certificateData: { outcome: 'valid' },
        },
      });
    }
  });

  it('says an altered PDF does not match: a changed byte of text, a changed payload, a swapped signature', async () => {
    const pdf = (await download(official)).rawPayload;
    const text = Buffer.from(pdf);
    const streamAt = pdf.indexOf('stream\n') + 200;
    text[streamAt] = text[streamAt]! ^ 0x01;
    expect((await verifyUpload(text)).json()).toMatchObject({
      matches: false,
      reason: expect.stringMatching(/altered after it was signed/),
      checks: { pdfSignature: { outcome: 'altered', signer: null }, certificateData: { outcome: 'valid' } },
    });

    const relabelled = Buffer.from(pdf.toString('latin1').replace('(es)\nendobj', '(fr)\nendobj'), 'latin1');
    expect(relabelled.equals(pdf)).toBe(false);
    expect((await verifyUpload(relabelled)).json()).toMatchObject({ matches: false });

    // Bytes added after the signed ones (an incremental update) leave the signature valid over its
    // ranges, but the document is no longer the one signed.
    const appended = Buffer.concat([pdf, Buffer.from('\n% a later update\n')]);
    expect((await verifyUpload(appended)).json()).toMatchObject({
      matches: false,
      checks: { pdfSignature: { outcome: 'altered' } },
    });

    const payloadRef = /\/ApPayload (\d+) 0 R/.exec(pdf.toString('latin1'))![1];
    const src = pdf.toString('latin1');
    const forgedPayload = src.replace(
      new RegExp(`(\\n${payloadRef} 0 obj\\n\\()([A-Za-z0-9_-]+)`),
      (_m, head: string, b64: string) => {
        const payload = JSON.parse(Buffer.from(b64, 'base64url').toString('utf8'));
        payload.signatory.name = 'Someone Else';
        return head + Buffer.from(JSON.stringify(payload)).toString('base64url');
      },
    );
    const forged = await verifyUpload(Buffer.from(forgedPayload, 'latin1'));
    expect(forged.json()).toMatchObject({
      matches: false,
      checks: { pdfSignature: { outcome: 'altered' }, certificateData: { outcome: 'forged' } },
    });

    const sigRef = /\/ApSignature (\d+) 0 R/.exec(src)![1];
    const swapped = src.replace(
      new RegExp(`(\\n${sigRef} 0 obj\\n\\()([A-Za-z0-9_-]+)`),
      (_m, head: string, sig: string) => head + sig.split('').reverse().join(''),
    );
    expect((await verifyUpload(Buffer.from(swapped, 'latin1'))).json()).toMatchObject({
      matches: false,
      checks: { certificateData: { outcome: 'forged' } },
    });
  });

  it('says a PDF signed by a certificate that is not published is not genuine, its data valid', async () => {
    const [row] = rowsOf<{ payload: CertificatePayload; signature: string; key_id: string }>(
      await t.db.execute(sql`SELECT payload, signature, key_id FROM certificates WHERE serial = ${serial}`),
    );
    const stranger = generateDocumentSigner();
    const signer = { privateKeyPem: stranger.privateKeyPem, chain: [new X509Certificate(stranger.certificatePem).raw] };
    const pdf = await renderCertificatePdf(
      { payload: row!.payload, signature: row!.signature, keyId: row!.key_id },
      'en',
      { signer, signedAt: new Date() },
    );
    expect((await verifyUpload(pdf)).json()).toMatchObject({
      serial,
      matches: false,
      reason: expect.stringMatching(/not one of the published signing certificates/),
      checks: { pdfSignature: { outcome: 'unknown_signer' }, certificateData: { outcome: 'valid' } },
    });
  });

  it('says a superseded certificate is superseded, and still genuine', async () => {
    const city = await createCity(t, { name: 'Superseded City', country: 'EC' });
    const o = await createCityOfficial(t, city.id);
    const pledge = await createPublishedPledge(t, { areaKeys: ['governance', 'climate'] });
    const created = await t.app.inject({
      method: 'POST',
      url: api(`/pledges/${pledge.slug}/endorsements`),
      headers: o.headers,
      payload: { versionNumber: 1, scope: 'whole', signatory: { name: 'A', title: 'Mayor' }, language: 'en' },
    });
    const id = created.json().id;
    const decide = () =>
      t.app.inject({
        method: 'POST',
        url: api(`/endorsements/${id}/decision`),
        headers: secretariat.headers,
        payload: { decision: 'verified' },
      });
    const first = (await decide()).json().certificate.serial;
    const pdf = (
      await t.app.inject({ method: 'GET', url: api(`/endorsements/${id}/certificate.pdf`), headers: o.headers })
    ).rawPayload;
    await t.app.inject({
      method: 'PATCH',
      url: api(`/endorsements/${id}`),
      headers: o.headers,
      payload: { scope: 'areas', areaKeys: ['climate'], reason: 'narrowed' },
    });
    expect((await decide()).statusCode).toBe(200);
    expect((await verifyUpload(pdf)).json()).toMatchObject({ serial: first, status: 'superseded', matches: true });
  });

  it('answers a clear 4xx for a non-PDF, a PDF that is no certificate, and an unknown certificate', async () => {
    const notPdf = await verifyUpload(Buffer.from('hello, I am a text file'));
    expect(notPdf.statusCode).toBe(415);
    const plainPdf = await verifyUpload(Buffer.from('%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n'));
    expect(plainPdf.statusCode).toBe(400);
    // Embedded data that is not shaped like a certificate is refused, not a 500.
    const nullPayload = Buffer.from('null').toString('base64url');
    const crafted =
      `%PDF-1.4\n1 0 obj\n<<\n/ApPayload (${nullPayload})\n/ApSignature (abc)\n` +
      '/ApKeyId (k)\n/ApLanguage (en)\n>>\nendobj\n%%EOF\n';
    expect((await verifyUpload(Buffer.from(crafted))).statusCode).toBe(400);
    const other = await buildTestApp();
    try {
      const staff = await createSecretariat(other);
      const pledge = await createPublishedPledge(other);
      const o = await createCityOfficial(other);
      const e = await other.app.inject({
        method: 'POST',
        url: api(`/pledges/${pledge.slug}/endorsements`),
        headers: o.headers,
        payload: { versionNumber: 1, scope: 'whole', signatory: { name: 'A', title: 'Mayor' }, language: 'en' },
      });
      await other.app.inject({
        method: 'POST',
        url: api(`/endorsements/${e.json().id}/decision`),
        headers: staff.headers,
        payload: { decision: 'verified' },
      });
      const foreign = await other.app.inject({
        method: 'GET',
        url: api(`/endorsements/${e.json().id}/certificate.pdf`),
        headers: o.headers,
      });
      expect((await verifyUpload(foreign.rawPayload)).statusCode).toBe(404);
    } finally {
      await other.close();
    }
  });
});

describe('npm run certificates:verify (offline)', () => {
  const verifyCli = (file: string, keyFile: string) =>
    run(process.execPath, ['--import', 'tsx', 'scripts/certificates-verify.ts', file, '--key', keyFile], {
      env: { ...process.env, DATABASE_URL: '', TEST_DATABASE_URL: '' },
    }).catch((err: { code: number; stdout: string; stderr: string }) => err);

  it('checks both signatures with the published keys file alone: 0 genuine, 1 with a reason, 2 unusable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ap-cert-'));
    try {
      const pdf = (await download(official)).rawPayload;
      writeFileSync(join(dir, 'cert.pdf'), pdf);
      const keysJson = (await t.app.inject({ method: 'GET', url: api('/certificates/keys') })).body;
      writeFileSync(join(dir, 'keys.json'), keysJson);
      const altered = Buffer.from(pdf);
      const at = pdf.indexOf('stream\n') + 200;
      altered[at] = altered[at]! ^ 0x01;
      writeFileSync(join(dir, 'altered.pdf'), altered);

      const ok = await verifyCli(join(dir, 'cert.pdf'), join(dir, 'keys.json'));
      expect(ok.stdout).toMatch(/^VALID: certificate AP-.*the PDF signed by CN=Action Pledge certificates/);
      const bad = await verifyCli(join(dir, 'altered.pdf'), join(dir, 'keys.json'));
      expect((bad as { code: number }).code).toBe(1);
      expect(bad.stdout).toMatch(/^NOT VALID: .*altered after it was signed/);

      // A keys file saved without its signing certificates cannot check the PDF signature.
      const keys = JSON.parse(keysJson) as { keys: Array<{ publicKey: string }>; signingCertificates: unknown };
      writeFileSync(join(dir, 'old-keys.json'), JSON.stringify({ keys: keys.keys }));
      const old = await verifyCli(join(dir, 'cert.pdf'), join(dir, 'old-keys.json'));
      expect((old as { code: number }).code).toBe(2);
      expect(old.stdout).toMatch(/holds no PDF signing certificate/);

      // A PEM file works too, with the Ed25519 key and the signing certificate; and a swapped
      // signature of the data is caught offline.
      const pem = createPublicKey({
        key: { kty: 'OKP', crv: 'Ed25519', x: keys.keys[0]!.publicKey },
        format: 'jwk',
      }).export({ type: 'spki', format: 'pem' }) as string;
      const certificatePem = (await t.app.inject({ method: 'GET', url: api('/certificates/signing-certificate.pem') }))
        .body;
      writeFileSync(join(dir, 'key.pem'), pem);
      writeFileSync(join(dir, 'trust.pem'), pem + certificatePem);
      const src = pdf.toString('latin1');
      const sigRef = /\/ApSignature (\d+) 0 R/.exec(src)![1];
      const swapped = src.replace(
        new RegExp(`(\\n${sigRef} 0 obj\\n\\()([A-Za-z0-9_-]+)`),
        (_m, head: string, sig: string) => head + sig.split('').reverse().join(''),
      );
      writeFileSync(join(dir, 'swapped.pdf'), Buffer.from(swapped, 'latin1'));
      expect((await verifyCli(join(dir, 'cert.pdf'), join(dir, 'trust.pem'))).stdout).toMatch(/^VALID/);
      const swappedRun = await verifyCli(join(dir, 'swapped.pdf'), join(dir, 'trust.pem'));
      expect((swappedRun as { code: number }).code).toBe(1);
      // Its bytes changed too: the PDF signature, checked first, says so.
      expect(swappedRun.stdout).toMatch(/^NOT VALID: .*altered after it was signed/);
      const keyOnly = await verifyCli(join(dir, 'cert.pdf'), join(dir, 'key.pem'));
      expect((keyOnly as { code: number }).code).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

describe('pdfsig (poppler-utils), as any PDF reader checks it', () => {
  if (!pdfsigPath)
    console.warn('\n*** pdfsig not installed (apt-get install poppler-utils): the PDF-reader check is SKIPPED ***\n');

  it.skipIf(!pdfsigPath)(
    'says the signature is valid over the whole document, and not once a byte changed',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ap-pdfsig-'));
      try {
        const pdf = (await download(official)).rawPayload;
        writeFileSync(join(dir, 'cert.pdf'), pdf);
        const genuine = await pdfsig(join(dir, 'cert.pdf'));
        expect(genuine).toContain('Signature Type: ETSI.CAdES.detached');
        expect(genuine).toContain('Signer Certificate Common Name: Action Pledge certificates');
        expect(genuine).toContain('Total document signed');
        expect(genuine).toContain('Signature Validation: Signature is Valid.');

        const altered = Buffer.from(pdf);
        const at = pdf.indexOf('stream\n') + 200;
        altered[at] = altered[at]! ^ 0x01;
        writeFileSync(join(dir, 'altered.pdf'), altered);
        const changed = await pdfsig(join(dir, 'altered.pdf'));
        expect(changed).toContain('Signature Validation: Digest Mismatch.');
        expect(changed).not.toContain('Signature is Valid');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

describe('after a withdrawal', () => {
  it('the online check says revoked', async () => {
    const pdf = (await download(official)).rawPayload;
    await t.app.inject({
      method: 'POST',
      url: api(`/endorsements/${endorsementId}/withdraw`),
      headers: official.headers,
      payload: { reason: 'council decision' },
    });
    expect((await t.app.inject({ method: 'GET', url: api(`/certificates/${serial}`) })).json().status).toBe('revoked');
    expect((await verifyUpload(pdf)).json()).toMatchObject({ status: 'revoked', matches: true });
    // A revoked certificate is no longer handed out as the current one.
    expect((await download(official)).statusCode).toBe(404);
  });
});

describe('GET /pledges/:pledgeId/certificates.zip', () => {
  it('streams every current certificate of the pledge, for the secretariat only', async () => {
    const zt = await buildTestApp();
    try {
      const staff = await createSecretariat(zt);
      const pledge = await createPublishedPledge(zt);
      const ids: string[] = [];
      for (const name of ['São Paulo', 'Kraków', 'Київ']) {
        const o = await createCityOfficial(
          zt,
          (await createCity(zt, { name, country: name === 'Київ' ? 'UA' : name === 'Kraków' ? 'PL' : 'BR' })).id,
        );
        const e = await zt.app.inject({
          method: 'POST',
          url: api(`/pledges/${pledge.slug}/endorsements`),
          headers: o.headers,
          payload: { versionNumber: 1, scope: 'whole', signatory: { name: 'M', title: 'Mayor' }, language: 'en' },
        });
        ids.push(e.json().id);
        await zt.app.inject({
          method: 'POST',
          url: api(`/endorsements/${e.json().id}/decision`),
          headers: staff.headers,
          payload: { decision: 'verified' },
        });
      }
      // A withdrawn one is not current: it is left out.
      await zt.app.inject({
        method: 'POST',
        url: api(`/endorsements/${ids[2]}/withdraw`),
        headers: staff.headers,
        payload: { reason: 'test' },
      });
      const res = await zt.app.inject({
        method: 'GET',
        url: api(`/pledges/${pledge.slug}/certificates.zip`),
        headers: staff.headers,
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('application/zip');
      const zip = res.rawPayload;
      expect(zip.subarray(0, 4).toString('latin1')).toBe('PK\x03\x04');
      const names = [...zip.toString('utf8').matchAll(/AP-[A-Z0-9]{4}-[A-Z0-9]{4}-[\p{L}\p{N}-]*\.pdf/gu)].map(
        (m) => m[0],
      );
      expect(new Set(names).size).toBe(2);
      expect(names.some((n) => n.includes('São-Paulo'))).toBe(true);
      expect(names.some((n) => n.includes('Kraków'))).toBe(true);
      expect(zip.toString('latin1').split('%PDF-').length - 1).toBe(2);
      const official = await createCityOfficial(zt);
      expect(
        (
          await zt.app.inject({
            method: 'GET',
            url: api(`/pledges/${pledge.slug}/certificates.zip`),
            headers: official.headers,
          })
        ).statusCode,
      ).toBe(403);

      // Read a certificate at a time from the database: the same two entries, in order.
      const chunks: Buffer[] = [];
      const seen: number[] = [];
      const { signer } = await signingOf(zt.db);
      for await (const chunk of certificatesZip(zt.db, zt.app.workers, signer, pledge.pledgeId, (n) => seen.push(n), 1))
        chunks.push(chunk as Buffer);
      expect(seen).toEqual([1, 2]);
      expect(Buffer.concat(chunks).toString('latin1').split('%PDF-').length - 1).toBe(2);
    } finally {
      await zt.close();
    }
  });
});
