import type { Readable } from 'node:stream';
import { withTx } from '../../db/tx.js';
import { actorUserId } from '../../lib/actor.js';
import type { Language } from '../../lib/countries.js';
import { sha256Hex } from '../../lib/hash.js';
import { asBuffer, type TaskRunner, type WorkerPool, workerFile } from '../../lib/worker-pool.js';
import { recordAudit } from '../audit/index.js';
import type { ServiceContext } from '../context.js';
import { findReportablePledge, findVisibleSnapshot, visibleSnapshotsNetwork } from './reports.access.js';
import { csvReport } from './reports.export.js';
import { type ReportFormat, reportFormats } from './reports.formats.js';
import * as repo from './reports.repository.js';
import { summary as summaryFigures } from './reports.summary.js';
import type { SummaryPdfTask } from './reports.worker.js';

const worker = workerFile(import.meta.url, 'reports.worker');

/**
 * A report's pledge (reports.access.ts: one the reader may see), the filters it runs with (the
 * reader's, within their scope), its area keys (one column each) and their titles.
 */
export async function reportContext(ctx: ServiceContext, pledgeRef: string, filters: repo.ReportFilters) {
  const { pledge, scope } = await findReportablePledge(ctx, pledgeRef);
  const scoped: repo.ReportFilters = {
    ...filters,
    ...(scope.onlyNetworkId === undefined ? {} : { onlyNetworkId: scope.onlyNetworkId }),
  };
  const areas = await repo.reportAreas(ctx.db, pledge.id);
  return { pledge, filters: scoped, areaKeys: [...areas.keys()], areas };
}

export async function summary(ctx: ServiceContext, pledgeRef: string, filters: repo.ReportFilters) {
  const r = await reportContext(ctx, pledgeRef, filters);
  return summaryFigures(ctx.db, r.pledge.id, r.filters, r.areaKeys);
}

/**
 * The summary as a page or a document shows it: the figures, each area key's title (the newest
 * version's), the pledge, and the network whose member cities it is limited to (a reviewer's).
 */
export async function titledSummary(ctx: ServiceContext, pledgeRef: string, filters: repo.ReportFilters) {
  const r = await reportContext(ctx, pledgeRef, filters);
  const figures = await summaryFigures(ctx.db, r.pledge.id, r.filters, r.areaKeys);
  return { pledge: r.pledge, filters: r.filters, figures, areaTitles: r.areas };
}

const SUMMARY_TABLE_ROWS = 150;

/**
 * The briefing PDF: the summary, charts, and the signatory cities (the first 150 by name). Read
 * here, drawn on a worker thread (503 when the pool is full).
 */
export async function summaryPdf(
  ctx: ServiceContext,
  workers: WorkerPool,
  pledgeRef: string,
  filters: repo.ReportFilters,
  language: Language,
) {
  // Reserved first: a full pool refuses before the summary's queries run for nothing.
  const lease = workers.reserve(1);
  try {
    return await drawSummaryPdf(ctx, lease, pledgeRef, filters, language);
  } finally {
    lease.release();
  }
}

async function drawSummaryPdf(
  ctx: ServiceContext,
  workers: TaskRunner,
  pledgeRef: string,
  filters: repo.ReportFilters,
  language: Language,
) {
  const r = await titledSummary(ctx, pledgeRef, filters);
  const { figures } = r;
  const areaCounts = await repo.areaCountsByVersion(ctx.db, r.pledge.id);
  const verified = { ...r.filters, status: 'verified' as const };
  const signatories = (await repo.firstReportRows(ctx.db, r.pledge.id, verified, 'city', SUMMARY_TABLE_ROWS))
    .map((row) => ({
      city: row.cityName,
      country: row.country,
      region: row.region,
      scope: row.scope,
      areas: { endorsed: row.areaKeys.length, of: areaCounts.get(row.versionNumber) ?? row.areaKeys.length },
      verifiedAt: (row.verifiedAt ?? row.submittedAt).toISOString(),
    }))
    .sort((a, b) => a.city.localeCompare(b.city, language));
  const task: SummaryPdfTask = {
    input: {
      pledgeTitle: r.pledge.title[language] ?? r.pledge.title.en,
      summary: figures,
      areaTitles: Object.fromEntries([...r.areaTitles].map(([key, title]) => [key, title[language] ?? title.en])),
      signatories,
      moreSignatories: Math.max(0, figures.totals.verified - signatories.length),
      generatedAt: new Date(),
    },
    language,
  };
  const pdf = asBuffer(await workers.run<Uint8Array>({ file: worker, name: 'summaryPdf', data: task }));
  return { pdf, slug: r.pledge.slug };
}

