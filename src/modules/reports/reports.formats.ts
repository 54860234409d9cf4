import type { Readable } from 'node:stream';
import type { Db } from '../../db/client.js';
import type { WorkerPool } from '../../lib/worker-pool.js';
import { csvReport, jsonReport } from './reports.export.js';
import type { ReportFilters } from './reports.repository.js';
import { xlsxReport } from './reports.xlsx.js';

/** What a report is written from: its rows' query, and the worker threads for a workbook. */
export interface ReportSource {
  db: Db;
  workers: WorkerPool;
  pledgeId: string;
  filters: ReportFilters;
  areaKeys: string[];
}

type Writer = (source: ReportSource, onRows?: (n: number) => void) => Readable;

export type ReportFormat = 'csv' | 'xlsx' | 'json';

/** The endorsement report's formats: one table for the routes and for `npm run export`. */
export const reportFormats: Record<
  ReportFormat,
  { write: Writer; contentType: string; operationId: string; summary: string }
> = {
  csv: {
    write: (r, onRows) => csvReport(r.db, r.pledgeId, r.filters, r.areaKeys, onRows),
    contentType: 'text/csv; charset=utf-8',
    operationId: 'endorsementReportCsv',
    summary: 'The endorsement report as CSV (UTF-8 with BOM), streamed (secretariat; reviewers: their network)',
  },
  xlsx: {
    write: (r, onRows) => xlsxReport(r.db, r.workers, r.pledgeId, r.filters, r.areaKeys, onRows),
    contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    operationId: 'endorsementReportXlsx',
    summary: 'The endorsement report as an Excel workbook (Endorsements and Summary sheets), streamed',
  },
  json: {
    write: (r, onRows) => jsonReport(r.db, r.pledgeId, r.filters, r.areaKeys, onRows),
    contentType: 'application/json; charset=utf-8',
    operationId: 'endorsementReportJson',
    summary: 'The endorsement report as a JSON array, streamed (secretariat; reviewers: their network)',
  },
};
