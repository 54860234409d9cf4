import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { regions } from '../../lib/countries.js';
import { fastSerializerCompiler } from '../../lib/fast-serializer.js';
import { localisedOutputSchema } from '../../lib/localised.js';
import { countryCodeSchema } from '../cities/index.js';
import { networkCodeSchema } from '../networks/index.js';
import { areaSchema, slugSchema } from '../pledges/index.js';
import { publicPledge, signatoriesPage } from './public.service.js';
const tags = ['public'];
const slugParams = z.object({ slug: slugSchema });

const publicPledgeSchema = z.object({
  slug: z.string(),
  title: localisedOutputSchema,
  version: z.object({
    number: z.number().int(),
    contentHash: z.string(),
    publishedAt: z.date().nullable(),
    preamble: localisedOutputSchema,
    areas: z.array(areaSchema.extend({ verifiedEndorsements: z.number().int() })),
  }),
  totals: z.object({ verifiedEndorsements: z.number().int() }),
  counts: z.array(z.object({ key: z.string(), count: z.number().int() })),
});

const signatorySchema = z.object({
  city: z.object({
    id: z.uuid(),
    name: z.string(),
    country: z.string(),
    countryName: z.object({ en: z.string(), es: z.string(), fr: z.string() }),
    region: z.string(),
  }),
  scope: z.enum(['whole', 'areas']),
  areas: z.array(z.string()),
  versionNumber: z.number().int(),
  signatory: z.object({ name: z.string(), title: z.string() }),
  language: z.string(),
  date: z.string().describe('when the endorsement was verified (ISO 8601)'),
});

const publicRoutes: FastifyPluginAsyncZod = async (app) => {
  /**
   * A public page, the same for everyone: served from the app's short-lived cache, serialised
   * once by the route's own schema. A proxy or CDN may keep it as long.
   */
  const sendPublic = async (request: FastifyRequest, reply: FastifyReply, build: () => Promise<unknown>) => {
    // Keyed by what the route validated, not the raw URL: unknown query parameters are dropped
    // there, so they cannot make new entries.
    const key = `${request.routeOptions.url}\n${JSON.stringify(request.params)}\n${JSON.stringify(request.query)}`;
    const body = await app.publicCache.get(key, async () => reply.serialize(await build()) as string);
    // Rounded down: a proxy keeps a page no longer than this instance does.
    const seconds = Math.floor(app.publicCache.ttlMs / 1000);
    return reply
      .header('cache-control', app.publicCache.enabled ? `public, max-age=${seconds}` : 'no-cache')
      .type('application/json; charset=utf-8')
      .send(body);
  };

  app.get(
    '/public/pledges/:slug',
    {
      schema: {
        operationId: 'getPublicPledge',
        tags,
        summary: 'The published text in every language, its content hash, and verified endorsements per area',
        params: slugParams,
        response: { 200: publicPledgeSchema },
      },
    },
    async (request, reply) =>
      sendPublic(request, reply, async () => {
        const { pledgeId: _id, ...pledge } = await publicPledge(app.database.db, request.params.slug);
        return { ...pledge, counts: pledge.version.areas.map((a) => ({ key: a.key, count: a.verifiedEndorsements })) };
      }),
  );

  app.get(
    '/public/pledges/:slug/signatories',
    {
      serializerCompiler: fastSerializerCompiler,
      schema: {
        operationId: 'listSignatories',
        tags,
        summary: 'Cities whose endorsement is verified and not withdrawn; filters area, country, region, network',
        params: slugParams,
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(500).default(50),
          cursor: z.string().max(500).optional(),
          area: z.string().trim().max(64).optional(),
          country: countryCodeSchema.optional(),
          region: z.enum(regions).optional(),
          network: networkCodeSchema.optional(),
        }),
        response: { 200: z.object({ items: z.array(signatorySchema), nextCursor: z.string().nullable() }) },
      },
    },
    async (request, reply) =>
      sendPublic(request, reply, async () => signatoriesPage(app.database.db, request.params.slug, request.query)),
  );
};

export default publicRoutes;
