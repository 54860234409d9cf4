import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
let staff: TestUser;
let slug: string;
const ids: Record<string, string> = {};
const api = (path: string) => `/api/v1${path}`;
const INJECTION = '=HYPERLINK("http://x","y")';

beforeAll(async () => {
  t = await buildTestApp();
  staff = await createSecretariat(t);
  ({ slug } = await createPublishedPledge(t, { areaKeys: ['governance', 'economy', 'climate'] }));
  const endorse = async (
    label: string,
    city: { name: string; country: string; networks: string[] },
    body: object,
    decision?: string,
  ) => {
    const c = await createCity(t, city);
    const official = await createCityOfficial(t, c.id);
    const res = await t.app.inject({
      method: 'POST',
      url: api(`/pledges/${slug}/endorsements`),
      headers: official.headers,
      payload: { versionNumber: 1, signatory: { name: 'Mayor', title: 'Mayor' }, language: 'en', ...body },
    });
    expect(res.statusCode, res.body).toBe(201);
    ids[label] = res.json().id;
    if (decision) {
      const d = await t.app.inject({
        method: 'POST',
        url: api(`/endorsements/${ids[label]}/decision`),
        headers: staff.headers,
        payload: { decision, ...(decision === 'rejected' ? { note: 'no' } : {}) },
      });
      expect(d.statusCode).toBe(200);
    }
    return official;
  };
  const a = await endorse('A', { name: 'Quito', country: 'EC', networks: ['MMC'] }, { scope: 'whole' }, 'verified');
  await t.app.inject({
    method: 'POST',
    url: api(`/endorsements/${ids.A}/progress`),
    headers: a.headers,
    payload: { areaKey: 'governance', stage: 'in_progress', narrative: 'office opened' },
  });
  await endorse('B', { name: 'Kraków', country: 'PL', networks: ['UCLG'] }, { scope: 'areas', areaKeys: ['climate'] });
  await endorse('C', { name: INJECTION, country: 'FR', networks: ['MMC'] }, { scope: 'whole' }, 'rejected');
  const d = await endorse('D', { name: 'Kampala', country: 'UG', networks: ['MMC'] }, { scope: 'whole' }, 'verified');
  await t.app.inject({
    method: 'POST',
    url: api(`/endorsements/${ids.D}/withdraw`),
    headers: d.headers,
    payload: { reason: 'council' },
  });
});
afterAll(async () => t.close());

async function csv(query = '', user = staff) {
  const res = await t.app.inject({
    method: 'GET',
    url: api(`/pledges/${slug}/reports/endorsements.csv${query}`),
    headers: user.headers,
  });
  expect(res.statusCode, res.body).toBe(200);
  return res;
}
const records = (body: string) =>
  parse(body.replace(/^\uFEFF/, ''), { columns: true }) as Array<Record<string, string>>;

