import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { and, eq } from 'drizzle-orm';
import JSZip from 'jszip';
import { PDFParse } from 'pdf-parse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, reportSnapshots } from '../src/db/schema/index.js';
import { createPledge } from '../src/modules/pledges/index.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import {
  createCity,
  createCityOfficial,
  createReviewer,
  createSecretariat,
  type TestUser,
  unique,
} from './helpers/factories.js';
import { apiCaller } from './helpers/http.js';
import { createPublishedPledge } from './helpers/pledge-factories.js';
import { h1Of, textOf, type WebClient } from './helpers/web.js';
import { signedInAs } from './helpers/web-city.js';
import { verifiedSignatory } from './helpers/web-fixtures.js';

// The reports page: the secretariat reads every city's figures, a network reviewer the same page
// over their network's member cities (no console menu), both as the API's summary has them; the
// downloads are the API's files with the same types; a snapshot is the API's, audit event and all.
// Anyone else, and a pledge the reader may not see, is the 404 page.

let t: TestApp;
let staff: TestUser;
let reviewer: TestUser;
let official: TestUser;
let slug: string;
let draftSlug: string;
let secretariatPage: WebClient;
let reviewerPage: WebClient;
const call = apiCaller(() => t);

beforeAll(async () => {
  t = await buildTestApp();
  staff = await createSecretariat(t);
  reviewer = await createReviewer(t, 'MMC');
  ({ slug } = await createPublishedPledge(t, { areaKeys: ['governance', 'climate'] }));
  // Two verified cities (an MMC one in Ecuador, a UCLG one in France), one awaiting verification
  // (MMC, Kenya, climate only), one withdrawn (MMC): the withdrawn one counts only in the weeks.
  await verifiedSignatory(t, staff, slug, { country: 'EC', networks: ['MMC'], name: unique('Loja ') });
  await verifiedSignatory(t, staff, slug, { country: 'FR', networks: ['UCLG'], name: unique('Lyon ') });
  await submitted({ country: 'KE', networks: ['MMC'], areaKeys: ['climate'] });
  const gone = await submitted({ country: 'EC', networks: ['MMC'] });
  const withdrawn = await call('POST', `/endorsements/${gone}/withdraw`, staff, { reason: 'Council vote reversed' });
  expect(withdrawn.statusCode, withdrawn.body).toBe(200);
  official = await createCityOfficial(t, (await createCity(t, { networks: ['MMC'] })).id);

  draftSlug = unique('draft-').toLowerCase();
  await createPledge(t.system, { slug: draftSlug, title: { en: 'A draft nobody else sees' } });

  [secretariatPage, reviewerPage] = await Promise.all([signedInAs(t, staff), signedInAs(t, reviewer)]);
}, 60_000);
afterAll(async () => t?.close());

