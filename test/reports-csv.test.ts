import type { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/db/tx.js';
import { countryName } from '../src/lib/countries.js';
import { csvReport, neutralise, reportColumns, type ReportRecord } from '../src/modules/reports/reports.export.js';
import { reportAreaKeys } from '../src/modules/reports/reports.repository.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import {
  createCity,
  createCityOfficial,
  createReviewer,
  createSecretariat,
  type TestUser,
} from './helpers/factories.js';
import { createPublishedPledge, publishNextVersion } from './helpers/pledge-factories.js';

/**
 * The CSV report is written by a different path from the JSON report (the database builds most
 * cells, a server-side cursor pages the rows, only the user's text is quoted in JavaScript); the
 * JSON report still goes through reportRecord, so it is the reference every CSV cell must match.
 */

let t: TestApp;
let staff: TestUser;
let slug: string;
let pledgeId: string;
let areaKeys: string[];
let onPostgres: boolean;
const ids: Record<string, string> = {};
const officials: Record<string, TestUser> = {};
const api = (path: string) => `/api/v1${path}`;
const DAY = 86_400_000;

const INJECTION = '=HYPERLINK("http://x","y")';
/** A country whose English name (i18n-iso-countries) holds a comma. */
const COMMA_COUNTRY = 'MD';

type Body = {
  scope: 'whole' | 'areas';
  areaKeys?: string[];
  signatory?: { name: string; title: string };
  language?: 'en' | 'es' | 'fr';
  versionNumber?: number;
};

async function endorse(
  label: string,
  city: { name: string; country: string; networks?: string[] },
  body: Body,
  decision?: 'verified' | 'rejected',
) {
  const c = await createCity(t, { networks: [], ...city });
  const official = await createCityOfficial(t, c.id);
  const res = await t.app.inject({
    method: 'POST',
    url: api(`/pledges/${slug}/endorsements`),
    headers: official.headers,
    payload: { versionNumber: 1, signatory: { name: 'Mayor', title: 'Mayor' }, language: 'en', ...body },
  });
  expect(res.statusCode, res.body).toBe(201);
  ids[label] = res.json().id;
  officials[label] = official;
  if (decision) await decide(label, decision);
  return ids[label]!;
}

async function decide(label: string, decision: 'verified' | 'rejected') {
  const res = await t.app.inject({
    method: 'POST',
    url: api(`/endorsements/${ids[label]}/decision`),
    headers: staff.headers,
    payload: { decision, ...(decision === 'rejected' ? { note: 'not this time' } : {}) },
  });
  expect(res.statusCode, res.body).toBe(200);
}

async function withdraw(label: string) {
  const res = await t.app.inject({
    method: 'POST',
    url: api(`/endorsements/${ids[label]}/withdraw`),
    headers: officials[label]!.headers,
    payload: { reason: 'council vote' },
  });
  expect(res.statusCode, res.body).toBe(200);
}

async function progress(
  label: string,
  areaKey: string,
  stage: 'planning' | 'in_progress' | 'fulfilled' | 'dropped',
): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: api(`/endorsements/${ids[label]}/progress`),
    headers: officials[label]!.headers,
    payload: { areaKey, stage, narrative: `${stage} on ${areaKey}` },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id;
}

const daysAgo = (days: number) => new Date(Date.now() - days * DAY).toISOString();
const setProgressAt = (progressId: string, at: string) =>
  t.db.execute(sql`UPDATE progress_updates SET created_at = ${at}::timestamptz WHERE id = ${progressId}::uuid`);
const setCreatedAt = (label: string, at: string) =>
  t.db.execute(sql`UPDATE endorsements SET created_at = ${at}::timestamptz WHERE id = ${ids[label]}::uuid`);