describe('the endorsement report', () => {
  it('as CSV: a BOM, RFC 4180, one column per area key, the latest progress, formula-safe', async () => {
    const res = await csv();
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.rawPayload.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(true);
    const rows = records(res.body);
    expect(rows).toHaveLength(4);
    const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
    expect(byId[ids.A!]).toMatchObject({
      city: 'Quito',
      status: 'verified',
      'area:governance': '1',
      'area:economy': '1',
      'area:climate': '1',
      'progress:governance': 'in_progress',
    });
    expect(byId[ids.A!]!.certificateSerial).toMatch(/^AP-/);
    expect(byId[ids.B!]).toMatchObject({
      city: 'Kraków',
      status: 'submitted',
      'area:governance': '0',
      'area:economy': '0',
      'area:climate': '1',
    });
    expect(byId[ids.D!]).toMatchObject({ status: 'withdrawn', certificateSerial: '' });
    // The formula comes out as inert text.
    expect(byId[ids.C!]!.city).toBe(`'${INJECTION}`);
    expect(res.body).not.toMatch(/(^|,)=HYPERLINK/m);
  });

  it('as JSON: the same records', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: api(`/pledges/${slug}/reports/endorsements.json`),
      headers: staff.headers,
    });
    const list = res.json() as Array<{ id: string; areas: Record<string, number>; city: string }>;
    expect(list).toHaveLength(4);
    const csvRows = records((await csv()).body);
    for (const r of list) {
      const c = csvRows.find((x) => x.id === r.id)!;
      expect(String(r.areas.climate)).toBe(c['area:climate']);
    }
    expect(list.find((r) => r.id === ids.C)!.city).toBe(INJECTION);
  });

  it('refuses filters the database could not take with a 400, before streaming anything', async () => {
    for (const q of ['versionNumber=3000000000', 'from=99999', 'to=garbage', 'areaKey=%00', 'from=%2B275760-09-13']) {
      const res = await t.app.inject({
        method: 'GET',
        url: api(`/pledges/${slug}/reports/endorsements.csv?${q}`),
        headers: staff.headers,
      });
      expect(res.statusCode, q).toBe(400);
    }
  });

  it('marks an endorsed area stale after a year without a progress update', async () => {
    const { sql } = await import('drizzle-orm');
    await t.db.execute(
      sql`UPDATE progress_updates SET created_at = now() - interval '400 days' WHERE endorsement_id = ${ids.A}`,
    );
    const row = records((await csv()).body).find((r) => r.id === ids.A)!;
    expect(row.staleAreas).toBe('governance');
    expect(row['progress:governance']).toBe('in_progress');
    await t.db.execute(sql`UPDATE progress_updates SET created_at = now() WHERE endorsement_id = ${ids.A}`);
    expect(records((await csv()).body).find((r) => r.id === ids.A)!.staleAreas).toBe('');
  });

  it('takes the filters', async () => {
    expect(records((await csv('?status=verified')).body).map((r) => r.id)).toEqual([ids.A]);
    expect(records((await csv('?country=PL')).body).map((r) => r.id)).toEqual([ids.B]);
    expect(
      records((await csv('?network=MMC')).body)
        .map((r) => r.id)
        .sort(),
    ).toEqual([ids.A, ids.C, ids.D].sort());
    expect(records((await csv('?areaKey=climate&status=submitted')).body).map((r) => r.id)).toEqual([ids.B]);
    expect(records((await csv('?to=2000-01-01')).body)).toHaveLength(0);
    // A day as `to` includes the whole day.
    const today = new Date().toISOString().slice(0, 10);
    expect(records((await csv(`?to=${today}`)).body)).toHaveLength(4);
  });

  it('is limited to the member cities of a reviewer’s network, and does not exist for a city official', async () => {
    const reviewer = await createReviewer(t, 'UCLG');
    expect(records((await csv('', reviewer)).body).map((r) => r.id)).toEqual([ids.B]);
    const official = await createCityOfficial(t);
    expect(
      (
        await t.app.inject({
          method: 'GET',
          url: api(`/pledges/${slug}/reports/endorsements.csv`),
          headers: official.headers,
        })
      ).statusCode,
    ).toBe(404);
    expect(
      (await t.app.inject({ method: 'GET', url: api(`/pledges/${slug}/reports/summary`), headers: official.headers }))
        .statusCode,
    ).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: api(`/pledges/${slug}/reports/summary`) })).statusCode).toBe(401);
  });
});