/** An endorsement awaiting verification, made by the secretariat on a new city's behalf. */
async function submitted(options: { country: string; networks: string[]; areaKeys?: string[] }) {
  const city = await createCity(t, { country: options.country, networks: options.networks });
  const res = await call('POST', `/pledges/${slug}/endorsements`, staff, {
    cityId: city.id,
    versionNumber: 1,
    scope: options.areaKeys ? 'areas' : 'whole',
    ...(options.areaKeys ? { areaKeys: options.areaKeys } : {}),
    signatory: { name: 'Mayor', title: 'Mayor' },
    language: 'en',
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}

const reportUrl = (s = slug) => `/secretariat/reports?pledge=${s}`;

/** The figures of one chart's table, as [label, number as shown] pairs. */
function figures(html: string, chart: string): Array<[string, string]> {
  const section = new RegExp(
    `<section class="chart-figure" aria-labelledby="${chart}-heading">([\\s\\S]*?)</section>`,
  ).exec(html)?.[1];
  if (!section) return [];
  return [...section.matchAll(/<tr><th scope="row"[^>]*>([^<]*)<\/th><td class="numeric">([^<]*)<\/td><\/tr>/g)].map(
    (m) => [textOf(m[1]!), m[2]!],
  );
}

/** The totals, label → number as shown. */
function totals(html: string): Record<string, string> {
  const block = /<dl class="report-totals">([\s\S]*?)<\/dl>/.exec(html)?.[1] ?? '';
  return Object.fromEntries([...block.matchAll(/<dt>([^<]*)<\/dt><dd>([^<]*)<\/dd>/g)].map((m) => [m[1], m[2]]));
}

type Summary = {
  totals: Record<string, number>;
  byArea: Array<{ key: string; count: number }>;
  byRegion: Array<{ key: string; count: number }>;
  byNetwork: Array<{ key: string; count: number }>;
  timeline: Array<{ date: string; count: number }>;
};

async function apiSummary(who: TestUser): Promise<Summary> {
  const res = await call('GET', `/pledges/${slug}/reports/summary`, who);
  expect(res.statusCode).toBe(200);
  return res.json();
}

const areaTitle = (key: string) => `Area ${key}`;
const networkNames: Record<string, string> = {
  MMC: 'Mayors Migration Council',
  UCLG: 'United Cities and Local Governments',
};

describe('the summary', () => {
  it("shows the secretariat every city's figures, as the API's summary has them, in charts and tables", async () => {
    const page = await secretariatPage.get(reportUrl());
    expect(page.statusCode).toBe(200);
    expect(h1Of(page.body)).toBe('Reports');
    expect(page.body).toContain('class="console-nav"');
    expect(page.body).toMatch(/<option value="[^"]+" selected>Pledge pledge-/);
    const api = await apiSummary(staff);
    expect(api.totals).toMatchObject({ endorsements: 3, verified: 2, countries: 3 });
    expect(totals(page.body)).toEqual({
      'Live endorsements': String(api.totals.endorsements),
      Verified: String(api.totals.verified),
      Cities: String(api.totals.cities),
      Countries: String(api.totals.countries),
    });
    expect(figures(page.body, 'chart-areas')).toEqual(api.byArea.map((a) => [areaTitle(a.key), String(a.count)]));
    expect(figures(page.body, 'chart-regions')).toEqual(api.byRegion.map((r) => [r.key, String(r.count)]));
    expect(figures(page.body, 'chart-networks')).toEqual(
      api.byNetwork.map((n) => [networkNames[n.key], String(n.count)]),
    );
    expect(figures(page.body, 'chart-weeks').map(([, n]) => n)).toEqual(api.timeline.map((w) => String(w.count)));
    for (const chart of ['areas', 'regions', 'networks', 'weeks']) {
      expect(page.body).toMatch(
        new RegExp(`<svg class="chart"[^>]*role="img" aria-labelledby="chart-${chart}-title" aria-describedby`),
      );
    }
    expect(page.body).toContain('<title id="chart-areas-title">Endorsements per action area</title>');
  });

  it("shows a reviewer their network's numbers only, without the console menu or the certificates", async () => {
    const page = await reviewerPage.get(reportUrl());
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('console-nav');
    expect(page.body).not.toContain('certificates.zip');
    expect(textOf(page.body)).toContain('Figures over the member cities of Mayors Migration Council.');
    const api = await apiSummary(reviewer);
    expect(api.totals).toMatchObject({ endorsements: 2, verified: 1 });
    expect(totals(page.body)['Live endorsements']).toBe('2');
    expect(totals(page.body).Verified).toBe('1');
    expect(figures(page.body, 'chart-networks')).toEqual([['Mayors Migration Council', '2']]);
    expect(figures(page.body, 'chart-areas')).toEqual(api.byArea.map((a) => [areaTitle(a.key), String(a.count)]));
    expect(figures(page.body, 'chart-regions')).toEqual(api.byRegion.map((r) => [r.key, String(r.count)]));
    expect(
      figures(page.body, 'chart-regions')
        .map(([region]) => region)
        .sort(),
    ).toEqual(['Africa', 'Americas']);
  });

  it('speaks the reader language: headings, region and area names, dates and numbers', async () => {
    const page = await secretariatPage.get(`${reportUrl()}&lang=fr`);
    expect(h1Of(page.body)).toBe('Rapports');
    expect(figures(page.body, 'chart-regions').map(([label]) => label)).toContain('Amériques');
    expect(figures(page.body, 'chart-areas').map(([label]) => label)).toContain('Domaine climate');
    const week = figures(page.body, 'chart-weeks')[0]![0];
    expect(week).toMatch(/^Semaine du \d{1,2} \S+ 20\d\d$/);
    await secretariatPage.get(`${reportUrl()}&lang=en`);
  });

  it('shows the first published pledge when none is asked, and says when a pledge has no endorsements', async () => {
    const page = await secretariatPage.get('/secretariat/reports');
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/<option value="[a-z0-9-]+" selected>/);
    const draft = await secretariatPage.get(reportUrl(draftSlug));
    expect(draft.statusCode).toBe(200);
    expect(draft.body).toContain(
      `<option value="${draftSlug}" selected>A draft nobody else sees (not published)</option>`,
    );
    expect(textOf(draft.body)).toContain('No city has endorsed this pledge yet.');
    expect(draft.body).not.toContain('<svg');
  });
});

describe('who may not see it', () => {
  it('is the 404 page for a pledge a reviewer may not see, for a city official, for no such pledge', async () => {
    const officialPage = await signedInAs(t, official);
    const refused = [
      await reviewerPage.get(reportUrl(draftSlug)),
      await reviewerPage.get(`/secretariat/reports/${draftSlug}/endorsements.csv`),
      await reviewerPage.get(`/secretariat/reports/${slug}/certificates.zip`),
      await officialPage.get(reportUrl()),
      await officialPage.get('/secretariat/reports'),
      await officialPage.get(`/secretariat/reports/${slug}/endorsements.csv`),
      await officialPage.get(`/secretariat/reports/${slug}/summary.pdf?lang=en`),
      await secretariatPage.get(reportUrl('no-such-pledge')),
      await secretariatPage.get(reportUrl('Not a slug!')),
      await secretariatPage.get(`/secretariat/reports/${slug}/summary.pdf?lang=de`),
    ];
    for (const res of refused) {
      expect(res.statusCode).toBe(404);
      expect(h1Of(res.body)).toBe('Page not found');
    }
    expect(textOf((await reviewerPage.get('/secretariat/reports')).body)).not.toContain('A draft nobody else sees');
  });

  it('sends a visitor to sign in first', async () => {
    const res = await t.app.inject({ method: 'GET', url: reportUrl(), headers: { accept: 'text/html' } });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/sign-in?notice=sign-in-needed&next=%2Fsecretariat%2Freports');
  });
});

describe('the downloads', () => {
  const records = (body: string) => parse(body, { bom: true, columns: true }) as Array<Record<string, string>>;

  it('are the CSV, the workbook, the JSON, the PDF and the ZIP, each as the API sends it', async () => {
    const page = await secretariatPage.get(reportUrl());
    const csv = await secretariatPage.get(`/secretariat/reports/${slug}/endorsements.csv`);
    expect(page.body).toContain(`href="/secretariat/reports/${slug}/endorsements.csv"`);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe(`attachment; filename="${slug}-endorsements.csv"`);
    expect(csv.headers['cache-control']).toBe('no-store');
    const rows = records(csv.body);
    expect(rows).toHaveLength(4);
    const api = await call('GET', `/pledges/${slug}/reports/endorsements.csv`, staff);
    expect(
      records(api.body)
        .map((r) => r.id)
        .sort(),
    ).toEqual(rows.map((r) => r.id).sort());

    const xlsx = await secretariatPage.get(`/secretariat/reports/${slug}/endorsements.xlsx`);
    expect(xlsx.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const workbook = await JSZip.loadAsync(xlsx.rawPayload);
    expect(Object.keys(workbook.files)).toContain('xl/workbook.xml');

    const json = await secretariatPage.get(`/secretariat/reports/${slug}/endorsements.json`);
    expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(json.body)).toHaveLength(4);

    const pdf = await secretariatPage.get(`/secretariat/reports/${slug}/summary.pdf?lang=es`);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.headers['content-disposition']).toBe(`attachment; filename="${slug}-summary-es.pdf"`);
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    const parser = new PDFParse({ data: new Uint8Array(pdf.rawPayload) });
    const { total, text } = await parser.getText();
    await parser.destroy();
    expect(total).toBeGreaterThanOrEqual(1);
    expect(text).toContain('Resumen de adhesiones');

    const zip = await secretariatPage.get(`/secretariat/reports/${slug}/certificates.zip`);
    expect(zip.headers['content-type']).toBe('application/zip');
    expect(zip.headers['content-disposition']).toBe(`attachment; filename="${slug}-certificates.zip"`);
    const certificates = Object.keys((await JSZip.loadAsync(zip.rawPayload)).files);
    expect(certificates).toHaveLength(2);
    expect(certificates.every((name) => name.endsWith('.pdf'))).toBe(true);
  }, 60_000);

  it("give a reviewer their network's rows only", async () => {
    const csv = await reviewerPage.get(`/secretariat/reports/${slug}/endorsements.csv`);
    expect(csv.statusCode).toBe(200);
    const rows = records(csv.body);
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.networks!.split(/[;,]\s*/).includes('MMC'))).toBe(true);
  });

  it('say the service is busy, with Retry-After, while the worker threads are full', async () => {
    const hold = t.app.workers.reserve(t.app.workers.capacity);
    try {
      for (const url of [
        `/secretariat/reports/${slug}/summary.pdf?lang=en`,
        `/secretariat/reports/${slug}/certificates.zip`,
      ]) {
        const res = await secretariatPage.get(url);
        expect(res.statusCode).toBe(503);
        expect(res.headers['retry-after']).toBe('5');
        expect(res.headers['content-type']).toContain('text/html');
        expect(h1Of(res.body)).toBe('Sorry, the service is unavailable');
      }
    } finally {
      hold.release();
    }
    expect((await secretariatPage.get(`/secretariat/reports/${slug}/summary.pdf?lang=en`)).statusCode).toBe(200);
  });
});

