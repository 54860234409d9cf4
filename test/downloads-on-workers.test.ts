// PDFs, ZIPs and workbooks made on the worker threads (lib/worker-pool.ts): the same bytes as
// this thread makes, a 503 with Retry-After when the pool is full, the work stopped when the
// reader leaves, the threads stopped with the app. One thread and no queue: a ZIP fills the pool.
import { type ClientRequest, get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/db/tx.js';
import { ServiceUnavailableError } from '../src/lib/errors.js';
import { renderCertificatePdf } from '../src/modules/certificates/certificate.pdf.js';
import type { CertificatePayload } from '../src/modules/certificates/certificates.service.js';
import type { SummaryPdfTask } from '../src/modules/reports/reports.worker.js';
import { renderSummaryPdf } from '../src/modules/reports/summary.pdf.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { api, signatory } from './helpers/endorsements-api.js';
import { createCity, createCityOfficial, createSecretariat, type TestUser } from './helpers/factories.js';
import { documentOf, signingOf } from './helpers/pdf-signature.js';
import { createPublishedPledge } from './helpers/pledge-factories.js';

const CERTIFICATES = 12;
let t: TestApp;
let origin: string;
let staff: TestUser;
let slug: string;
let bigSlug: string;
const endorsementIds: string[] = [];

async function until(condition: () => boolean, what: string, ms = 15_000) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`still waiting for ${what}`);
    await sleep(20);
  }
}

/** A GET over a real socket, resolved with the answer's head; its body is read only if asked. */
function open(path: string): Promise<{ req: ClientRequest; res: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const req = get(`${origin}${api(path)}`, { headers: staff.headers }, (res) => resolve({ req, res }));
    req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
  });
}

/** Reads the first bytes of a download, then hangs up. */
async function leaveAfterFirstBytes(path: string) {
  const { req, res } = await open(path);
  expect(res.statusCode).toBe(200);
  await new Promise((resolve) => res.once('data', resolve));
  req.destroy();
}

const idle = () => {
  const s = t.app.workers.stats();
  return s.reserved === 0 && s.running === 0 && s.waiting === 0;
};

beforeAll(async () => {
  t = await buildTestApp({ WORKER_THREADS: '1', WORKER_QUEUE: '0' });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  origin = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  staff = await createSecretariat(t);
  ({ slug } = await createPublishedPledge(t, { areaKeys: ['governance', 'climate'] }));
  for (let i = 0; i < CERTIFICATES; i++) {
    const city = await createCity(t, { name: `Łódź ${i}`, country: 'PL' });
    const official = await createCityOfficial(t, city.id);
    const created = await t.app.inject({
      method: 'POST',
      url: api(`/pledges/${slug}/endorsements`),
      headers: official.headers,
      payload: { versionNumber: 1, scope: 'whole', signatory, language: ['en', 'es', 'fr'][i % 3] },
    });
    expect(created.statusCode, created.body).toBe(201);
    const decided = await t.app.inject({
      method: 'POST',
      url: api(`/endorsements/${created.json().id}/decision`),
      headers: staff.headers,
      payload: { decision: 'verified' },
    });
    expect(decided.statusCode, decided.body).toBe(200);
    endorsementIds.push(created.json().id);
  }
  // A report of 3,000 rows: three batches for the workbook.
  const big = await createPublishedPledge(t);
  bigSlug = big.slug;
  await t.db.execute(sql`
    WITH c AS (INSERT INTO cities (name, country, kind, region)
      SELECT 'Worker City ' || g, 'EC', 'city', 'Americas' FROM generate_series(1, 3000) g RETURNING id)
    INSERT INTO endorsements (pledge_id, city_id, version_id, version_number, content_hash, scope, area_keys,
      signatory_name, signatory_title, language, status, created_at, submitted_at)
    SELECT v.pledge_id, c.id, v.id, 1, v.content_hash, 'whole', '[]'::jsonb, 'Mayor', 'Mayor', 'en', 'submitted',
      now(), now()
    FROM c CROSS JOIN pledge_versions v WHERE v.pledge_id = ${big.pledgeId}::uuid`);
});
afterAll(async () => t?.close());

/** The stored certificate of an endorsement: what this thread would render from. */
async function stored(endorsementId: string) {
  const [row] = rowsOf<{ payload: CertificatePayload; signature: string; key_id: string }>(
    await t.db.execute(
      sql`SELECT payload, signature, key_id FROM certificates WHERE endorsement_id = ${endorsementId}::uuid`,
    ),
  );
  return { payload: row!.payload, signature: row!.signature, keyId: row!.key_id };
}

