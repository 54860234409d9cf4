import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listQuerySchema, pageArray, pageSchema } from '../../lib/pagination.js';
import * as areas from './areas.service.js';
import {
  areaParamsSchema,
  areaSchema,
  createAreaSchema,
  createPledgeSchema,
  createVersionSchema,
  diffQuerySchema,
  diffSchema,
  pledgeParamsSchema,
  pledgeSchema,
  publishSchema,
  updateAreaSchema,
  updatePledgeSchema,
  updateVersionSchema,
  versionParamsSchema,
  versionSchema,
} from './pledges.schemas.js';
import * as pledges from './pledges.service.js';
import { publishVersion } from './publish.service.js';

const security = [{ bearerAuth: [] }];
const tags = ['pledges'];
const ifMatchHeaders = z.object({ 'if-match': z.string().max(500).optional() });

const pledgesRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/pledges',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'createPledge',
        tags,
        summary: 'Create a pledge with draft version 1 (secretariat)',
        security,
        body: createPledgeSchema,
        response: { 201: pledgeSchema },
      },
    },
    async (request, reply) => reply.code(201).send(await pledges.createPledge(app.ctx(request), request.body)),
  );

  app.get(
    '/pledges',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'listPledges',
        tags,
        summary: 'Pledges with the versions the caller may see',
        security,
        querystring: listQuerySchema,
        response: { 200: pageSchema(pledgeSchema) },
      },
    },
    async (request) => pageArray(await pledges.listPledges(app.ctx(request)), request.query, (p) => p.id),
  );

  app.get(
    '/pledges/:pledgeId',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'getPledge',
        tags,
        summary: 'One pledge, by id or slug',
        security,
        params: pledgeParamsSchema,
        response: { 200: pledgeSchema },
      },
    },
    async (request) => pledges.getPledge(app.ctx(request), request.params.pledgeId),
  );

  app.patch(
    '/pledges/:pledgeId',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'updatePledge',
        tags,
        summary: 'Change the title or settings of a pledge (secretariat)',
        security,
        params: pledgeParamsSchema,
        body: updatePledgeSchema,
        response: { 200: pledgeSchema },
      },
    },
    async (request) => pledges.updatePledge(app.ctx(request), request.params.pledgeId, request.body),
  );

  app.post(
    '/pledges/:pledgeId/versions',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'createVersion',
        tags,
        summary: 'New draft version copied from `from` (default: the latest) (secretariat)',
        security,
        params: pledgeParamsSchema,
        body: createVersionSchema,
        response: { 201: versionSchema },
      },
    },
    async (request, reply) => {
      const { version, etag } = await pledges.createVersion(
        app.ctx(request),
        request.params.pledgeId,
        request.body.from,
      );
      return reply.code(201).header('etag', etag).send(version);
    },
  );

  app.get(
    '/pledges/:pledgeId/versions/:n',
    {
      onRequest: app.authenticateOptional,
      schema: {
        operationId: 'getVersion',
        tags,
        summary: 'A version with its areas and an ETag (published ones: anyone; drafts: secretariat)',
        params: versionParamsSchema,
        response: { 200: versionSchema },
      },
    },
    async (request, reply) => {
      const { version, etag } = await pledges.getVersion(app.ctx(request), request.params.pledgeId, request.params.n);
      return reply.header('etag', etag).send(version);
    },
  );

  app.patch(
    '/pledges/:pledgeId/versions/:n',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'updateVersion',
        tags,
        summary: 'Edit the preamble of a draft (secretariat); honours If-Match',
        security,
        params: versionParamsSchema,
        headers: ifMatchHeaders,
        body: updateVersionSchema,
        response: { 200: versionSchema },
      },
    },
    async (request, reply) => {
      const { pledgeId, n } = request.params;
      const { version, etag } = await pledges.updateVersion(
        app.ctx(request),
        pledgeId,
        n,
        request.body,
        request.headers['if-match'],
      );
      return reply.header('etag', etag).send(version);
    },
  );

  app.post(
    '/pledges/:pledgeId/versions/:n/areas',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'addArea',
        tags,
        summary: 'Add an action area to a draft (secretariat); honours If-Match',
        security,
        params: versionParamsSchema,
        headers: ifMatchHeaders,
        body: createAreaSchema,
        response: { 201: areaSchema },
      },
    },
    async (request, reply) => {
      const { pledgeId, n } = request.params;
      const { area, etag } = await areas.addArea(
        app.ctx(request),
        pledgeId,
        n,
        request.body,
        request.headers['if-match'],
      );
      return reply.code(201).header('etag', etag).send(area);
    },
  );

  app.patch(
    '/pledges/:pledgeId/versions/:n/areas/:key',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'updateArea',
        tags,
        summary: 'Edit or move an action area of a draft (secretariat); honours If-Match',
        security,
        params: areaParamsSchema,
        headers: ifMatchHeaders,
        body: updateAreaSchema,
        response: { 200: areaSchema },
      },
    },
    async (request, reply) => {
      const { pledgeId, n, key } = request.params;
      const { area, etag } = await areas.updateArea(
        app.ctx(request),
        pledgeId,
        n,
        key,
        request.body,
        request.headers['if-match'],
      );
      return reply.header('etag', etag).send(area);
    },
  );

  app.delete(
    '/pledges/:pledgeId/versions/:n/areas/:key',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'deleteArea',
        tags,
        summary: 'Remove an action area from a draft (secretariat); honours If-Match',
        security,
        params: areaParamsSchema,
        headers: ifMatchHeaders,
        response: { 204: z.null().describe('Removed') },
      },
    },
    async (request, reply) => {
      const { pledgeId, n, key } = request.params;
      const { etag } = await areas.deleteArea(app.ctx(request), pledgeId, n, key, request.headers['if-match']);
      return reply.code(204).header('etag', etag).send(null);
    },
  );

  app.get(
    '/pledges/:pledgeId/versions/:n/diff',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'diffVersions',
        tags,
        summary: 'Areas added, removed and changed (with the fields) from version `against` to this one',
        security,
        params: versionParamsSchema,
        querystring: diffQuerySchema,
        response: { 200: diffSchema },
      },
    },
    async (request) =>
      pledges.diffVersion(app.ctx(request), request.params.pledgeId, request.params.n, request.query.against),
  );

  app.post(
    '/pledges/:pledgeId/versions/:n/publish',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'publishVersion',
        tags,
        summary:
          'Publish a validated version (others need override: { reason }); supersedes the previous one (secretariat)',
        security,
        params: versionParamsSchema,
        body: publishSchema,
        response: { 200: versionSchema },
      },
    },
    async (request, reply) => {
      const { version, etag } = await publishVersion(
        app.ctx(request),
        request.params.pledgeId,
        request.params.n,
        request.body.override,
      );
      return reply.header('etag', etag).send(version);
    },
  );
};

export default pledgesRoutes;
