import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import type { Db } from '../../db/client.js';
import { jsonColumn } from '../../db/tx.js';
import { countryName } from '../../lib/countries.js';
import type { EndorsementStatus } from '../../db/schema/index.js';
import { isLive } from '../endorsements/endorsement.state.js';
import { STALE_AFTER_MS } from '../endorsements/endorsements.view.js';
import * as repo from './reports.repository.js';

const BATCH = 1_000;

/**
 * OWASP's guidance on CSV injection: a cell from user input that starts with = + - @ tab or
 * carriage return is prefixed with a single quote, so Excel and LibreOffice show it as text.
 */
export function neutralise(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

const iso = (v: string | Date | null) => (v === null ? '' : new Date(v).toISOString());

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
export function reportRecord(row: repo.ReportRow, areaKeys: string[], now = Date.now()) {
  const endorsed = jsonColumn<string[]>(row.area_keys);
  const progress = jsonColumn<Record<string, { stage: string; at: string }> | null>(row.progress) ?? {};
  // DOMAIN.md: an endorsed area of a live endorsement with no update for a year is stale.
  const live = isLive(row.status as EndorsementStatus);
  const since = (k: string) => new Date(progress[k]?.at ?? row.created_at).getTime();
  const staleAreas = live ? endorsed.filter((k) => now - since(k) > STALE_AFTER_MS) : [];
  return {
    id: row.id,
    city: row.city_name,
    country: row.country,
    countryName: countryName(row.country, 'en'),
    region: row.region,
    networks: row.networks ?? '',
    status: row.status,
    version: Number(row.version_number),
    scope: row.scope,
    areas: Object.fromEntries(areaKeys.map((k) => [k, endorsed.includes(k) ? 1 : 0])),
    signatoryName: row.signatory_name,
    signatoryTitle: row.signatory_title,
    language: row.language,
    submittedAt: iso(row.submitted_at),
    verifiedAt: iso(row.verified_at),
    withdrawnAt: iso(row.withdrawn_at),
    certificateSerial: row.certificate_serial ?? '',
    progress: Object.fromEntries(areaKeys.map((k) => [k, progress[k]?.stage ?? ''])),
    staleAreas,
  };
}
export type ReportRecord = ReturnType<typeof reportRecord>;

function csvCells(r: ReportRecord, areaKeys: string[]): Array<string | number> {
  const text = (v: string) => neutralise(v);
  return [
    r.id,
    text(r.city),
    r.country,
    text(r.countryName),
    r.region,
    text(r.networks),
    r.status,
    r.version,
    r.scope,
    ...areaKeys.map((k) => r.areas[k] ?? 0),
    text(r.signatoryName),
    text(r.signatoryTitle),
    r.language,
    r.submittedAt,
    r.verifiedAt,
    r.withdrawnAt,
    r.certificateSerial,
    ...areaKeys.map((k) => r.progress[k] ?? ''),
    r.staleAreas.join(';'),
  ];
}

/** Every matching row, a thousand at a time from the database. */
export async function* reportRecords(db: Db, pledgeId: string, filters: repo.ReportFilters, areaKeys: string[]): AsyncGenerator<ReportRecord[]> {
  let after: { key: string; id: string } | undefined;
  for (;;) {
    const rows = await repo.reportRows(db, pledgeId, filters, after, BATCH);
    if (rows.length > 0) yield rows.map((row) => reportRecord(row, areaKeys));
    if (rows.length < BATCH) return;
    const last = rows[rows.length - 1]!;
    after = { key: last.created_key, id: last.id };
  }
}

/** UTF-8 with a BOM (Excel reads accents right), RFC 4180 quoting, streamed. */
export function csvReport(db: Db, pledgeId: string, filters: repo.ReportFilters, areaKeys: string[], onRows?: (n: number) => void): Readable {
  return Readable.from(
    (async function* () {
      yield '\uFEFF' + stringify([reportColumns(areaKeys)], { record_delimiter: '\r\n' });
      let rows = 0;
      for await (const batch of reportRecords(db, pledgeId, filters, areaKeys)) {
        rows += batch.length;
        onRows?.(rows);
        yield stringify(
          batch.map((r) => csvCells(r, areaKeys)),
          { record_delimiter: '\r\n', quoted_match: /^['=+\-@\t\r]/ },
        );
      }
    })(),
  );
}

/** A JSON array of report records, streamed. */
export function jsonReport(db: Db, pledgeId: string, filters: repo.ReportFilters, areaKeys: string[], onRows?: (n: number) => void): Readable {
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
  );
}
