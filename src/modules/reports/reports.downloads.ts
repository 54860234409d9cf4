import type { Download } from '../../lib/download.js';
import type { Language } from '../../lib/countries.js';
import type { WorkerPool } from '../../lib/worker-pool.js';
import type { ServiceContext } from '../context.js';
import type { ReportFormat } from './reports.formats.js';
import type { ReportFilters } from './reports.repository.js';
import { exportReport, snapshotBytes, summaryPdf } from './reports.service.js';

// The reports as files to save, for the API's routes and the portal's alike (sendDownload): the
// same services decide who may read what, and each file's type and name are said here once.

/** The endorsement report in a format, streamed (a workbook reserves its worker: 503 when full). */
export async function endorsementReportDownload(
  ctx: ServiceContext,
  workers: WorkerPool,
  pledgeRef: string,
  format: ReportFormat,
  filters: ReportFilters,
): Promise<Download> {
  const report = await exportReport(ctx, workers, pledgeRef, format, filters);
  return { contentType: report.contentType, filename: report.filename, body: report.stream };
}

/** The briefing PDF in a language (drawn on a worker thread: 503 when the pool is full). */
export async function summaryPdfDownload(
  ctx: ServiceContext,
  workers: WorkerPool,
  pledgeRef: string,
  filters: ReportFilters,
  language: Language,
): Promise<Download> {
  const { pdf, slug } = await summaryPdf(ctx, workers, pledgeRef, filters, language);
  return { contentType: 'application/pdf', filename: `${slug}-summary-${language}.pdf`, body: pdf };
}

/** A snapshot's frozen CSV bytes, with their SHA-256 in a header so a reader can check them. */
export async function snapshotDownload(ctx: ServiceContext, id: string): Promise<Download> {
  const snapshot = await snapshotBytes(ctx, id);
  return {
    contentType: 'text/csv; charset=utf-8',
    filename: `snapshot-${snapshot.id}.csv`,
    body: snapshot.content,
    headers: { 'x-content-sha256': snapshot.sha256 },
  };
}