describe('snapshots', () => {
  async function auditOf(id: string) {
    const [row] = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.entityType, 'report_snapshot'), eq(auditEvents.entityId, id)));
    return row!;
  }

  it('are taken with a form, listed with their SHA-256, and audited as the API audits them', async () => {
    const before = await secretariatPage.get(reportUrl());
    const res = await secretariatPage.post(`/secretariat/reports/${slug}/snapshots`, {}, { csrfFrom: before });
    expect(res.statusCode).toBe(303);
    const location = String(res.headers.location);
    const id = /snapshot=([0-9a-f-]{36})/.exec(location)?.[1];
    expect(location).toBe(`/secretariat/reports?pledge=${slug}&notice=snapshot&snapshot=${id}#snapshots`);
    const [stored] = await t.db.select().from(reportSnapshots).where(eq(reportSnapshots.id, id!));
    expect(stored!.rowCount).toBe(4);

    const page = await secretariatPage.get(location.split('#')[0]!);
    expect(textOf(page.body)).toContain('The snapshot has been taken.');
    expect(page.body).toMatch(
      new RegExp(`<tr role="row" class="fresh">[\\s\\S]*?<code class="hash">${stored!.sha256}</code>`),
    );

    const file = await secretariatPage.get(`/secretariat/reports/${slug}/snapshots/${id}.csv`);
    expect(file.statusCode).toBe(200);
    expect(file.headers['x-content-sha256']).toBe(stored!.sha256);
    expect(createHash('sha256').update(file.rawPayload).digest('hex')).toBe(stored!.sha256);

    // The API's snapshot of the same report: the same audit event, but for who made it and when.
    const byApi = await call('POST', `/pledges/${slug}/reports/snapshots`, staff, {});
    expect(byApi.statusCode).toBe(201);
    const [ours, theirs] = [await auditOf(id!), await auditOf(byApi.json().id)];
    expect(ours).toMatchObject({ action: 'report.snapshot_created', actorId: staff.id, actorRole: 'secretariat' });
    expect(ours.summary).toEqual(theirs.summary);
    expect(ours.summary).toEqual({ pledge: slug, sha256: stored!.sha256, rowCount: 4 });
  });

  it("let a reviewer take one over their network's cities; the secretariat's stay the secretariat's", async () => {
    const before = await reviewerPage.get(reportUrl());
    const res = await reviewerPage.post(`/secretariat/reports/${slug}/snapshots`, {}, { csrfFrom: before });
    expect(res.statusCode).toBe(303);
    const id = /snapshot=([0-9a-f-]{36})/.exec(String(res.headers.location))![1]!;
    const page = await reviewerPage.get(String(res.headers.location).split('#')[0]!);
    const listed = [...page.body.matchAll(/\/snapshots\/([0-9a-f-]{36})\.csv/g)].map((m) => m[1]);
    expect(listed).toEqual([id]);
    expect(textOf(page.body)).toContain('Member cities of Mayors Migration Council');
    expect((await auditOf(id)).summary).toMatchObject({ rowCount: 3 });

    const secretariatOnly = (await call('POST', `/pledges/${slug}/reports/snapshots`, staff, {})).json().id as string;
    const staffList = await secretariatPage.get(reportUrl());
    expect(staffList.body).toContain(`/snapshots/${id}.csv`);
    expect(staffList.body).toContain(`/snapshots/${secretariatOnly}.csv`);
    expect((await reviewerPage.get(reportUrl())).body).not.toContain(secretariatOnly);
    const refused = await reviewerPage.get(`/secretariat/reports/${slug}/snapshots/${secretariatOnly}.csv`);
    expect(refused.statusCode).toBe(404);
    // A snapshot under another pledge's address is not found either.
    const elsewhere = await secretariatPage.get(`/secretariat/reports/${draftSlug}/snapshots/${id}.csv`);
    expect(elsewhere.statusCode).toBe(404);
  });

  it('refuse a form without its CSRF token, and a city official, writing nothing', async () => {
    const count = async () => (await t.db.select().from(reportSnapshots)).length;
    const n = await count();
    const noToken = await secretariatPage.post(`/secretariat/reports/${slug}/snapshots`, {}, { csrf: false });
    expect(noToken.statusCode).toBe(403);
    const officialPage = await signedInAs(t, official);
    const home = await officialPage.get('/account');
    const asOfficial = await officialPage.post(`/secretariat/reports/${slug}/snapshots`, {}, { csrfFrom: home });
    expect(asOfficial.statusCode).toBe(404);
    expect(await count()).toBe(n);
  });
});
