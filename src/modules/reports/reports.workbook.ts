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

/** A writable stream as archiver makes it (readable-stream's, which lacks `writableNeedDrain`). */
interface ArchiveInput {
  once(event: 'drain', listener: () => void): unknown;
  _writableState?: { needDrain?: boolean };
}

/**
 * Where a sheet's XML enters the archive: ExcelJS writes the rows into a buffer of its own that
 * pushes them on to archiver's input without heeding its backpressure, and the archive deflates
 * on libuv's threads, a chunk a turn of the event loop. A thread that keeps adding rows would
 * leave the deflate ever further behind, the whole sheet in memory and nothing sent until the
 * end; waiting for this input to drain after each batch keeps the bytes flowing. Undefined if
 * ExcelJS ever changes its insides (then nothing waits; reports-workbook.test.ts would say so).
 */
function archiveInput(sheet: unknown): ArchiveInput | undefined {
  const pipes = (sheet as { stream?: { pipes?: unknown } }).stream?.pipes;
  const input = Array.isArray(pipes) ? (pipes[0] as ArchiveInput | undefined) : undefined;
  return input && typeof input.once === 'function' && input._writableState ? input : undefined;
}

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
    /** Adds the rows; resolves once the archive has taken them in (so their bytes are on their way). */
    async addRows(rows: WorkbookRow[]) {
      for (const row of rows) sheet.addRow(row).commit();
      const input = archiveInput(sheet);
      if (input?._writableState?.needDrain) await new Promise<void>((resolve) => input.once('drain', resolve));
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
