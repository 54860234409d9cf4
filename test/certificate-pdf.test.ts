import { execFile } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PDFParse } from 'pdf-parse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificatesZip } from '../src/modules/certificates/certificates.zip.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import {
  createCity,
  createCityOfficial,
  createReviewer,
  createSecretariat,
  type TestUser,
} from './helpers/factories.js';
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

  it('is rendered deterministically: the same certificate gives the same bytes', async () => {
    const a = (await download(official)).rawPayload;
    const b = (await download(secretariat)).rawPayload;
    expect(a.equals(b)).toBe(true);
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
      expect(res.json()).toMatchObject({ serial, status: 'valid', matches: true });
    }
  });

  it('says an altered PDF does not match: a changed byte of text, a changed payload, a swapped signature', async () => {
    const pdf = (await download(official)).rawPayload;
    const text = Buffer.from(pdf);
    const streamAt = pdf.indexOf('stream\n') + 200;
    text[streamAt] = text[streamAt]! ^ 0x01;
    expect((await verifyUpload(text)).json()).toMatchObject({ matches: false });

    const relabelled = Buffer.from(pdf.toString('latin1').replace('(es)\nendobj', '(fr)\nendobj'), 'latin1');
    expect(relabelled.equals(pdf)).toBe(false);
    expect((await verifyUpload(relabelled)).json()).toMatchObject({ matches: false });

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
    expect(forged.json()).toMatchObject({ matches: false });
    expect(forged.json().reason).toMatch(/signature/);

    const sigRef = /\/ApSignature (\d+) 0 R/.exec(src)![1];
    const swapped = src.replace(
      new RegExp(`(\\n${sigRef} 0 obj\\n\\()([A-Za-z0-9_-]+)`),
      (_m, head: string, sig: string) => head + sig.split('').reverse().join(''),
    );
    expect((await verifyUpload(Buffer.from(swapped, 'latin1'))).json()).toMatchObject({ matches: false });
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
  it('exits 0 for a genuine PDF and 1 with a reason for an altered one, with only the public key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ap-cert-'));
    try {
      const pdf = (await download(official)).rawPayload;
      writeFileSync(join(dir, 'cert.pdf'), pdf);
      writeFileSync(
        join(dir, 'keys.json'),
        (await t.app.inject({ method: 'GET', url: api('/certificates/keys') })).body,
      );
      const altered = Buffer.from(pdf);
      const at = pdf.indexOf('stream\n') + 200;
      altered[at] = altered[at]! ^ 0x01;
      writeFileSync(join(dir, 'altered.pdf'), altered);
      const env = { ...process.env, DATABASE_URL: '', TEST_DATABASE_URL: '' };
      const ok = await run(
        process.execPath,
        ['--import', 'tsx', 'scripts/certificates-verify.ts', join(dir, 'cert.pdf'), '--key', join(dir, 'keys.json')],
        { env },
      );
      expect(ok.stdout).toMatch(/^VALID: certificate AP-/);
      const bad = await run(
        process.execPath,
        [
          '--import',
          'tsx',
          'scripts/certificates-verify.ts',
          join(dir, 'altered.pdf'),
          '--key',
          join(dir, 'keys.json'),
        ],
        { env },
      ).catch((err: { code: number; stdout: string }) => err);
      expect((bad as { code: number }).code).toBe(1);
      expect((bad as { stdout: string }).stdout).toMatch(/^NOT VALID: .*altered/);

      // A PEM public key works too, and a swapped signature is caught offline.
      const keys = JSON.parse(readFileSync(join(dir, 'keys.json'), 'utf8')).keys as Array<{ publicKey: string }>;
      const pem = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: keys[0]!.publicKey }, format: 'jwk' }).export(
        { type: 'spki', format: 'pem' },
      ) as string;
      writeFileSync(join(dir, 'key.pem'), pem);
      const src = pdf.toString('latin1');
      const sigRef = /\/ApSignature (\d+) 0 R/.exec(src)![1];
      const swapped = src.replace(
        new RegExp(`(\\n${sigRef} 0 obj\\n\\()([A-Za-z0-9_-]+)`),
        (_m, head: string, sig: string) => head + sig.split('').reverse().join(''),
      );
      writeFileSync(join(dir, 'swapped.pdf'), Buffer.from(swapped, 'latin1'));
      const viaPem = await run(
        process.execPath,
        ['--import', 'tsx', 'scripts/certificates-verify.ts', join(dir, 'cert.pdf'), '--key', join(dir, 'key.pem')],
        { env },
      );
      expect(viaPem.stdout).toMatch(/^VALID/);
      const swappedRun = await run(
        process.execPath,
        ['--import', 'tsx', 'scripts/certificates-verify.ts', join(dir, 'swapped.pdf'), '--key', join(dir, 'key.pem')],
        { env },
      ).catch((err: { code: number; stdout: string }) => err);
      expect((swappedRun as { code: number }).code).toBe(1);
      expect((swappedRun as { stdout: string }).stdout).toMatch(/^NOT VALID: .*signature/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
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
      for await (const chunk of certificatesZip(zt.db, zt.app.workers, pledge.pledgeId, (n) => seen.push(n), 1))
        chunks.push(chunk as Buffer);
      expect(seen).toEqual([1, 2]);
      expect(Buffer.concat(chunks).toString('latin1').split('%PDF-').length - 1).toBe(2);
    } finally {
      await zt.close();
    }
  });
});
