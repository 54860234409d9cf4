import { parse } from 'csv-parse/sync';
import { sql } from 'drizzle-orm';
import { expect } from 'vitest';
import { type ReportRecord, neutralise } from '../../src/modules/reports/reports.export.js';
import { buildTestApp, type TestApp } from './app.js';
import { createCity, createCityOfficial, createSecretariat, type TestUser } from './factories.js';
import { allAreaKeys, createPublishedPledge, publishNextVersion } from './pledge-factories.js';

/**
 * One pledge endorsed by cities whose names and signatories hold everything a CSV can trip on
 * (quotes, commas, line breaks, formula characters, other scripts), at every stage of their life,
 * with stale and fresh progress, on two versions; then enough plain rows for a cursor to page.
 */

export const api = (path: string) => `/api/v1${path}`;
const DAY = 86_400_000;

export const INJECTION = '=HYPERLINK("http://x","y")';
/** A country whose English name (i18n-iso-countries) holds a comma. */
export const COMMA_COUNTRY = 'MD';

type Body = {
  scope: 'whole' | 'areas';
  areaKeys?: string[];
  signatory?: { name: string; title: string };
  language?: 'en' | 'es' | 'fr';
  versionNumber?: number;
};

export interface CsvFixture {
  t: TestApp;
  /** A secretariat user. */
  staff: TestUser;
  slug: string;
  pledgeId: string;
  /** The report's area keys, in its column order. */
  areaKeys: string[];
  onPostgres: boolean;
  /** The endorsements by label, and the official of each one's city. */
  ids: Record<string, string>;
  officials: Record<string, TestUser>;
}

/** Builds the fixture on an app of its own (close `t` in afterAll); takes some 20 seconds. */
export async function buildCsvFixture(): Promise<CsvFixture> {
  const t = await buildTestApp();
  const ids: Record<string, string> = {};
  const officials: Record<string, TestUser> = {};
  const onPostgres = t.testDb.database.driver === 'pg';
  const staff = await createSecretariat(t);
  const { slug, pledgeId } = await createPublishedPledge(t, {
    areaKeys: ['governance', 'economy', 'climate', 'services'],
  });

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
    sql`UPDATE endorsements SET signatory_name = ${'\tTab Name'}, signatory_title = ${'\rCR title'}
        WHERE id = ${ids.tab}::uuid`,
  );
  await endorse(
    'injection',
    { name: INJECTION, country: 'FR', networks: ['MMC'] },
    { scope: 'whole', signatory: { name: "'quoted", title: 'a "quoted", title' } },
    'verified',
  );
  // Instants with microseconds: both paths must truncate to milliseconds the same way.
  await t.db.execute(
    sql`UPDATE endorsements
        SET submitted_at = '2024-02-29T23:59:59.999999Z', verified_at = '2024-03-01T00:00:00.000500Z'
        WHERE id = ${ids.injection}::uuid`,
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
  const areaKeys = await allAreaKeys(t, pledgeId);
  return { t, staff, slug, pledgeId, areaKeys, onPostgres, ids, officials };
}

export const csvRecords = (bytes: Buffer) =>
  parse(bytes.toString('utf8').replace(/^\uFEFF/, ''), { columns: true }) as Array<Record<string, string>>;
export const csvTable = (bytes: Buffer) => parse(bytes.toString('utf8').replace(/^\uFEFF/, '')) as string[][];

/** The report requests on the fixture, as its secretariat user unless told otherwise. */
export function csvReportRequests(fixture: () => CsvFixture) {
  async function get(path: string, user = fixture().staff) {
    const res = await fixture().t.app.inject({ method: 'GET', url: api(path), headers: user.headers });
    expect(res.statusCode, res.body).toBe(200);
    return res;
  }
  const csvBytes = async (query = '', user = fixture().staff) =>
    (await get(`/pledges/${fixture().slug}/reports/endorsements.csv${query}`, user)).rawPayload;
  const jsonRecords = async (query = '', user = fixture().staff) =>
    (await get(`/pledges/${fixture().slug}/reports/endorsements.json${query}`, user)).json() as ReportRecord[];

  /** What the CSV must hold for a JSON record: the JSON's values, user text neutralised. */
  function expectedCsvRow(r: ReportRecord): Record<string, string> {
    const { areaKeys } = fixture();
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

  return { csvBytes, jsonRecords, expectedCsvRow };
}