/** An export's progress: the rows written so far, of the total counted before it began. */
export type ExportProgress = (written: number, total: number) => void;

export interface ReportExport {
  pledge: { id: string; slug: string };
  contentType: string;
  /** The name to save it under: `<slug>-endorsements.<format>`. */
  filename: string;
  /** The rows counted before the export began: only with a progress reporter (a count costs a query). */
  rowCount: number | null;
  /** The report, streamed from one snapshot of the database as the reader takes it. */
  stream: Readable;
}

/**
 * The endorsement report in a format, for the routes and for `npm run export` (which acts as the
 * system): the same rules (who may read which pledge's report, over which cities) for both. A
 * workbook is written on `workers`, whose unit is reserved here (503 when the pool is full).
 */
export async function exportReport(
  ctx: ServiceContext,
  workers: WorkerPool,
  pledgeRef: string,
  format: ReportFormat,
  filters: repo.ReportFilters,
  onRows?: ExportProgress,
): Promise<ReportExport> {
  const r = await reportContext(ctx, pledgeRef, filters);
  // Counted before the stream opens its transaction: on PGlite a query outside it would wait for it.
  const rowCount = onRows ? await repo.countReportRows(ctx.db, r.pledge.id, r.filters) : null;
  const progress = onRows && ((n: number) => onRows(n, rowCount ?? n));
  const { write, contentType } = reportFormats[format];
  return {
    pledge: { id: r.pledge.id, slug: r.pledge.slug },
    contentType,
    filename: `${r.pledge.slug}-endorsements.${format}`,
    rowCount,
    stream: write({ db: ctx.db, workers, pledgeId: r.pledge.id, filters: r.filters, areaKeys: r.areaKeys }, progress),
  };
}

/** The query the CSV export runs, as SQL and parameters: for psql's \copy beside it in the benchmark. */
export async function csvExportQuery(ctx: ServiceContext, pledgeRef: string, filters: repo.ReportFilters = {}) {
  const r = await reportContext(ctx, pledgeRef, filters);
  return repo.reportCsvQuery(ctx.db, r.pledge.id, r.filters, { areaKeys: r.areaKeys, now: new Date() }).toSQL();
}

async function collect(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks);
}

const toSnapshot = ({ networkId: _, ...s }: Awaited<ReturnType<typeof repo.insertSnapshot>>) => ({
  ...s,
  filters: s.filters as Record<string, unknown>,
});

/** Freezes the CSV report as it is now: its exact bytes and their SHA-256, kept for good. */
export async function createSnapshot(ctx: ServiceContext, pledgeRef: string, filters: repo.ReportFilters) {
  const r = await reportContext(ctx, pledgeRef, filters);
  return withTx(ctx, async (tx) => {
    let rowCount = 0;
    const content = await collect(csvReport(tx.db, r.pledge.id, r.filters, r.areaKeys, (n) => (rowCount = n)));
    const snapshot = await repo.insertSnapshot(tx.db, {
      pledgeId: r.pledge.id,
      filters: JSON.parse(JSON.stringify(r.filters)),
      content,
      sha256: sha256Hex(content),
      rowCount,
      networkId: r.filters.onlyNetworkId ?? null,
      createdBy: actorUserId(tx.actor),
    });
    await recordAudit(tx, {
      action: 'report.snapshot_created',
      entityType: 'report_snapshot',
      entityId: snapshot.id,
      summary: { pledge: r.pledge.slug, sha256: snapshot.sha256, rowCount },
    });
    return toSnapshot(snapshot);
  });
}

/** The pledge's snapshots the reader may see, newest first. */
export async function listSnapshots(ctx: ServiceContext, pledgeRef: string) {
  const { pledge, scope } = await findReportablePledge(ctx, pledgeRef);
  return (await repo.listSnapshots(ctx.db, pledge.id, visibleSnapshotsNetwork(scope))).map(toSnapshot);
}

/** A snapshot's frozen bytes, for a reader who may see it. */
export async function snapshotBytes(ctx: ServiceContext, id: string) {
  return findVisibleSnapshot(ctx, id);
}