beforeAll(async () => {
  t = await buildTestApp();
  onPostgres = t.testDb.database.driver === 'pg';
  staff = await createSecretariat(t);
  ({ slug, pledgeId } = await createPublishedPledge(t, { areaKeys: ['governance', 'economy', 'climate', 'services'] }));

  // Verified, in three networks, with progress: the latest of two per area, a tie on created_at
  // (broken by id), and an area whose only update is over a year old (stale although the
  // endorsement itself is recent).
  await endorse(
    'hertogenbosch',
    { name: "'s-Hertogenbosch", country: 'NL', networks: ['UCLG', 'MMC', 'GPM'] },
    { scope: 'whole', signatory: { name: 'O\'Brien, "Jr."', title: '=SUM(A1:A2)' } },
    'verified',
  );
  await progress('hertogenbosch', 'governance', 'planning');
  await progress('hertogenbosch', 'governance', 'in_progress');
  const tieA = await progress('hertogenbosch', 'services', 'planning');
  const tieB = await progress('hertogenbosch', 'services', 'dropped');
  const tieAt = daysAgo(1);
  await setProgressAt(tieA, tieAt);
  await setProgressAt(tieB, tieAt);
  await setProgressAt(await progress('hertogenbosch', 'climate', 'planning'), daysAgo(400));

  await endorse(
    'saintDenis',
    { name: 'Saint-Denis, "Réunion"', country: 'FR', networks: ['Metropolis'] },
    {
      scope: 'areas',
      areaKeys: ['climate', 'governance'],
      language: 'fr',
      signatory: { name: 'Αλέξανδρος Παπαδόπουλος', title: 'Δήμαρχος' },
    },
  );
  await endorse(
    'newline',
    { name: 'Line one\nLine two', country: 'EC' },
    { scope: 'whole', signatory: { name: '+1 555 0100', title: '-Deputy-' } },
    'rejected',
  );
  await endorse(
    'plus',
    { name: '+Plus', country: 'BR', networks: ['MMC'] },
    { scope: 'whole', signatory: { name: '@handle', title: 'Mayor\nof +Plus' } },
    'verified',
  );
  await progress('plus', 'climate', 'planning');
  await withdraw('plus');
  await endorse(
    'minus',
    { name: '-Minus', country: 'AR' },
    { scope: 'areas', areaKeys: ['economy'], language: 'es', signatory: { name: 'Иван Петров', title: 'Мэр' } },
  );
  await endorse(
    'at',
    { name: '@At', country: 'CL' },
    { scope: 'whole', signatory: { name: 'محمد علي', title: 'رئيس البلدية' } },
  );
  await endorse('tab', { name: '\tTabbed', country: 'PE' }, { scope: 'whole' });
  // The API trims the signatory, so the leading tab and carriage return go in by hand.
  await t.db.execute(
    sql`UPDATE endorsements SET signatory_name = ${'\tTab Name'}, signatory_title = ${'\rCR title'} WHERE id = ${ids.tab}::uuid`,
  );
  await endorse(
    'injection',
    { name: INJECTION, country: 'FR', networks: ['MMC'] },
    { scope: 'whole', signatory: { name: "'quoted", title: 'a "quoted", title' } },
    'verified',
  );
  // Instants with microseconds: both paths must truncate to milliseconds the same way.
  await t.db.execute(
    sql`UPDATE endorsements SET submitted_at = '2024-02-29T23:59:59.999999Z', verified_at = '2024-03-01T00:00:00.000500Z' WHERE id = ${ids.injection}::uuid`,
  );
  await endorse(
    'athens',
    { name: 'Αθήνα', country: 'GR', networks: ['UCLG', 'Metropolis'] },
    { scope: 'areas', areaKeys: ['services'] },
  );
  await endorse(
    'kyiv',
    { name: 'Київ', country: 'UA', networks: ['Metropolis'] },
    { scope: 'whole', language: 'fr' },
    'verified',
  );
  await endorse('cairo', { name: 'القاهرة', country: 'EG' }, { scope: 'whole' });
  await endorse('tokyo', { name: '東京', country: 'JP' }, { scope: 'whole' });
  await endorse('cr', { name: '\rCarriage', country: 'CO' }, { scope: 'whole' });
  await endorse(
    'space',
    { name: ' =Space first', country: 'MX' },
    { scope: 'whole', signatory: { name: '"Quoted" Person', title: 'Mayor;Deputy' } },
  );
  await endorse('crlf', { name: 'Carriage\r\nReturn', country: 'VE' }, { scope: 'whole' });
  await endorse(
    'loneCr',
    { name: 'Lone\rCarriage', country: 'UY' },
    { scope: 'whole', signatory: { name: 'Ana\rMaría', title: 'Intendenta' } },
  );

  // Stale: created over a year ago; governance last updated over a year ago, economy recently,
  // climate never (so it falls back to created_at).
  await endorse(
    'chisinau',
    { name: 'Chișinău', country: COMMA_COUNTRY, networks: ['GPM'] },
    { scope: 'areas', areaKeys: ['governance', 'economy', 'climate'] },
  );
  await setProgressAt(await progress('chisinau', 'governance', 'planning'), daysAgo(500));
  await setProgressAt(await progress('chisinau', 'governance', 'in_progress'), daysAgo(450));
  await setProgressAt(await progress('chisinau', 'economy', 'planning'), daysAgo(410));
  await progress('chisinau', 'economy', 'fulfilled');
  // Stale with no progress at all; created at the very same instant as chisinau (ties go by id).
  await endorse('abidjan', { name: 'Abidjan', country: 'CI' }, { scope: 'whole' }, 'verified');
  const longAgo = daysAgo(400);
  await setCreatedAt('chisinau', longAgo);
  await setCreatedAt('abidjan', longAgo);
  // Withdrawn long ago: nothing is stale on an endorsement that is not live.
  await setCreatedAt('plus', daysAgo(420));
  await t.db.execute(
    sql`UPDATE progress_updates SET created_at = ${daysAgo(419)}::timestamptz WHERE endorsement_id = ${ids.plus}::uuid`,
  );

  // Version 2 drops economy and adds mobility: the report has a column for every key of every version.
  await publishNextVersion(t, slug, { add: ['mobility'], remove: ['economy'] });
  // Enough further rows that a cursor read one row at a time is still far from its end when the
  // reader pauses (Readable.from reads ahead 16 chunks).
  for (let i = 1; i <= 24; i++)
    await endorse(
      `filler${i}`,
      { name: `Filler ${String(i).padStart(2, '0')}`, country: 'KE', networks: i % 3 === 0 ? ['UCLG'] : [] },
      { scope: 'whole', versionNumber: 2 },
    );
  // The last row in the report's order: verified on version 2, with progress.
  await endorse(
    'last',
    { name: 'Zürich', country: 'CH', networks: ['Metropolis', 'MMC'] },
    { scope: 'areas', areaKeys: ['mobility', 'climate'], versionNumber: 2 },
    'verified',
  );
  await progress('last', 'mobility', 'in_progress');

  areaKeys = await reportAreaKeys(t.db, pledgeId);
}, 120_000);
afterAll(async () => t?.close());

