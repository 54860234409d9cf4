// The workbook writer a worker thread runs (reports.workbook.ts): its bytes leave as its rows
// are added, batch by batch, instead of all at the end (with the whole sheet held in memory).
import { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import type { Summary } from '../src/modules/reports/reports.summary.js';
import { openWorkbook, type WorkbookRow } from '../src/modules/reports/reports.workbook.js';

// As wide as a report of six areas: some 1.5 kB of XML a row.
const columns = Array.from({ length: 30 }, (_, i) => `column${i}`);
const summary: Summary = {
  totals: { endorsements: 5000, verified: 0, cities: 5000, countries: 1 },
  byArea: [],
  byRegion: [],
  byCountry: [],
  byNetwork: [],
  byStatus: [{ key: 'submitted', count: 5000 }],
  byVersion: [{ key: '1', count: 5000 }],
  timeline: [],
};
const batch = (b: number): WorkbookRow[] =>
  Array.from({ length: 1000 }, (_, i) =>
    columns.map((_, c) =>
      c % 3 === 0 ? `Kraków ${b}-${i}-${c}` : c % 3 === 1 ? b * 1000 + i : new Date(Date.UTC(2026, 0, 1, 0, i, c)),
    ),
  );

describe('the workbook writer', () => {
  it('sends each batch’s bytes on before taking the next, and ends with a workbook that loads', async () => {
    const chunks: Buffer[] = [];
    const out = new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk);
        done();
      },
    });
    const sent = () => chunks.reduce((n, c) => n + c.length, 0);
    const book = await openWorkbook(out, columns);
    const afterEach: number[] = [];
    for (let b = 0; b < 5; b++) {
      await book.addRows(batch(b));
      afterEach.push(sent());
    }
    await book.finish(summary);

    // Most of the workbook has left before its end is written; every batch pushed the total on.
    expect(afterEach[4]!).toBeGreaterThan(sent() / 2);
    for (let b = 1; b < 5; b++) expect(afterEach[b]!).toBeGreaterThan(afterEach[b - 1]!);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(new Uint8Array(Buffer.concat(chunks)).buffer);
    const sheet = workbook.getWorksheet('Endorsements')!;
    expect(sheet.rowCount).toBe(5001);
    expect(sheet.getRow(5001).getCell(1).value).toBe('Kraków 4-999-0');
    const totals = workbook.getWorksheet('Summary')!.getRow(2);
    expect([totals.getCell(1).value, totals.getCell(2).value]).toEqual(['Live endorsements', 5000]);
  });
});
