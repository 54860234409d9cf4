import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import type { Db } from '../../db/client.js';
import { countryName, countryNames } from '../../lib/countries.js';
import { endorsesArea, isStale } from '../endorsements/index.js';
import { typedCursorPages } from './reports.cursor.js';
import * as repo from './reports.repository.js';

// Rows per cursor fetch: measured on the CSV, larger pages were no faster and took more memory.
const BATCH = 1_000;

/**
 * OWASP's guidance on CSV injection: a cell from user input that starts with = + - @ tab or
 * carriage return is prefixed with a single quote, so Excel and LibreOffice show it as text.
 */
export function neutralise(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

const iso = (v: Date | null) => (v === null ? '' : v.toISOString());

export function reportColumns(areaKeys: string[]): string[] {
  return [
    'id',
    'city',
    'country',
    'countryName',
    'region',
    'networks',
    'status',
    'version',
    'scope',
    ...areaKeys.map((k) => `area:${k}`),
    'signatoryName',
    'signatoryTitle',
    'language',
    'submittedAt',
    'verifiedAt',
    'withdrawnAt',
    'certificateSerial',
    ...areaKeys.map((k) => `progress:${k}`),
    'staleAreas',
  ];
}

/** One endorsement as a report record: 1/0 per area key, the latest progress stage per area. */
export function reportRecord(row: repo.ReportRow, areaKeys: string[], now = new Date()) {
  const progress = row.progress ?? {};
  const lastActivity = (k: string) => new Date(progress[k]?.at ?? row.createdAt);
  const staleAreas = row.areaKeys.filter((k) => isStale(row.status, lastActivity(k), now));
  return {
    id: row.id,
    city: row.cityName,
    country: row.country,
    countryName: countryName(row.country, 'en'),
    region: row.region,
    networks: row.networks ?? '',
    status: row.status,
    version: row.versionNumber,
    scope: row.scope,
    areas: Object.fromEntries(areaKeys.map((k) => [k, endorsesArea(row.areaKeys, k) ? 1 : 0])),
    signatoryName: row.signatoryName,
    signatoryTitle: row.signatoryTitle,
    language: row.language,
    submittedAt: iso(row.submittedAt),
    verifiedAt: iso(row.verifiedAt),
    withdrawnAt: iso(row.withdrawnAt),
    certificateSerial: row.certificateSerial ?? '',
    progress: Object.fromEntries(areaKeys.map((k) => [k, progress[k]?.stage ?? ''])),
    staleAreas,
  };
}
export type ReportRecord = ReturnType<typeof reportRecord>;

/** Every matching row, a thousand at a time from one snapshot of the database (cursorPages). */
export async function* reportRecords(
  db: Db,
  pledgeId: string,
  filters: repo.ReportFilters,
  areaKeys: string[],
): AsyncGenerator<ReportRecord[]> {
  const now = new Date();
  for await (const rows of typedCursorPages(db, repo.reportRowsQuery(db, pledgeId, filters), BATCH)) {
    yield rows.map((row) => reportRecord(row, areaKeys, now));
  }
}

// Cells that csv-stringify, as csvReport's header uses it, would quote: a quote, a comma, a line
// break, or a leading single quote (which neutralise may have added).
const NEEDS_QUOTES = /^'|[",\r\n]/;
const NEEDS_CARE = /^[=+\-@\t\r']|[",\r\n]/;

/** One cell of user text: neutralised, then quoted by RFC 4180 where needed. */
function csvText(value: string): string {
  if (!NEEDS_CARE.test(value)) return value;
  const safe = neutralise(value);
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/**
 * UTF-8 with a BOM (Excel reads accents right), RFC 4180 quoting, streamed. The database writes
 * the cells that cannot hold user text (reportCsvQuery), so a row costs the service five quick tests
 * and a concatenation, not a parse and a format.
 */
export function csvReport(
  db: Db,
  pledgeId: string,
  filters: repo.ReportFilters,
  areaKeys: string[],
  onRows?: (n: number) => void,
  pageSize = BATCH,
): Readable {
  const query = repo.reportCsvQuery(db, pledgeId, filters, { areaKeys, now: new Date() });
  return Readable.from(
    (async function* () {
      yield '\uFEFF' + stringify([reportColumns(areaKeys)], { record_delimiter: '\r\n' });
      let rows = 0;
      for await (const page of typedCursorPages(db, query, pageSize)) {
        let text = '';
        for (const r of page) {
          text +=
            `${r.id},${csvText(r.city)},${r.country},${csvText(countryNames(r.country).en)},${r.region},` +
            `${csvText(r.networks)},${r.middle},${csvText(r.signatoryName)},${csvText(r.signatoryTitle)},${r.tail}\r\n`;
        }
        rows += page.length;
        onRows?.(rows);
        yield text;
      }
    })(),
    // One page buffered at most: the reader sets the pace and nothing piles up in between.
    { highWaterMark: 1 },
  );
}

/** A JSON array of report records, streamed. */
export function jsonReport(
  db: Db,
  pledgeId: string,
  filters: repo.ReportFilters,
  areaKeys: string[],
  onRows?: (n: number) => void,
): Readable {
  return Readable.from(
    (async function* () {
      yield '[';
      let first = true;
      let rows = 0;
      for await (const batch of reportRecords(db, pledgeId, filters, areaKeys)) {
        rows += batch.length;
        onRows?.(rows);
        for (const record of batch) {
          yield (first ? '' : ',') + JSON.stringify(record);
          first = false;
        }
      }
      yield ']';
    })(),
    // One page buffered at most: the reader sets the pace and nothing piles up in between.
    { highWaterMark: 1 },
  );
}