async function get(path: string, user = staff) {
  const res = await t.app.inject({ method: 'GET', url: api(path), headers: user.headers });
  expect(res.statusCode, res.body).toBe(200);
  return res;
}
const csvBytes = async (query = '', user = staff) =>
  (await get(`/pledges/${slug}/reports/endorsements.csv${query}`, user)).rawPayload;
const jsonRecords = async (query = '', user = staff) =>
  (await get(`/pledges/${slug}/reports/endorsements.json${query}`, user)).json() as ReportRecord[];
const csvRecords = (bytes: Buffer) =>
  parse(bytes.toString('utf8').replace(/^\uFEFF/, ''), { columns: true }) as Array<Record<string, string>>;
const csvTable = (bytes: Buffer) => parse(bytes.toString('utf8').replace(/^\uFEFF/, '')) as string[][];

/** What the CSV must hold for a JSON record: the JSON's values, user text neutralised. */
function expectedCsvRow(r: ReportRecord): Record<string, string> {
  return {
    id: r.id,
    city: neutralise(r.city),
    country: r.country,
    countryName: neutralise(r.countryName),
    region: r.region,
    networks: neutralise(r.networks),
    status: r.status,
    version: String(r.version),
    scope: r.scope,
    ...Object.fromEntries(areaKeys.map((k) => [`area:${k}`, String(r.areas[k])])),
    signatoryName: neutralise(r.signatoryName),
    signatoryTitle: neutralise(r.signatoryTitle),
    language: r.language,
    submittedAt: r.submittedAt,
    verifiedAt: r.verifiedAt,
    withdrawnAt: r.withdrawnAt,
    certificateSerial: r.certificateSerial,
    ...Object.fromEntries(areaKeys.map((k) => [`progress:${k}`, r.progress[k]])),
    staleAreas: r.staleAreas.join(';'),
  };
}

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(parts);
}

/** Resolves once a stream has closed (a reader that breaks out of for-await destroys it with an AbortError). */
async function closed(stream: Readable) {
  if (!stream.closed) await new Promise<void>((resolve) => stream.once('close', () => resolve()));
}

/** Fails fast instead of waiting for the test timeout when the database is held by a lost transaction. */
function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function openTransactions(): Promise<number> {
  const [row] = rowsOf<{ n: number | string }>(
    await t.db.execute(
      sql`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()`,
    ),
  );
  return Number(row?.n ?? 0);
}