describe('made on a worker thread, the same document as on this one (each signed when it is made)', () => {
  it('a certificate, in its own language and in the others', async () => {
    const certificate = await stored(endorsementIds[1]!);
    for (const lang of ['es', 'en', 'fr'] as const) {
      const res = await t.app.inject({
        method: 'GET',
        url: api(`/endorsements/${endorsementIds[1]}/certificate.pdf?lang=${lang}`),
        headers: staff.headers,
      });
      expect(res.statusCode).toBe(200);
      const here = await renderCertificatePdf(certificate, lang, await signingOf(t.db));
      expect(documentOf(res.rawPayload).equals(documentOf(here))).toBe(true);
    }
  });

  it('every certificate in the ZIP', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: api(`/pledges/${slug}/certificates.zip`),
      headers: staff.headers,
    });
    expect(res.statusCode).toBe(200);
    const zip = await JSZip.loadAsync(res.rawPayload);
    const entries = Object.values(zip.files);
    expect(entries).toHaveLength(CERTIFICATES);
    for (const id of endorsementIds) {
      const certificate = await stored(id);
      const entry = entries.find((e) => e.name.startsWith(certificate.payload.serial));
      const here = await renderCertificatePdf(certificate, certificate.payload.language, await signingOf(t.db));
      expect(documentOf(await entry!.async('nodebuffer')).equals(documentOf(here))).toBe(true);
    }
  });

  it('the summary’s briefing', async () => {
    const task: SummaryPdfTask = {
      language: 'fr',
      input: {
        pledgeTitle: 'Engagement de Quito',
        summary: {
          totals: { endorsements: 3, verified: 2, cities: 3, countries: 2 },
          byArea: [{ key: 'governance', count: 3 }],
          byRegion: [{ key: 'Europe', count: 3 }],
          byCountry: [{ key: 'PL', count: 3 }],
          byNetwork: [],
          byStatus: [{ key: 'verified', count: 2 }],
          byVersion: [{ key: '1', count: 3 }],
          timeline: [{ date: '2026-11-23', count: 3 }],
        },
        areaTitles: { governance: 'Gouvernance des migrations' },
        signatories: [
          {
            city: 'Łódź',
            country: 'PL',
            region: 'Europe',
            scope: 'whole',
            areas: { endorsed: 6, of: 6 },
            verifiedAt: '2026-11-24T10:00:00Z',
          },
        ],
        moreSignatories: 1,
        generatedAt: new Date('2026-11-29T08:00:00Z'),
      },
    };
    const file = new URL('../src/modules/reports/reports.worker.ts', import.meta.url);
    const onWorker = await t.app.workers.run<Uint8Array>({ file, name: 'summaryPdf', data: task });
    expect(Buffer.from(onWorker).equals(await renderSummaryPdf(task.input, task.language))).toBe(true);
  });
});

describe('a full pool', () => {
  it('answers 503 with Retry-After while a ZIP holds it, and serves again once the ZIP is gone', async () => {
    // The ZIP's reader takes nothing: its units stay reserved.
    const held = await open(`/pledges/${slug}/certificates.zip`);
    expect(held.res.statusCode).toBe(200);
    held.res.pause();
    const certificate = await stored(endorsementIds[0]!);
    const refused = [
      await t.app.inject({
        method: 'GET',
        url: api(`/endorsements/${endorsementIds[0]}/certificate.pdf`),
        headers: staff.headers,
      }),
      await t.app.inject({ method: 'GET', url: api(`/pledges/${slug}/reports/summary.pdf`), headers: staff.headers }),
      await t.app.inject({
        method: 'GET',
        url: api(`/pledges/${slug}/reports/endorsements.xlsx`),
        headers: staff.headers,
      }),
      await t.app.inject({ method: 'GET', url: api(`/pledges/${slug}/certificates.zip`), headers: staff.headers }),
    ];
    for (const res of refused) {
      expect(res.statusCode, res.body).toBe(503);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.headers['retry-after']).toBe('5');
      expect(res.json()).toMatchObject({ status: 503, code: 'service_unavailable' });
    }
    // The CSV needs no thread: it is served all the same; so is a certificate's check, which renders nothing.
    const csv = await t.app.inject({
      method: 'GET',
      url: api(`/pledges/${slug}/reports/endorsements.csv`),
      headers: staff.headers,
    });
    expect(csv.statusCode).toBe(200);
    const check = await t.app.inject({
      method: 'POST',
      url: api('/certificates/verify'),
      headers: { 'content-type': 'application/pdf' },
      payload: await renderCertificatePdf(certificate, 'en', await signingOf(t.db)),
    });
    expect(check.statusCode, check.body).toBe(200);
    expect(check.json()).toMatchObject({ matches: true });

    held.req.destroy();
    await until(idle, 'the ZIP to give its units back');
    const served = await t.app.inject({
      method: 'GET',
      url: api(`/endorsements/${endorsementIds[0]}/certificate.pdf`),
      headers: staff.headers,
    });
    expect(served.statusCode).toBe(200);
  });
});

describe('a reader who leaves', () => {
  it('stops the ZIP: nothing more is rendered for it, and its units come back', async () => {
    const before = t.app.workers.stats().completed;
    await leaveAfterFirstBytes(`/pledges/${slug}/certificates.zip`);
    await until(idle, 'the ZIP to stop');
    const rendered = t.app.workers.stats().completed - before;
    // At most the renders under way when the reader left (the ZIP's two units), twice over for slack.
    expect(rendered).toBeLessThanOrEqual(4);
    await sleep(500);
    expect(t.app.workers.stats().completed - before).toBe(rendered);
  });

  it('stops the workbook: its session on the worker ends, and the database is free', async () => {
    await leaveAfterFirstBytes(`/pledges/${bigSlug}/reports/endorsements.xlsx`);
    await until(idle, 'the workbook to stop');
    // On PGlite the report's read holds the one connection: this answers only once it has ended.
    const answer = await Promise.race([t.db.execute(sql`SELECT 1`).then(() => 'ok'), sleep(5_000, 'timeout')]);
    expect(answer).toBe('ok');
  });
});

describe('closing the app', () => {
  it('stops the pool’s threads and refuses new work', async () => {
    const other = await buildTestApp();
    const task = { certificate: await stored(endorsementIds[0]!), language: 'en', signing: await signingOf(other.db) };
    const file = new URL('../src/modules/certificates/certificate.worker.ts', import.meta.url);
    await other.app.workers.run({ file, data: task });
    expect(other.app.workers.stats().threads).toBe(1);
    await other.close();
    expect(other.app.workers.stats().threads).toBe(0);
    expect(() => other.app.workers.reserve(1)).toThrow(ServiceUnavailableError);
  });
});
