import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { type Download, sendDownload } from '../lib/download.js';
import { NotFoundError } from '../lib/errors.js';
import { languages, type Translator } from '../lib/i18n.js';
import { certificatesZipDownload, printerOf } from '../modules/certificates/index.js';
import type { ServiceContext } from '../modules/context.js';
import { listNetworks } from '../modules/networks/index.js';
import { listPledges, slugSchema } from '../modules/pledges/index.js';
import {
  createSnapshot,
  endorsementReportDownload,
  listSnapshots,
  type ReportFormat,
  reportFormats,
  snapshotDownload,
  summaryPdfDownload,
  titledSummary,
} from '../modules/reports/index.js';
import { signedInAs } from './guard.js';
import { consoleMenu, signedInSecretariat } from './secretariat-common.js';
import { chartsView, snapshotsView, totalsView } from './secretariat-reports-view.js';

// The reports page: a pledge's summary with its charts, every download, and the frozen reports
// (snapshots). The secretariat reads every city; a network reviewer the same page over their
// network's member cities. The report services decide both (reports.access.ts), as they do for
// the API: a pledge a reader may not see is the 404 page, and the downloads are the API's own
// (reports.downloads.ts, sendDownload), sent to a browser that has a session instead of a token.

const pageQuery = z.object({
  pledge: slugSchema.optional(),
  notice: z.literal('snapshot').optional().catch(undefined),
  snapshot: z.uuid().optional().catch(undefined),
});
const slugParams = z.object({ slug: slugSchema });
const snapshotParams = slugParams.extend({ id: z.uuid() });
const pdfQuery = z.object({ lang: z.enum(languages) });

/** Reports are the secretariat's and the reviewers' (over their network); the services say what of them. */
const signedInReader = (request: FastifyRequest, reply: FastifyReply) =>
  signedInAs(request, reply, ['secretariat', 'network_reviewer']);

/** Parses what a page's address carries; an address that cannot name anything is the 404 page. */
function parsed<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new NotFoundError('Report');
  return result.data;
}

/** Reports stay with the person who asked: no shared cache keeps them. */
const sendPrivately = (reply: FastifyReply, download: Download) =>
  sendDownload(reply.header('cache-control', 'no-store'), download);

/**
 * The pledges the reader may choose: those they may see (the pledges service decides, as the report
 * services do), the published first; and the one to show, the asked or else the first published.
 */
async function pledgeChoice(ctx: ServiceContext, asked: string | undefined, t: Translator) {
  const pledges = (await listPledges(ctx)).sort(
    (a, b) => Number(b.status === 'published') - Number(a.status === 'published'),
  );
  const slug = asked ?? pledges[0]?.slug;
  const options = pledges.map((p) => {
    const title = t.pick(p.title).text;
    return {
      slug: p.slug,
      label: p.status === 'published' ? title : t.t('reports.page.notPublished', { title }),
      selected: p.slug === slug,
    };
  });
  return { slug, options };
}

export async function reportPages(app: FastifyInstance) {
  app.get('/secretariat/reports', async (request, reply) => {
    const ctx = signedInReader(request, reply);
    if (!ctx) return reply;
    const { t } = request.web;
    const query = parsed(pageQuery, request.query);
    const secretariat = ctx.actor.kind === 'secretariat';
    const choice = await pledgeChoice(ctx, query.pledge, t);
    const networks = await listNetworks(ctx);
    const base = {
      title: t.t('reports.page.title'),
      consoleMenu: secretariat ? consoleMenu(request) : undefined,
      pledges: choice.options,
    };
    if (!choice.slug) return reply.page('secretariat-reports', { ...base, report: undefined });

    const summary = await titledSummary(ctx, choice.slug, {});
    const snapshots = await listSnapshots(ctx, summary.pledge.slug);
    const slug = summary.pledge.slug;
    const network = networks.find((n) => n.id === summary.filters.onlyNetworkId);
    return reply.page('secretariat-reports', {
      ...base,
      report: {
        slug,
        pledgeTitle: t.pick(summary.pledge.title),
        scope: network ? t.t('reports.page.scope.network', { network: network.name }) : t.t('reports.page.scope.all'),
        totals: totalsView(summary, t),
        // The weeks count every endorsement ever submitted: none at all is said in a sentence instead.
        charts: summary.figures.timeline.length > 0 && chartsView(summary, networks, t),
        downloads: (Object.keys(reportFormats) as ReportFormat[]).map((format) => ({
          href: `/secretariat/reports/${slug}/endorsements.${format}`,
          label: t.t(`reports.page.download.${format}`),
          hint: t.t(`reports.page.download.${format}Hint`),
        })),
        pdfs: languages.map((lang) => ({
          href: `/secretariat/reports/${slug}/summary.pdf?lang=${lang}`,
          lang,
          label: t.t(`language.${lang}`),
        })),
        certificates: secretariat ? `/secretariat/reports/${slug}/certificates.zip` : undefined,
        snapshots: snapshotsView(snapshots, slug, networks, t, query.snapshot),
        snapshotAction: `/secretariat/reports/${slug}/snapshots`,
        notice:
          query.notice === 'snapshot' && snapshots.some((s) => s.id === query.snapshot)
            ? t.t('reports.page.snapshot.taken')
            : undefined,
      },
    });
  });

  for (const format of Object.keys(reportFormats) as ReportFormat[]) {
    app.get(`/secretariat/reports/:slug/endorsements.${format}`, async (request, reply) => {
      const ctx = signedInReader(request, reply);
      if (!ctx) return reply;
      const { slug } = parsed(slugParams, request.params);
      return sendPrivately(reply, await endorsementReportDownload(ctx, app.workers, slug, format, {}));
    });
  }

  app.get('/secretariat/reports/:slug/summary.pdf', async (request, reply) => {
    const ctx = signedInReader(request, reply);
    if (!ctx) return reply;
    const { slug } = parsed(slugParams, request.params);
    const { lang } = parsed(pdfQuery, request.query);
    return sendPrivately(reply, await summaryPdfDownload(ctx, app.workers, slug, {}, lang));
  });

  app.get('/secretariat/reports/:slug/certificates.zip', async (request, reply) => {
    // Every city's certificates: the secretariat's alone (the service says so too).
    const ctx = signedInSecretariat(request, reply);
    if (!ctx) return reply;
    const { slug } = parsed(slugParams, request.params);
    return sendPrivately(reply, await certificatesZipDownload(ctx, printerOf(app), slug));
  });

  app.post('/secretariat/reports/:slug/snapshots', { preValidation: app.csrfProtection }, async (request, reply) => {
    const ctx = signedInReader(request, reply);
    if (!ctx) return reply;
    const { slug } = parsed(slugParams, request.params);
    const snapshot = await createSnapshot(ctx, slug, {});
    const query = new URLSearchParams({ pledge: slug, notice: 'snapshot', snapshot: snapshot.id });
    return reply.redirect(`/secretariat/reports?${query.toString()}#snapshots`, 303);
  });

  app.get('/secretariat/reports/:slug/snapshots/:id.csv', async (request, reply) => {
    const ctx = signedInReader(request, reply);
    if (!ctx) return reply;
    const { slug, id } = parsed(snapshotParams, request.params);
    // The snapshot as listed under this pledge for this reader; any other address is the 404 page.
    if (!(await listSnapshots(ctx, slug)).some((s) => s.id === id)) throw new NotFoundError('Snapshot');
    return sendPrivately(reply, await snapshotDownload(ctx, id));
  });
}
