import type { Writable } from 'node:stream';
import type { Summary } from './reports.summary.js';

/** One row of the Endorsements sheet, cell by cell in the columns' order (reportColumns). */
export type WorkbookRow = Array<string | number | Date | null>;

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
const DATE_COLUMNS = new Set(['submittedAt', 'verifiedAt', 'withdrawnAt']);

/**
 * The report's workbook written to `out` as rows come: an "Endorsements" sheet (frozen header
 * row, auto-filter, typed date and number cells, rows written and released as they are added)
 * and, at the end, a "Summary" sheet with the totals and counts. Pure: rows in, bytes out, so it
 * runs on a worker thread (reports.worker.ts).
 */
export async function openWorkbook(out: Writable, columns: string[]) {
  // Loaded on first use: some 18 MB that a thread which never writes a workbook need not hold.
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  workbook.creator = 'Action Pledge platform';
  const sheet = workbook.addWorksheet('Endorsements', { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = columns.map((header) => ({
    header,
    key: header,
    width: header.startsWith('area:')
      ? 8
      : DATE_COLUMNS.has(header)
        ? 18
        : (WIDE_COLUMNS[header] ?? Math.max(12, header.length + 2)),
    ...(DATE_COLUMNS.has(header) ? { style: { numFmt: 'yyyy-mm-dd hh:mm' } } : {}),
  }));
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: columns.length } };
  sheet.getRow(1).font = { bold: true };

  return {
    addRows(rows: WorkbookRow[]) {
      for (const row of rows) sheet.addRow(row).commit();
    },
    /** The Summary sheet, then the workbook's end: resolves once its last byte went to `out`. */
    async finish(s: Summary) {
      sheet.commit();
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
    },
  };
}
