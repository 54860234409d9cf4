import { desc, eq } from 'drizzle-orm';
import { reportSnapshots } from '../../db/schema/index.js';
import { jsonColumn, rowsOf, withTx } from '../../db/tx.js';
import type { ServiceContext } from '../../lib/actor.js';
import { requireSignedIn } from '../../lib/authorize.js';
import { NotFoundError } from '../../lib/errors.js';
import { sha256Hex } from '../../lib/hash.js';
import { recordAudit } from '../audit/audit.service.js';
import { findPledge } from '../pledges/pledges.repository.js';
import { csvReport } from './reports.export.js';
import * as repo from './reports.repository.js';
import { renderSummaryPdf } from './summary.pdf.js';
import type { Language } from '../../lib/countries.js';

/**
 * Reports are the secretariat's; a reviewer gets the same, limited to their network's member
 * cities; for anyone else they do not exist.
 */
export async function reportContext(ctx: ServiceContext, pledgeRef: string, filters: repo.ReportFilters) {
  requireSignedIn(ctx.actor);
  const actor = ctx.actor;
  if (actor.kind !== 'secretariat' && actor.kind !== 'system' && actor.kind !== 'network_reviewer')
    throw new NotFoundError('Pledge');
  const pledge = await findPledge(ctx.db, pledgeRef);
  if (!pledge) throw new NotFoundError('Pledge');
  const scoped: repo.ReportFilters = {
    ...filters,
    ...(actor.kind === 'network_reviewer' ? { onlyNetworkId: actor.networkId } : {}),
  };
  return { pledge, filters: scoped, areaKeys: await repo.reportAreaKeys(ctx.db, pledge.id) };
}

export async function summary(ctx: ServiceContext, pledgeRef: string, filters: repo.ReportFilters) {
  const r = await reportContext(ctx, pledgeRef, filters);
  return repo.summary(ctx.db, r.pledge.id, r.filters);
}

const SUMMARY_TABLE_ROWS = 150;

/** The briefing PDF: the summary, charts, and the signatory cities (the first 150 by name). */
export async function summaryPdf(
  ctx: ServiceContext,
  pledgeRef: string,
  filters: repo.ReportFilters,
  language: Language,
) {
  const r = await reportContext(ctx, pledgeRef, filters);
  const figures = await repo.summary(ctx.db, r.pledge.id, r.filters);
  const titles = await repo.reportAreaTitles(ctx.db, r.pledge.id);
  const verified = rowsOf<repo.ReportRow>(
    await ctx.db.execute(
      repo.reportRowsQuery(r.pledge.id, { ...r.filters, status: 'verified' }, 'city', SUMMARY_TABLE_ROWS),
    ),
  );
  const signatories = verified
    .map((row) => ({
      city: row.city_name,
      country: row.country,
      region: row.region,
      scope: row.scope,
      areas: jsonColumn<string[]>(row.area_keys).length,
      verifiedAt: new Date(row.verified_at ?? row.submitted_at).toISOString(),
    }))
    .sort((a, b) => a.city.localeCompare(b.city, language));
  const pdf = await renderSummaryPdf(
    {
      pledgeTitle: r.pledge.title[language] ?? r.pledge.title.en,
      summary: figures,
      areaTitles: Object.fromEntries([...titles].map(([key, title]) => [key, title[language] ?? title.en])),
      signatories,
      moreSignatories: Math.max(0, figures.totals.verified - signatories.length),
      generatedAt: new Date(),
    },
    language,
  );
  return { pdf, slug: r.pledge.slug };
}

async function collect(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks);
}

const toSnapshot = (s: typeof reportSnapshots.$inferSelect) => ({
  id: s.id,
  pledgeId: s.pledgeId,
  filters: s.filters as Record<string, unknown>,
  sha256: s.sha256,
  rowCount: s.rowCount,
  createdBy: s.createdBy,
  createdAt: s.createdAt,
});

/** Freezes the CSV report as it is now: its exact bytes and their SHA-256, kept for good. */
export async function createSnapshot(ctx: ServiceContext, pledgeRef: string, filters: repo.ReportFilters) {
  const r = await reportContext(ctx, pledgeRef, filters);
  return withTx(ctx, async (tx) => {
    let rowCount = 0;
    const content = await collect(csvReport(tx.db, r.pledge.id, r.filters, r.areaKeys, (n) => (rowCount = n)));
    const [snapshot] = await tx.db
      .insert(reportSnapshots)
      .values({
        pledgeId: r.pledge.id,
        filters: JSON.parse(JSON.stringify(r.filters)),
        content,
        sha256: sha256Hex(content),
        rowCount,
        networkId: r.filters.onlyNetworkId ?? null,
        createdBy: 'userId' in tx.actor ? tx.actor.userId : null,
      })
      .returning();
    await recordAudit(tx, {
      action: 'report.snapshot_created',
      entityType: 'report_snapshot',
      entityId: snapshot!.id,
      summary: { pledge: r.pledge.slug, sha256: snapshot!.sha256, rowCount },
    });
    return toSnapshot(snapshot!);
  });
}

export async function listSnapshots(ctx: ServiceContext, pledgeRef: string) {
  const r = await reportContext(ctx, pledgeRef, {});
  const rows = await ctx.db
    .select()
    .from(reportSnapshots)
    .where(eq(reportSnapshots.pledgeId, r.pledge.id))
    .orderBy(desc(reportSnapshots.createdAt));
  // A reviewer sees the snapshots made within their network's scope only.
  return rows.filter((s) => (r.filters.onlyNetworkId ? s.networkId === r.filters.onlyNetworkId : true)).map(toSnapshot);
}

export async function snapshotBytes(ctx: ServiceContext, id: string) {
  requireSignedIn(ctx.actor);
  const actor = ctx.actor;
  const [row] = await ctx.db.select().from(reportSnapshots).where(eq(reportSnapshots.id, id));
  const visible =
    row &&
    (actor.kind === 'secretariat' ||
      actor.kind === 'system' ||
      (actor.kind === 'network_reviewer' && row.networkId === actor.networkId));
  if (!visible) throw new NotFoundError('Snapshot');
  return row;
}