describe('the summary', () => {
  it('agrees with the fixture and with the CSV', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: api(`/pledges/${slug}/reports/summary`),
      headers: staff.headers,
    });
    expect(res.statusCode, res.body).toBe(200);
    const s = res.json();
    expect(s.totals).toEqual({ endorsements: 2, verified: 1, cities: 2, countries: 2 });
    expect(s.byArea).toEqual([
      { key: 'climate', count: 2 },
      { key: 'economy', count: 1 },
      { key: 'governance', count: 1 },
    ]);
    expect(s.byStatus).toEqual([
      { key: 'rejected', count: 1 },
      { key: 'submitted', count: 1 },
      { key: 'verified', count: 1 },
      { key: 'withdrawn', count: 1 },
    ]);
    expect(s.byNetwork).toEqual([
      { key: 'MMC', count: 1 },
      { key: 'UCLG', count: 1 },
    ]);
    expect(s.byRegion).toEqual([
      { key: 'Americas', count: 1 },
      { key: 'Europe', count: 1 },
    ]);
    expect(s.byVersion).toEqual([{ key: '1', count: 2 }]);
    expect(s.timeline.reduce((n: number, w: { count: number }) => n + w.count, 0)).toBe(4);
    const live = records((await csv()).body).filter((r) => r.status === 'submitted' || r.status === 'verified');
    expect(live.filter((r) => r['area:climate'] === '1')).toHaveLength(2);
  });

  it('gives every week from the first to the last, by UTC week starting Monday, empty weeks as 0', async () => {
    const { sql } = await import('drizzle-orm');
    // Kraków's endorsement moves to a Sunday night, UTC, three weeks earlier than the others' week.
    const { rowsOf } = await import('../src/db/tx.js');
    const [{ monday }] = rowsOf<{ monday: string }>(
      await t.db.execute(
        sql`SELECT to_char(date_trunc('week', created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS monday
            FROM endorsements WHERE id = ${ids.A}`,
      ),
    ) as [{ monday: string }];
    const sunday = new Date(Date.parse(`${monday}T23:30:00Z`) - 15 * 86_400_000);
    const [before] = rowsOf<{ created_key: string }>(
      await t.db.execute(sql`SELECT created_at::text AS created_key FROM endorsements WHERE id = ${ids.B}`),
    );
    await t.db.execute(
      sql`UPDATE endorsements SET created_at = ${sunday.toISOString()}::timestamptz WHERE id = ${ids.B}`,
    );
    try {
      const s = (
        await t.app.inject({ method: 'GET', url: api(`/pledges/${slug}/reports/summary`), headers: staff.headers })
      ).json();
      const week = (daysBeforeMonday: number) =>
        new Date(Date.parse(`${monday}T00:00:00Z`) - daysBeforeMonday * 86_400_000).toISOString().slice(0, 10);
      expect(s.timeline).toEqual([
        { date: week(21), count: 1 },
        { date: week(14), count: 0 },
        { date: week(7), count: 0 },
        { date: week(0), count: 3 },
      ]);
    } finally {
      await t.db.execute(
        sql`UPDATE endorsements SET created_at = ${before!.created_key}::timestamptz WHERE id = ${ids.B}`,
      );
    }
  });
});

describe('snapshots', () => {
  it('keep the exact CSV bytes and their SHA-256, whatever happens afterwards', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: api(`/pledges/${slug}/reports/snapshots`),
      headers: staff.headers,
      payload: { status: 'verified' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const snap = created.json();
    expect(snap).toMatchObject({ rowCount: 1, createdBy: staff.id, filters: { status: 'verified' } });
    const first = await t.app.inject({
      method: 'GET',
      url: api(`/reports/snapshots/${snap.id}.csv`),
      headers: staff.headers,
    });
    expect(first.statusCode).toBe(200);
    expect(createHash('sha256').update(first.rawPayload).digest('hex')).toBe(snap.sha256);

    // The data changes: a new verified endorsement, and the first one withdrawn.
    await t.app.inject({
      method: 'POST',
      url: api(`/endorsements/${ids.B}/decision`),
      headers: staff.headers,
      payload: { decision: 'verified' },
    });
    const again = await t.app.inject({
      method: 'GET',
      url: api(`/reports/snapshots/${snap.id}.csv`),
      headers: staff.headers,
    });
    expect(again.rawPayload.equals(first.rawPayload)).toBe(true);
    expect(records((await csv('?status=verified')).body)).toHaveLength(2);

    const list = await t.app.inject({
      method: 'GET',
      url: api(`/pledges/${slug}/reports/snapshots`),
      headers: staff.headers,
    });
    expect(list.json().items.map((s: { id: string }) => s.id)).toContain(snap.id);
    const reviewer = await createReviewer(t, 'GPM');
    expect(
      (await t.app.inject({ method: 'GET', url: api(`/reports/snapshots/${snap.id}.csv`), headers: reviewer.headers }))
        .statusCode,
    ).toBe(404);
  });
});

