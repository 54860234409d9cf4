import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import type { Db } from '../../db/client.js';
import { neutralise, reportColumns, reportRecords } from './reports.export.js';
import type { ReportFilters } from './reports.repository.js';
import { summary as summaryFigures } from './reports.summary.js';

// Columns whose values are longer than their header: wide enough to read without resizing.
const WIDE_COLUMNS: Record<string, number> = {
  id: 38,
  city: 24,
  countryName: 24,
  networks: 18,
  signatoryName: 26,
  signatoryTitle: 20,
  certificateSerial: 16,
};

/** Waits until `stream` drains or closes, leaving no listener behind. */
async function drainOrClose(stream: PassThrough): Promise<void> {
  const stop = new AbortController();
  const quietly = (p: Promise<unknown>) => p.catch(() => undefined);
  await Promise.race([
    quietly(once(stream, 'drain', { signal: stop.signal })),
    quietly(once(stream, 'close', { signal: stop.signal })),
  ]);
  stop.abort();
}

/**
 * The report as a real workbook, streamed: an "Endorsements" sheet (frozen header row,
 * auto-filter, typed date and number cells, rows written and released one batch at a time)
 * and a "Summary" sheet with the totals and counts.
 */
export function xlsxReport(
  db: Db,
  pledgeId: string,
  filters: ReportFilters,
  areaKeys: string[],
  onRows?: (n: number) => void,
): Readable {
  const out = new PassThrough();
  (async () => {
    // Loaded on first use: some 18 MB that an instance which never writes a workbook need not hold.
    const { default: ExcelJS } = await import('exceljs');
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
    workbook.creator = 'Action Pledge platform';
    const columns = reportColumns(areaKeys);
    const sheet = workbook.addWorksheet('Endorsements', { views: [{ state: 'frozen', ySplit: 1 }] });
    const dateColumns = new Set(['submittedAt', 'verifiedAt', 'withdrawnAt']);
    sheet.columns = columns.map((header) => ({
      header,
      key: header,
      width: header.startsWith('area:')
        ? 8
        : dateColumns.has(header)
          ? 18
          : (WIDE_COLUMNS[header] ?? Math.max(12, header.length + 2)),
      ...(dateColumns.has(header) ? { style: { numFmt: 'yyyy-mm-dd hh:mm' } } : {}),
    }));
    sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: columns.length } };
    sheet.getRow(1).font = { bold: true };
    const date = (iso: string) => (iso ? new Date(iso) : null);
    let rows = 0;
    for await (const batch of reportRecords(db, pledgeId, filters, areaKeys)) {
      for (const r of batch) {
        sheet
          .addRow([
            r.id,
            neutralise(r.city),
            r.country,
            neutralise(r.countryName),
            r.region,
            neutralise(r.networks),
            r.status,
            r.version,
            r.scope,
            ...areaKeys.map((k) => r.areas[k] ?? 0),
            neutralise(r.signatoryName),
            neutralise(r.signatoryTitle),
            r.language,
            date(r.submittedAt),
            date(r.verifiedAt),
            date(r.withdrawnAt),
            r.certificateSerial,
            ...areaKeys.map((k) => r.progress[k] ?? ''),
            r.staleAreas.join(';'),
          ])
          .commit();
      }
      rows += batch.length;
      onRows?.(rows);
      // The reader sets the pace: stop when it has gone, wait while it is behind.
      if (out.destroyed) return;
      // A reader that leaves destroys the stream without 'drain': wait for whichever comes first.
      if (out.writableNeedDrain) await drainOrClose(out);
      if (out.destroyed) return;
    }
    sheet.commit();

    const s = await summaryFigures(db, pledgeId, filters, areaKeys);
    const summary = workbook.addWorksheet('Summary');
    summary.columns = [
      { header: 'Measure', key: 'measure', width: 28 },
      { header: 'Value', key: 'value', width: 14 },
    ];
    summary.getRow(1).font = { bold: true };
    const add = (measure: string, value: number) => summary.addRow({ measure, value }).commit();
    add('Live endorsements', s.totals.endorsements);
    add('Verified', s.totals.verified);
    add('Cities', s.totals.cities);
    add('Countries', s.totals.countries);
    for (const [label, list] of [
      ['Area', s.byArea],
      ['Region', s.byRegion],
      ['Network', s.byNetwork],
      ['Status', s.byStatus],
      ['Version', s.byVersion],
    ] as const) {
      for (const item of list) add(`${label}: ${item.key}`, item.count);
    }
    summary.commit();
    await workbook.commit();
  })().catch((err: Error) => out.destroy(err));
  return out;
}