describe('the CSV report, cell by cell against the JSON report', () => {
  it('has the same rows, in the same order, with every cell equal to the JSON value', async () => {
    const json = await jsonRecords();
    const bytes = await csvBytes();
    const table = csvTable(bytes);
    expect(table[0]).toEqual(reportColumns(areaKeys));
    const rows = csvRecords(bytes);
    expect(rows.map((r) => r.id)).toEqual(json.map((r) => r.id));
    expect(rows).toEqual(json.map(expectedCsvRow));
  });

  it('holds the tricky fixture as intended (so the comparison above compares something)', async () => {
    const byId = Object.fromEntries(csvRecords(await csvBytes()).map((r) => [r.id, r]));
    const row = (label: string) => byId[ids[label]!]!;
    expect(Object.keys(byId)).toHaveLength(Object.keys(ids).length);
    expect(areaKeys).toEqual(['governance', 'climate', 'services', 'mobility', 'economy']);

    // User text, neutralised where it starts with = + - @ tab or carriage return, otherwise as it is.
    expect(row('hertogenbosch')).toMatchObject({
      city: "'s-Hertogenbosch",
      networks: 'GPM;MMC;UCLG',
      signatoryName: 'O\'Brien, "Jr."',
      signatoryTitle: "'=SUM(A1:A2)",
    });
    expect(row('saintDenis')).toMatchObject({
      city: 'Saint-Denis, "Réunion"',
      signatoryName: 'Αλέξανδρος Παπαδόπουλος',
      signatoryTitle: 'Δήμαρχος',
      language: 'fr',
    });
    expect(row('newline')).toMatchObject({
      city: 'Line one\nLine two',
      signatoryName: "'+1 555 0100",
      signatoryTitle: "'-Deputy-",
      status: 'rejected',
    });
    expect(row('plus')).toMatchObject({ city: "'+Plus", signatoryName: "'@handle", signatoryTitle: 'Mayor\nof +Plus' });
    expect(row('minus')).toMatchObject({ city: "'-Minus", signatoryName: 'Иван Петров', signatoryTitle: 'Мэр' });
    expect(row('at')).toMatchObject({ city: "'@At", signatoryName: 'محمد علي', signatoryTitle: 'رئيس البلدية' });
    expect(row('tab')).toMatchObject({
      city: "'\tTabbed",
      signatoryName: "'\tTab Name",
      signatoryTitle: "'\rCR title",
    });
    expect(row('injection')).toMatchObject({
      city: `'${INJECTION}`,
      signatoryName: "'quoted",
      signatoryTitle: 'a "quoted", title',
    });
    expect(row('cr').city).toBe("'\rCarriage");
    expect(row('crlf').city).toBe('Carriage\r\nReturn');
    expect(row('loneCr')).toMatchObject({ city: 'Lone\rCarriage', signatoryName: 'Ana\rMaría' });
    expect(row('space')).toMatchObject({
      city: ' =Space first',
      signatoryName: '"Quoted" Person',
      signatoryTitle: 'Mayor;Deputy',
    });
    expect(row('athens')).toMatchObject({ city: 'Αθήνα', networks: 'Metropolis;UCLG' });
    expect(row('kyiv').city).toBe('Київ');
    expect(row('cairo').city).toBe('القاهرة');
    expect(row('tokyo').city).toBe('東京');
    expect(countryName(COMMA_COUNTRY, 'en')).toContain(',');
    expect(row('chisinau')).toMatchObject({
      countryName: countryName(COMMA_COUNTRY, 'en'),
      country: COMMA_COUNTRY,
      region: 'Europe',
    });
    expect(row('abidjan').countryName).toBe(countryName('CI', 'en'));

    // Lifecycle: a certificate while verified, none once withdrawn or rejected.
    expect(row('hertogenbosch')).toMatchObject({ status: 'verified', scope: 'whole', version: '1', withdrawnAt: '' });
    expect(row('hertogenbosch').certificateSerial).toMatch(/^AP-/);
    expect(row('hertogenbosch').verifiedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(row('plus')).toMatchObject({
      status: 'withdrawn',
      certificateSerial: '',
      staleAreas: '',
      'progress:climate': 'planning',
    });
    expect(row('plus').withdrawnAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(row('newline')).toMatchObject({ verifiedAt: '', certificateSerial: '' });
    expect(row('injection')).toMatchObject({
      submittedAt: '2024-02-29T23:59:59.999Z',
      verifiedAt: '2024-03-01T00:00:00.000Z',
    });
    expect(row('last')).toMatchObject({
      version: '2',
      scope: 'areas',
      'area:mobility': '1',
      'area:climate': '1',
      'area:governance': '0',
      'area:economy': '0',
      'progress:mobility': 'in_progress',
    });

    // Areas and progress: the latest stage per area; a tie on created_at goes by id on both paths.
    expect(row('saintDenis')).toMatchObject({
      scope: 'areas',
      'area:governance': '1',
      'area:climate': '1',
      'area:economy': '0',
      'area:services': '0',
      'area:mobility': '0',
    });
    expect(row('hertogenbosch')).toMatchObject({
      'area:economy': '1',
      'area:mobility': '0',
      'progress:governance': 'in_progress',
      'progress:economy': '',
      'progress:climate': 'planning',
    });
    expect(['planning', 'dropped']).toContain(row('hertogenbosch')['progress:services']);

    // Stale: an area with no update for a year, on a live endorsement, in the endorsement's area order.
    expect(row('hertogenbosch').staleAreas).toBe('climate');
    expect(row('chisinau')).toMatchObject({
      staleAreas: 'governance;climate',
      'progress:governance': 'in_progress',
      'progress:economy': 'fulfilled',
      'progress:climate': '',
    });
    expect(row('abidjan').staleAreas).toBe('governance;economy;climate;services');
    expect(row('saintDenis').staleAreas).toBe('');
  });

  it('agrees with the JSON report under filters and for a reviewer', async () => {
    const reviewer = await createReviewer(t, 'Metropolis');
    const cases: Array<[string, TestUser]> = [
      ['?status=verified', staff],
      ['?network=MMC', staff],
      [`?country=${COMMA_COUNTRY}`, staff],
      ['?areaKey=economy', staff],
      ['?versionNumber=2', staff],
      ['?status=withdrawn', staff],
      ['', reviewer],
    ];
    for (const [query, user] of cases) {
      const json = await jsonRecords(query, user);
      expect(json.length, query).toBeGreaterThan(0);
      expect(csvRecords(await csvBytes(query, user)), query).toEqual(json.map(expectedCsvRow));
    }
    // An empty result is a header alone.
    expect((await csvBytes('?to=2000-01-01')).toString('utf8')).toBe(`\uFEFF${reportColumns(areaKeys).join(',')}\r\n`);
  });
});

describe('the CSV bytes', () => {
  it('start with a BOM, end every record with CRLF, and quote a neutralised cell', async () => {
    const bytes = await csvBytes();
    expect(bytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(true);
    const text = bytes.toString('utf8').slice(1);
    expect(text.startsWith('id,city,country,countryName,region,networks,status,version,scope,area:governance,')).toBe(
      true,
    );

    // Outside quotes, the only line break is CRLF, one per record; inside quotes, anything goes.
    let quoted = false;
    let records = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (c === '"') quoted = !quoted;
      else if (!quoted && (c === '\r' || c === '\n')) {
        expect(text.slice(i, i + 2), `at ${i}: ${JSON.stringify(text.slice(Math.max(0, i - 40), i + 2))}`).toBe('\r\n');
        records++;
        i++;
      }
    }
    expect(quoted).toBe(false);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(records).toBe(1 + Object.keys(ids).length);

    expect(text).toContain(`,"'=HYPERLINK(""http://x"",""y"")",FR,`);
    expect(text).toContain(`,"Saint-Denis, ""Réunion""",FR,`);
    expect(text).toContain(`,"${countryName(COMMA_COUNTRY, 'en')}",`);
    expect(text).toContain(',"Line one\nLine two",EC,');
    // No cell, as a spreadsheet reads it, starts a formula.
    for (const cells of csvTable(bytes)) for (const cell of cells) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
  });
});

describe('the cursor', () => {
  it('pages: two rows at a time gives the same bytes as the route, counting 2, 4, … up to the total', async () => {
    const fromRoute = await csvBytes();
    const total = Object.keys(ids).length;
    const counts: number[] = [];
    const paged = await collect(csvReport(t.db, pledgeId, {}, areaKeys, (n) => counts.push(n), 2));
    expect(paged.toString('utf8')).toBe(fromRoute.toString('utf8'));
    expect(paged.equals(fromRoute)).toBe(true);
    expect(counts).toEqual(Array.from({ length: Math.ceil(total / 2) }, (_, i) => Math.min(2 * (i + 1), total)));
    // Pages that divide the rows exactly end on an empty fetch, which adds no count.
    const exact: number[] = [];
    const whole = await collect(csvReport(t.db, pledgeId, {}, areaKeys, (n) => exact.push(n), total));
    expect(whole.equals(fromRoute)).toBe(true);
    expect(exact).toEqual([total]);
    // One row at a time, and the default page size, agree too.
    expect((await collect(csvReport(t.db, pledgeId, {}, areaKeys, undefined, 1))).equals(fromRoute)).toBe(true);
    expect((await collect(csvReport(t.db, pledgeId, {}, areaKeys))).equals(fromRoute)).toBe(true);
  });

  it('ends its transaction when the reader stops early, leaving the database usable', async () => {
    const before = await csvBytes();
    const total = Object.keys(ids).length;
    for (const pageSize of [1, 5_000]) {
      let fetched = 0;
      const stream = csvReport(t.db, pledgeId, {}, areaKeys, (n) => (fetched = n), pageSize);
      // The header, then (one row at a time) a first page: the cursor is open mid-result.
      for await (const chunk of stream) {
        expect(String(chunk).length).toBeGreaterThan(0);
        if (pageSize === 5_000 || fetched > 0) break;
      }
      await within(5_000, closed(stream), 'closing the abandoned stream');
      expect(stream.destroyed).toBe(true);
      if (pageSize === 1) expect(fetched).toBeLessThan(total);
      // On PGlite a transaction left open would hold the database, and this request would wait.
      const after = await within(5_000, csvBytes(), 'the report after an abandoned one');
      expect(after.equals(before)).toBe(true);
      // On PostgreSQL it would hold a pooled connection idle in a transaction.
      if (onPostgres) expect(await openTransactions()).toBe(0);
    }
  });

  it('is one snapshot: what changes while it is being read does not show in the rest', async () => {
    const before = await csvBytes();
    const total = Object.keys(ids).length;
    const order = csvRecords(before).map((r) => r.id);
    expect(order[total - 1]).toBe(ids.last);

    let fetched = 0;
    const stream = csvReport(t.db, pledgeId, {}, areaKeys, (n) => (fetched = n), 1);
    try {
      const reader = stream[Symbol.asyncIterator]();
      let text = '';
      // Read the header and the first row.
      while (fetched === 0) {
        const { value, done } = await reader.next();
        expect(done).toBe(false);
        text += String(value);
      }

      // Change data the rest of the export will read: the last row is withdrawn through the API
      // (status, withdrawnAt, certificate and stale areas change), every city is renamed by hand.
      const write = (async () => {
        const res = await t.app.inject({
          method: 'POST',
          url: api(`/endorsements/${ids.last}/withdraw`),
          headers: officials.last!.headers,
          payload: { reason: 'changed its mind' },
        });
        expect(res.statusCode, res.body).toBe(200);
        await t.db.execute(
          sql`UPDATE cities SET name = name || ' (renamed)' WHERE id IN (SELECT city_id FROM endorsements WHERE pledge_id = ${pledgeId}::uuid)`,
        );
      })();
      if (onPostgres) {
        // PostgreSQL: the writes commit on other connections while the export's cursor is open.
        await write;
      } else {
        // PGlite serialises transactions: the writes wait for the export's transaction to end, so
        // awaiting them here would never return. Give them time to land if they could (an export
        // that read without one transaction would let them); they must not have.
        const landed = await Promise.race([
          write.then(() => true),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 300)),
        ]);
        expect(landed, 'a write landed while the export was being read').toBe(false);
      }
      // The cursor is still short of the rows the writes changed (Readable.from reads ahead 16 chunks at most).
      expect(fetched).toBeLessThan(total - 1);
      // The rest of the export shows the rows as they were; on PGlite the writes land once it has finished.
      for (;;) {
        const { value, done } = await reader.next();
        if (done) break;
        text += String(value);
      }
      await write;
      expect(text).toBe(before.toString('utf8'));
    } finally {
      // A failed expectation must not leave the export's transaction open (on PGlite it would hold the database).
      stream.destroy();
      await closed(stream);
    }

    // A new export sees the changes, and still agrees with the JSON report.
    const now = csvRecords(await csvBytes());
    const last = now.find((r) => r.id === ids.last)!;
    expect(last).toMatchObject({
      city: 'Zürich (renamed)',
      status: 'withdrawn',
      certificateSerial: '',
      staleAreas: '',
    });
    expect(now.every((r) => r.city!.endsWith(' (renamed)'))).toBe(true);
    expect(now).toEqual((await jsonRecords()).map(expectedCsvRow));
  });
});
