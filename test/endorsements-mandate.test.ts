import { createHash } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import { auditEvents, mandateDocuments } from '../src/db/schema/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { api, type Body, endorsementRequests, type PublishedPledge } from './helpers/endorsements-api.js';
import { createCityOfficial, createReviewer, createSecretariat, type TestUser } from './helpers/factories.js';
import { createPublishedPledge } from './helpers/pledge-factories.js';

let t: TestApp;
let secretariat: TestUser;
let pledge: PublishedPledge;
beforeAll(async () => {
  t = await buildTestApp();
  secretariat = await createSecretariat(t);
  pledge = await createPublishedPledge(t, { areaKeys: ['governance', 'economy', 'climate'] });
});
afterAll(async () => t.close());

const { get, post, endorsingCity } = endorsementRequests(() => ({ t, secretariat }));
/** A city in MMC, its official and a submitted endorsement (of the whole pledge unless told). */
const fixture = (body: Body = {}, slug = pledge.slug) => endorsingCity(slug, body);
const decide = (id: string, decision: string) => post(secretariat, `/endorsements/${id}/decision`, { decision });
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n', 'latin1');
const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('0000000d49484452', 'hex'),
  Buffer.from('not really an image, but it starts like one'),
]);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0 and some bytes')]);
const TEXT = Buffer.from('This is the council resolution, typed out as plain text.\n');

const upload = (u: TestUser | undefined, id: string, bytes: Buffer, contentType: string) =>
  t.app.inject({
    method: 'PUT',
    url: api(`/endorsements/${id}/mandate`),
    headers: { ...(u?.headers ?? {}), 'content-type': contentType },
    payload: bytes,
  });
const download = (u: TestUser | undefined, id: string) =>
  t.app.inject({ method: 'GET', url: api(`/endorsements/${id}/mandate`), headers: u?.headers ?? {} });

