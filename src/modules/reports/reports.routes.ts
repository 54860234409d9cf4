import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { endorsementStatuses } from '../../db/schema/index.js';
import { languages, regions } from '../../lib/countries.js';
import { countryCodeSchema } from '../cities/index.js';
import { networkCodeSchema } from '../networks/index.js';
import { areaKeySchema, pledgeParamsSchema } from '../pledges/index.js';
import { sendDownload } from '../../lib/download.js';
import { endorsementReportDownload, snapshotDownload, summaryPdfDownload } from './reports.downloads.js';
import { type ReportFormat, reportFormats } from './reports.formats.js';
import * as service from './reports.service.js';

const security = [{ bearerAuth: [] }];
const tags = ['reports'];

/** A day ("2026-03-31") or an instant; a day as `to` includes the whole day. */
const dateFilter = (end: boolean) =>
  z
    .union([z.iso.date(), z.iso.datetime({ offset: true })])
    .transform((v) =>
      v.length === 10 ? new Date(`${v}T00:00:00Z`).getTime() + (end ? 86_400_000 - 1 : 0) : Date.parse(v),
    )
    .pipe(
      z
        .number()
        .min(Date.UTC(1970, 0, 1))
        .max(Date.UTC(9999, 11, 31)),
    )
    .transform((ms) => new Date(ms));

const versionNumber = z.number().int().min(1).max(2_147_483_647);

/** The filters as a query string gives them: text, numbers read from it. */
const filtersSchema = z.object({
  status: z.enum(endorsementStatuses).optional(),
  country: countryCodeSchema.optional(),
  region: z.enum(regions).optional(),
  network: networkCodeSchema.optional(),
  areaKey: areaKeySchema.optional(),
  versionNumber: z.coerce.number().pipe(versionNumber).optional(),
  from: dateFilter(false).optional(),
  to: dateFilter(true).optional(),
});

/**
 * The same filters as a JSON body, as strict as every other body: a number must be a JSON number
 * (coercion would read `[1]` or `true` as version 1) and an unknown field is refused, not ignored.
 */
const filtersBodySchema = filtersSchema.extend({ versionNumber: versionNumber.optional() }).strict();

const countSchema = z.array(z.object({ key: z.string(), count: z.number().int() }));
const summarySchema = z.object({
  totals: z.object({
    endorsements: z.number().int(),
    verified: z.number().int(),
    cities: z.number().int(),
    countries: z.number().int(),
  }),
  byArea: countSchema,
  byRegion: countSchema,
  byCountry: countSchema,
  byNetwork: countSchema,
  byStatus: countSchema,
  byVersion: countSchema,
  timeline: z.array(z.object({ date: z.string(), count: z.number().int() })),
});
const snapshotSchema = z.object({
  id: z.uuid(),
  pledgeId: z.uuid(),
  filters: z.record(z.string(), z.unknown()),
  sha256: z.string(),
  rowCount: z.number().int(),
  createdBy: z.uuid().nullable(),
  createdAt: z.date(),
});

const reportsRoutes: FastifyPluginAsyncZod = async (app) => {
  for (const extension of Object.keys(reportFormats) as ReportFormat[]) {
    const format = reportFormats[extension];
    app.get(
      `/pledges/:pledgeId/reports/endorsements.${extension}`,
      {
        onRequest: app.authenticate,
        schema: {
          operationId: format.operationId,
          tags,
          summary: format.summary,
          security,
          params: pledgeParamsSchema,
          querystring: filtersSchema,
        },
      },
      async (request, reply) =>
        sendDownload(
          reply,
          await endorsementReportDownload(
            app.ctx(request),
            app.workers,
            request.params.pledgeId,
            extension,
            request.query,
          ),
        ),
    );
  }

  app.get(
    '/pledges/:pledgeId/reports/summary',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'endorsementSummary',
        tags,
        summary: 'Totals and counts by area, region, country, network, status, version, and per week',
        security,
        params: pledgeParamsSchema,
        querystring: filtersSchema,
        response: { 200: summarySchema },
      },
    },
    async (request) => service.summary(app.ctx(request), request.params.pledgeId, request.query),
  );

  app.get(
    '/pledges/:pledgeId/reports/summary.pdf',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'endorsementSummaryPdf',
        tags,
        summary: 'The summary as a briefing PDF with charts, in en, es or fr (?lang=)',
        security,
        params: pledgeParamsSchema,
        querystring: filtersSchema.extend({ lang: z.enum(languages).default('en') }),
      },
    },
    async (request, reply) => {
      const { lang, ...filters } = request.query;
      return sendDownload(
        reply,
        await summaryPdfDownload(app.ctx(request), app.workers, request.params.pledgeId, filters, lang),
      );
    },
  );

  app.post(
    '/pledges/:pledgeId/reports/snapshots',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'createReportSnapshot',
        tags,
        summary: 'Freeze the CSV report (with these filters): its bytes and SHA-256 are kept for good',
        security,
        params: pledgeParamsSchema,
        body: filtersBodySchema.optional(),
        response: { 201: snapshotSchema },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await service.createSnapshot(app.ctx(request), request.params.pledgeId, request.body ?? {})),
  );

  app.get(
    '/pledges/:pledgeId/reports/snapshots',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'listReportSnapshots',
        tags,
        summary: 'The frozen reports of a pledge, newest first, with who made each',
        security,
        params: pledgeParamsSchema,
        response: { 200: z.object({ items: z.array(snapshotSchema), nextCursor: z.null() }) },
      },
    },
    async (request) => ({
      items: await service.listSnapshots(app.ctx(request), request.params.pledgeId),
      nextCursor: null,
    }),
  );

  app.get(
    '/reports/snapshots/:id.csv',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'downloadReportSnapshot',
        tags,
        summary: 'The frozen CSV bytes, identical every time',
        security,
        params: z.object({ id: z.uuid() }),
      },
    },
    async (request, reply) => sendDownload(reply, await snapshotDownload(app.ctx(request), request.params.id)),
  );
};

export default reportsRoutes;