describe('the Excel workbook', () => {
  it('has a typed, filterable Endorsements sheet with a frozen header and a Summary sheet', async () => {
    const { default: ExcelJS } = await import('exceljs');
    const res = await t.app.inject({
      method: 'GET',
      url: api(`/pledges/${slug}/reports/endorsements.xlsx`),
      headers: staff.headers,
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('spreadsheetml');
    const workbook = new ExcelJS.Workbook();
    // ExcelJS's types take an ArrayBuffer (its own `Buffer` interface), not Node's Buffer.
    await workbook.xlsx.load(new Uint8Array(res.rawPayload).buffer);
    const sheet = workbook.getWorksheet('Endorsements')!;
    expect(sheet).toBeDefined();
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(sheet.autoFilter).toBeTruthy();
    const header = (sheet.getRow(1).values as unknown[]).slice(1) as string[];
    const col = (name: string) => header.indexOf(name) + 1;
    const rows = [...Array(sheet.rowCount - 1).keys()].map((i) => sheet.getRow(i + 2));
    expect(rows).toHaveLength(4);
    const a = rows.find((r) => r.getCell(col('id')).value === ids.A)!;
    expect(a.getCell(col('version')).value).toBe(1);
    expect(a.getCell(col('area:climate')).value).toBe(1);
    expect(a.getCell(col('submittedAt')).value).toBeInstanceOf(Date);
    const c = rows.find((r) => r.getCell(col('id')).value === ids.C)!;
    expect(c.getCell(col('city')).value).toBe(`'${INJECTION}`);
    expect(c.getCell(col('city')).formula).toBeUndefined();
    const summary = workbook.getWorksheet('Summary')!;
    const measures = Object.fromEntries(
      [...Array(summary.rowCount - 1).keys()].map((i) => [
        summary.getRow(i + 2).getCell(1).value,
        summary.getRow(i + 2).getCell(2).value,
      ]),
    );
    // Quito's whole endorsement and Kraków's climate one are live; the other two are not.
    expect(measures['Area: climate']).toBe(2);
  });
});

describe('the summary PDF', () => {
  it('is a briefing in the language asked for, with the figures and the signatory cities', async () => {
    const { PDFParse } = await import('pdf-parse');
    for (const [lang, heading, perArea] of [
      ['en', 'Endorsement summary', 'Endorsements per action area'],
      ['fr', 'Synthèse des adhésions', 'Adhésions par domaine d’action'],
      ['es', 'Resumen de adhesiones', 'Adhesiones por área de acción'],
    ] as const) {
      const res = await t.app.inject({
        method: 'GET',
        url: api(`/pledges/${slug}/reports/summary.pdf?lang=${lang}`),
        headers: staff.headers,
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('application/pdf');
      const parser = new PDFParse({ data: new Uint8Array(res.rawPayload) });
      const { text, total } = await parser.getText();
      await parser.destroy();
      // The page count follows the layout and each language's text lengths, not the data: a range.
      expect(total).toBeGreaterThanOrEqual(2);
      expect(total).toBeLessThanOrEqual(4);
      for (const s of [heading, perArea, 'Quito']) expect(text).toContain(s);
      // Regions are named in the briefing's language too.
      expect(text).toContain({ en: 'Americas', fr: 'Amériques', es: 'Américas' }[lang]);
    }
  });
});
