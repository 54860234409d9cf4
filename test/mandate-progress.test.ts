import { createHash } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, endorsements, mandateDocuments, progressUpdates } from '../src/db/schema/index.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import {
  createCity,
  createCityOfficial,
  createReviewer,
  createSecretariat,
  type TestUser,
} from './helpers/factories.js';
import { createPublishedPledge } from './helpers/pledge-factories.js';

let t: TestApp;
let secretariat: TestUser;
let pledge: Awaited<ReturnType<typeof createPublishedPledge>>;
beforeAll(async () => {
  t = await buildTestApp();
  secretariat = await createSecretariat(t);
  pledge = await createPublishedPledge(t, { areaKeys: ['governance', 'economy', 'climate'] });
});
afterAll(async () => t.close());

type Body = Record<string, unknown>;
const api = (path: string) => `/api/v1${path}`;
const DAY = 86_400_000;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n', 'latin1');
const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('0000000d49484452', 'hex'),
  Buffer.from('not really an image, but it starts like one'),
]);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0 and some bytes')]);
const TEXT = Buffer.from('This is the council resolution, typed out as plain text.\n');

/** A city in MMC, its official and a submitted endorsement of the given areas. */
async function fixture(body: Body = {}, slug = pledge.slug) {
  const city = await createCity(t, { networks: ['MMC'] });
  const official = await createCityOfficial(t, city.id);
  const res = await t.app.inject({
    method: 'POST',
    url: api(`/pledges/${slug}/endorsements`),
    headers: official.headers,
    payload: {
      versionNumber: 1,
      scope: 'whole',
      signatory: { name: 'Ana Ruiz', title: 'Mayor' },
      language: 'en',
      ...body,
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return { official, cityId: city.id, id: res.json().id as string };
}

const upload = (u: TestUser | undefined, id: string, bytes: Buffer, contentType: string) =>
  t.app.inject({
    method: 'PUT',
    url: api(`/endorsements/${id}/mandate`),
    headers: { ...(u?.headers ?? {}), 'content-type': contentType },
    payload: bytes,
  });
const download = (u: TestUser | undefined, id: string) =>
  t.app.inject({ method: 'GET', url: api(`/endorsements/${id}/mandate`), headers: u?.headers ?? {} });
const get = (u: TestUser, path: string) => t.app.inject({ method: 'GET', url: api(path), headers: u.headers });
const post = (u: TestUser, path: string, payload: Body) =>
  t.app.inject({ method: 'POST', url: api(path), headers: u.headers, payload });
const decide = (id: string, decision: string) => post(secretariat, `/endorsements/${id}/decision`, { decision });

describe('PUT /endorsements/:id/mandate', () => {
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

  it('serves the same bytes with their type to the city official and the secretariat; replaces on a new upload', async () => {
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

  it("hides the mandate from another city's official and from reviewers (404), and asks for a login (401)", async () => {
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

describe('progress updates', () => {
  const report = (u: TestUser, id: string, body: Body) =>
    post(u, `/endorsements/${id}/progress`, {
      areaKey: 'climate',
      stage: 'planning',
      narrative: 'A plan is being drafted.',
      ...body,
    });
  const updatesOf = (id: string) => t.db.select().from(progressUpdates).where(eq(progressUpdates.endorsementId, id));

  it('are reported by the endorsing city only: secretariat and reviewers 403, another city 404', async () => {
    const f = await fixture({ scope: 'areas', areaKeys: ['governance', 'climate'] });
    const ok = await report(f.official, f.id, { narrative: 'Council adopted the plan.' });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json()).toMatchObject({
      endorsementId: f.id,
      areaKey: 'climate',
      stage: 'planning',
      narrative: 'Council adopted the plan.',
      createdBy: f.official.id,
    });
    expect((await report(secretariat, f.id, {})).statusCode).toBe(403);
    expect((await report(await createReviewer(t, 'MMC'), f.id, {})).statusCode).toBe(403);
    expect((await report(await createReviewer(t, 'UCLG'), f.id, {})).statusCode).toBe(404);
    const stranger = await createCityOfficial(t);
    const hidden = await report(stranger, f.id, {});
    expect(hidden.statusCode).toBe(404);
    expect(hidden.json().code).toBe('not_found');
    expect(await updatesOf(f.id)).toHaveLength(1);
  });

  it('only on endorsed areas (400) and with a known stage and a narrative (400)', async () => {
    const f = await fixture({ scope: 'areas', areaKeys: ['governance', 'climate'] });
    const notEndorsed = await report(f.official, f.id, { areaKey: 'economy' });
    expect(notEndorsed.statusCode).toBe(400);
    expect(JSON.stringify(notEndorsed.json().errors)).toContain('areaKey');
    expect((await report(f.official, f.id, { areaKey: 'housing' })).statusCode).toBe(400);
    for (const body of [
      { stage: 'done' },
      { stage: 'PLANNING' },
      { stage: undefined },
      { narrative: '' },
      { narrative: undefined },
      { areaKey: undefined },
      { extra: true },
    ]) {
      const res = await report(f.official, f.id, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().code).toBe('validation_failed');
    }
    for (const stage of ['planning', 'in_progress', 'fulfilled', 'dropped']) {
      expect((await report(f.official, f.id, { areaKey: 'governance', stage })).statusCode).toBe(201);
    }
    expect(await updatesOf(f.id)).toHaveLength(4);
  });

  it('not on a withdrawn or rejected endorsement (409)', async () => {
    const w = await fixture();
    await post(w.official, `/endorsements/${w.id}/withdraw`, { reason: 'New council.' });
    const res = await report(w.official, w.id, {});
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('invalid_state');
    const r = await fixture();
    await post(secretariat, `/endorsements/${r.id}/decision`, { decision: 'rejected', note: 'Wrong signatory.' });
    expect((await report(r.official, r.id, {})).statusCode).toBe(409);
    // A verified endorsement takes progress.
    const v = await fixture();
    await decide(v.id, 'verified');
    expect((await report(v.official, v.id, {})).statusCode).toBe(201);
    expect(await updatesOf(w.id)).toHaveLength(0);
    expect(await updatesOf(r.id)).toHaveLength(0);
  });

  it('show the latest stage per endorsed area on the endorsement, and every update on /progress', async () => {
    const f = await fixture({ scope: 'areas', areaKeys: ['governance', 'climate'] });
    await report(f.official, f.id, { areaKey: 'governance', stage: 'planning', narrative: 'First step.' });
    await report(f.official, f.id, { areaKey: 'governance', stage: 'in_progress', narrative: 'Second step.' });
    await report(f.official, f.id, { areaKey: 'governance', stage: 'fulfilled', narrative: 'Done.' });
    const detail = (await get(f.official, `/endorsements/${f.id}`)).json();
    expect(detail.progress).toEqual([
      { areaKey: 'governance', stage: 'fulfilled', narrative: 'Done.', updatedAt: expect.any(String), stale: false },
      { areaKey: 'climate', stage: null, narrative: null, updatedAt: null, stale: false },
    ]);
    const list = await get(f.official, `/endorsements/${f.id}/progress`);
    expect(list.statusCode).toBe(200);
    expect(list.json().nextCursor).toBeNull();
    expect(list.json().items.map((i: { stage: string; narrative: string }) => `${i.stage}:${i.narrative}`)).toEqual([
      'planning:First step.',
      'in_progress:Second step.',
      'fulfilled:Done.',
    ]);
    expect(detail.progress[0].updatedAt).toBe(list.json().items[2].createdAt);
    // Readable as the endorsement is: secretariat and the network's reviewer yes, others 404.
    expect((await get(secretariat, `/endorsements/${f.id}/progress`)).json().items).toHaveLength(3);
    expect((await get(await createReviewer(t, 'MMC'), `/endorsements/${f.id}/progress`)).json().items).toHaveLength(3);
    expect((await get(await createReviewer(t, 'UCLG'), `/endorsements/${f.id}/progress`)).statusCode).toBe(404);
    expect((await get(await createCityOfficial(t), `/endorsements/${f.id}/progress`)).statusCode).toBe(404);
  });

  it('mark an area stale when its latest update, or without one the endorsement, is over a year old', async () => {
    const f = await fixture({ scope: 'areas', areaKeys: ['governance', 'economy', 'climate'] });
    const now = Date.now();
    // The endorsement was made 500 days ago.
    await t.db
      .update(endorsements)
      .set({ createdAt: new Date(now - 500 * DAY) })
      .where(eq(endorsements.id, f.id));
    // governance: one update 400 days ago (stale). climate: an old one, then a fresh one (not stale).
    const old = (await report(f.official, f.id, { areaKey: 'governance', stage: 'planning' })).json().id as string;
    await t.db
      .update(progressUpdates)
      .set({ createdAt: new Date(now - 400 * DAY) })
      .where(eq(progressUpdates.id, old));
    const older = (
      await report(f.official, f.id, { areaKey: 'climate', stage: 'planning', narrative: 'Long ago.' })
    ).json().id as string;
    await t.db
      .update(progressUpdates)
      .set({ createdAt: new Date(now - 450 * DAY) })
      .where(eq(progressUpdates.id, older));
    await report(f.official, f.id, { areaKey: 'climate', stage: 'in_progress', narrative: 'This year.' });
    // economy: never reported, so the endorsement's age counts (stale).
    const progress = (await get(f.official, `/endorsements/${f.id}`)).json().progress as Array<{
      areaKey: string;
      stage: string | null;
      narrative: string | null;
      stale: boolean;
    }>;
    expect(progress.map((p) => [p.areaKey, p.stage, p.stale])).toEqual([
      ['governance', 'planning', true],
      ['economy', null, true],
      ['climate', 'in_progress', false],
    ]);
    expect(progress[2]!.narrative).toBe('This year.');
  });

  it('do not call an area stale within a year', async () => {
    const f = await fixture({ scope: 'areas', areaKeys: ['governance', 'climate'] });
    const now = Date.now();
    await t.db
      .update(endorsements)
      .set({ createdAt: new Date(now - 364 * DAY) })
      .where(eq(endorsements.id, f.id));
    const id = (await report(f.official, f.id, { areaKey: 'governance' })).json().id as string;
    await t.db
      .update(progressUpdates)
      .set({ createdAt: new Date(now - 300 * DAY) })
      .where(eq(progressUpdates.id, id));
    const progress = (await get(f.official, `/endorsements/${f.id}`)).json().progress as Array<{ stale: boolean }>;
    expect(progress.map((p) => p.stale)).toEqual([false, false]);
    // A day past the year, both are.
    await t.db
      .update(endorsements)
      .set({ createdAt: new Date(now - 367 * DAY) })
      .where(eq(endorsements.id, f.id));
    await t.db
      .update(progressUpdates)
      .set({ createdAt: new Date(now - 366 * DAY) })
      .where(eq(progressUpdates.id, id));
    const later = (await get(f.official, `/endorsements/${f.id}`)).json().progress as Array<{ stale: boolean }>;
    expect(later.map((p) => p.stale)).toEqual([true, true]);
  });

  it('write an audit event for each report', async () => {
    const f = await fixture();
    const res = await report(f.official, f.id, { areaKey: 'economy', stage: 'fulfilled' });
    const events = await t.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.entityId, f.id))
      .orderBy(asc(auditEvents.seq));
    const reported = events.filter((e) => e.action === 'endorsement.progress_reported');
    expect(reported).toHaveLength(1);
    expect(reported[0]).toMatchObject({ actorId: f.official.id, actorRole: 'city_official' });
    expect(reported[0]!.summary).toMatchObject({ progressId: res.json().id, areaKey: 'economy', stage: 'fulfilled' });
    // A refused report writes nothing.
    await report(f.official, f.id, { areaKey: 'housing' });
    expect(
      (await t.db.select().from(auditEvents).where(eq(auditEvents.entityId, f.id))).filter(
        (e) => e.action === 'endorsement.progress_reported',
      ),
    ).toHaveLength(1);
  });
});