describe('A city uploads the mandate behind its endorsement (PUT /endorsements/:id/mandate)', () => {
  it('stores a PDF, a PNG and a JPEG and answers 201 { sha256, size, mediaType }', async () => {
    for (const [bytes, type] of [
      [PDF, 'application/pdf'],
      [PNG, 'image/png'],
      [JPEG, 'image/jpeg'],
    ] as const) {
      const f = await fixture();
      const res = await upload(f.official, f.id, bytes, type);
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toEqual({ sha256: sha256(bytes), size: bytes.length, mediaType: type });
      const [row] = await t.db.select().from(mandateDocuments).where(eq(mandateDocuments.endorsementId, f.id));
      expect(Buffer.compare(row!.content, bytes)).toBe(0);
      expect(row!.uploadedBy).toBe(f.official.id);
    }
  });

  it('takes the type from the content, not from the Content-Type header', async () => {
    for (const [bytes, header, expected] of [
      [PNG, 'application/pdf', 'image/png'],
      [PDF, 'image/jpeg', 'application/pdf'],
      [JPEG, 'image/png', 'image/jpeg'],
      [PDF, 'application/octet-stream', 'application/pdf'],
    ] as const) {
      const f = await fixture();
      const res = await upload(f.official, f.id, bytes, header);
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json().mediaType).toBe(expected);
      const file = await download(f.official, f.id);
      expect(file.headers['content-type']).toContain(expected);
    }
  });

  it('refuses a file that is not a PDF, PNG or JPEG whatever the header says (415), and stores nothing', async () => {
    const f = await fixture();
    for (const [bytes, header] of [
      [TEXT, 'application/pdf'],
      [TEXT, 'image/png'],
      [Buffer.from('GIF89a....'), 'image/jpeg'],
      [Buffer.from('%PD'), 'application/pdf'],
      [Buffer.from([0x89, 0x50, 0x4e, 0x47]), 'image/png'],
      [TEXT, 'text/plain'],
    ] as const) {
      const res = await upload(f.official, f.id, bytes, header);
      expect(res.statusCode, `${header}: ${bytes.toString('latin1')}`).toBe(415);
      expect(res.json().code).toBe('unsupported_media_type');
    }
    expect(await t.db.select().from(mandateDocuments).where(eq(mandateDocuments.endorsementId, f.id))).toHaveLength(0);
    expect((await get(f.official, `/endorsements/${f.id}`)).json().mandate).toBeNull();
  });

  it('refuses a file over 10 MB (413) and takes one of exactly 10 MB', async () => {
    const f = await fixture();
    const big = Buffer.alloc(10 * 1024 * 1024 + 1, 0x20);
    PDF.copy(big);
    const tooBig = await upload(f.official, f.id, big, 'application/pdf');
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.json().code).toBe('payload_too_large');
    expect(await t.db.select().from(mandateDocuments).where(eq(mandateDocuments.endorsementId, f.id))).toHaveLength(0);
    const exact = big.subarray(0, 10 * 1024 * 1024);
    const ok = await upload(f.official, f.id, exact, 'application/pdf');
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json()).toEqual({ sha256: sha256(exact), size: exact.length, mediaType: 'application/pdf' });
  });

  it('serves the same bytes and type to the city official and the secretariat; replaces on a new upload', async () => {
    const f = await fixture();
    expect((await download(f.official, f.id)).statusCode).toBe(404);
    expect((await upload(f.official, f.id, PDF, 'application/pdf')).statusCode).toBe(201);
    for (const u of [f.official, secretariat]) {
      const res = await download(u, f.id);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('application/pdf');
      expect(Buffer.compare(res.rawPayload, PDF)).toBe(0);
      expect(res.headers['x-content-sha256']).toBe(sha256(PDF));
    }
    const detail = (await get(f.official, `/endorsements/${f.id}`)).json();
    expect(detail.mandate).toMatchObject({ sha256: sha256(PDF), size: PDF.length, mediaType: 'application/pdf' });
    const listed = (await get(f.official, '/endorsements')).json().items.find((i: { id: string }) => i.id === f.id);
    expect(listed.mandate).toMatchObject({ sha256: sha256(PDF) });

    // The secretariat may upload too; the new file replaces the old one.
    const replaced = await upload(secretariat, f.id, PNG, 'image/png');
    expect(replaced.statusCode).toBe(201);
    const res = await download(f.official, f.id);
    expect(res.headers['content-type']).toContain('image/png');
    expect(Buffer.compare(res.rawPayload, PNG)).toBe(0);
    expect(await t.db.select().from(mandateDocuments).where(eq(mandateDocuments.endorsementId, f.id))).toHaveLength(1);
  });

  it("hides the mandate from another city's official and from reviewers (404), asks for a login (401)", async () => {
    const f = await fixture();
    expect((await upload(f.official, f.id, PDF, 'application/pdf')).statusCode).toBe(201);
    const stranger = await createCityOfficial(t);
    const reviewer = await createReviewer(t, 'MMC');
    const otherReviewer = await createReviewer(t, 'UCLG');
    for (const u of [stranger, reviewer, otherReviewer]) {
      const res = await download(u, f.id);
      expect(res.statusCode, u.role).toBe(404);
      expect(res.body).not.toContain('%PDF');
    }
    // The reviewer can read the endorsement itself, though.
    expect((await get(reviewer, `/endorsements/${f.id}`)).statusCode).toBe(200);
    expect((await download(undefined, f.id)).statusCode).toBe(401);
    // Nor may they upload one.
    expect((await upload(stranger, f.id, PNG, 'image/png')).statusCode).toBe(404);
    expect((await upload(otherReviewer, f.id, PNG, 'image/png')).statusCode).toBe(404);
    expect((await upload(reviewer, f.id, PNG, 'image/png')).statusCode).toBe(403);
    expect((await upload(undefined, f.id, PNG, 'image/png')).statusCode).toBe(401);
    const [row] = await t.db.select().from(mandateDocuments).where(eq(mandateDocuments.endorsementId, f.id));
    expect(row!.sha256).toBe(sha256(PDF));
  });

  it('is required for verification when the pledge says so (409 without, 200 after upload)', async () => {
    const strict = await createPublishedPledge(t, { areaKeys: ['governance'], requireMandateDocument: true });
    const f = await fixture({}, strict.slug);
    const refused = await decide(f.id, 'verified');
    expect(refused.statusCode).toBe(409);
    expect(refused.json().code).toBe('invalid_state');
    expect((await get(secretariat, `/endorsements/${f.id}`)).json()).toMatchObject({
      status: 'submitted',
      revision: 1,
    });
    expect((await upload(f.official, f.id, JPEG, 'image/jpeg')).statusCode).toBe(201);
    const ok = await decide(f.id, 'verified');
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().status).toBe('verified');
    // Rejecting never needs one; and a pledge that does not require it verifies without.
    const g = await fixture({}, strict.slug);
    expect(
      (await post(secretariat, `/endorsements/${g.id}/decision`, { decision: 'rejected', note: 'No mandate.' }))
        .statusCode,
    ).toBe(200);
    const relaxed = await fixture();
    expect((await decide(relaxed.id, 'verified')).statusCode).toBe(200);
  });

  it('writes an audit event for each upload', async () => {
    const f = await fixture();
    await upload(f.official, f.id, PDF, 'application/pdf');
    await upload(f.official, f.id, PNG, 'image/png');
    const events = await t.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.entityId, f.id))
      .orderBy(asc(auditEvents.seq));
    const uploads = events.filter((e) => e.action === 'endorsement.mandate_uploaded');
    expect(uploads).toHaveLength(2);
    expect(uploads[0]).toMatchObject({ actorId: f.official.id, entityType: 'endorsement' });
    expect(uploads[0]!.summary).toMatchObject({
      before: null,
      after: { sha256: sha256(PDF), size: PDF.length, mediaType: 'application/pdf' },
    });
    expect(uploads[1]!.summary).toMatchObject({
      before: { sha256: sha256(PDF) },
      after: { sha256: sha256(PNG), mediaType: 'image/png' },
    });
  });
});
