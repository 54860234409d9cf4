import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../lib/errors.js';
import { fastSerializerCompiler } from '../../lib/fast-serializer.js';
import { listQuerySchema, pageArray, pageSchema } from '../../lib/pagination.js';
import { pledgeParamsSchema } from '../pledges/index.js';
import { createEndorsement, type EndorseDeps } from './endorse.service.js';
import {
  amendSchema,
  createEndorsementSchema,
  decisionSchema,
  endorsementDetailSchema,
  endorsementIdParamsSchema,
  endorsementListQuerySchema,
  endorsementSchema,
  mandateResultSchema,
  progressInputSchema,
  progressSchema,
  reconfirmResultSchema,
  reconfirmSchema,
  withdrawSchema,
} from './endorsements.schemas.js';
import { listEndorsements } from './endorsements.service.js';
import * as lifecycle from './lifecycle.service.js';
import { downloadMandate, MAX_MANDATE_BYTES, uploadMandate } from './mandate.service.js';
import { addProgress, listProgress } from './progress.service.js';

const security = [{ bearerAuth: [] }];
const tags = ['endorsements'];
const idempotencyHeaders = z.object({ 'idempotency-key': z.string().max(200).optional() });
const mandateTypes = ['application/pdf', 'image/png', 'image/jpeg', 'application/octet-stream'];

const endorsementsRoutes: FastifyPluginAsyncZod = async (app) => {
  const deps: EndorseDeps = { publicBaseUrl: app.config.publicBaseUrl, certSigningKey: app.config.certSigningKey };
  // Raw bytes; the service decides the type from the content, never from this header.
  app.addContentTypeParser(mandateTypes, { parseAs: 'buffer', bodyLimit: MAX_MANDATE_BYTES }, (_req, body, done) =>
    done(null, body),
  );

  app.post(
    '/pledges/:pledgeId/endorsements',
    {
      onRequest: app.authenticate,
      serializerCompiler: fastSerializerCompiler,
      schema: {
        operationId: 'createEndorsement',
        tags,
        summary:
          'Endorse the published version, whole or by area (city official for their city; secretariat on behalf ' +
          'of any city)',
        description:
          'Send Idempotency-Key to make retries safe: the same key and body return the first answer; another ' +
          'body is 409.',
        security,
        params: pledgeParamsSchema,
        headers: idempotencyHeaders,
        body: createEndorsementSchema,
        response: { 201: endorsementSchema },
      },
    },
    async (request, reply) => {
      const result = await createEndorsement(
        app.ctx(request),
        deps,
        request.params.pledgeId,
        request.body,
        request.headers['idempotency-key'],
      );
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(201).send(result.body);
    },
  );

  app.get(
    '/endorsements',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'listEndorsements',
        tags,
        summary:
          'Endorsements in your scope (secretariat: all; reviewer: member cities of your network; city official: ' +
          'your city)',
        security,
        querystring: endorsementListQuerySchema,
        response: { 200: z.object({ items: z.array(endorsementSchema), nextCursor: z.string().nullable() }) },
      },
    },
    async (request) => listEndorsements(app.ctx(request), request.query),
  );

  app.get(
    '/endorsements/:id',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'getEndorsement',
        tags,
        summary: 'An endorsement with its full history and progress',
        security,
        params: endorsementIdParamsSchema,
        response: { 200: endorsementDetailSchema },
      },
    },
    async (request) => lifecycle.getEndorsement(app.ctx(request), request.params.id),
  );

  app.patch(
    '/endorsements/:id',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'amendEndorsement',
        tags,
        summary: 'Change the endorsed areas (its city official; secretariat): a new revision, back to submitted',
        security,
        params: endorsementIdParamsSchema,
        body: amendSchema,
        response: { 200: endorsementDetailSchema },
      },
    },
    async (request) => lifecycle.amendEndorsement(app.ctx(request), deps, request.params.id, request.body),
  );

  app.post(
    '/endorsements/:id/reconfirm',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'reconfirmEndorsement',
        tags,
        summary: 'Move to the newer published version; areas map by key and the dropped ones are listed',
        security,
        params: endorsementIdParamsSchema,
        body: reconfirmSchema,
        response: { 200: reconfirmResultSchema },
      },
    },
    async (request) => lifecycle.reconfirmEndorsement(app.ctx(request), deps, request.params.id, request.body),
  );

  app.post(
    '/endorsements/:id/withdraw',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'withdrawEndorsement',
        tags,
        summary: 'Withdraw, with a reason',
        security,
        params: endorsementIdParamsSchema,
        body: withdrawSchema,
        response: { 200: endorsementDetailSchema },
      },
    },
    async (request) => lifecycle.withdrawEndorsement(app.ctx(request), deps, request.params.id, request.body.reason),
  );

  app.post(
    '/endorsements/:id/decision',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'decideEndorsement',
        tags,
        summary: 'Verify or reject (with a note) a submitted endorsement (secretariat)',
        security,
        params: endorsementIdParamsSchema,
        body: decisionSchema,
        response: { 200: endorsementDetailSchema },
      },
    },
    async (request) => lifecycle.decideEndorsement(app.ctx(request), deps, request.params.id, request.body),
  );

  app.put(
    '/endorsements/:id/mandate',
    {
      onRequest: app.authenticate,
      bodyLimit: MAX_MANDATE_BYTES,
      schema: {
        operationId: 'uploadMandate',
        tags,
        summary: 'Upload the mandate document: PDF, PNG or JPEG, 10 MB at most, type checked from the content',
        security,
        consumes: mandateTypes,
        params: endorsementIdParamsSchema,
        response: { 201: mandateResultSchema },
      },
    },
    async (request, reply) => {
      // A text or JSON body has been decoded on the way in and would not be the file sent.
      if (!Buffer.isBuffer(request.body)) {
        throw new AppError(
          415,
          'unsupported_media_type',
          'Send the file itself as application/pdf, image/png or image/jpeg.',
        );
      }
      return reply.code(201).send(await uploadMandate(app.ctx(request), request.params.id, request.body));
    },
  );

  app.get(
    '/endorsements/:id/mandate',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'downloadMandate',
        tags,
        summary: 'The mandate document (its city officials and the secretariat)',
        security,
        params: endorsementIdParamsSchema,
      },
    },
    async (request, reply) => {
      const doc = await downloadMandate(app.ctx(request), request.params.id);
      return reply
        .type(doc.mediaType)
        .header(
          'content-disposition',
          `attachment; filename="mandate-${request.params.id}.${doc.mediaType.split('/')[1]}"`,
        )
        .header('x-content-sha256', doc.sha256)
        .send(doc.content);
    },
  );

  app.post(
    '/endorsements/:id/progress',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'reportProgress',
        tags,
        summary: 'Report progress on an endorsed area (its city official); accepts Idempotency-Key',
        security,
        params: endorsementIdParamsSchema,
        headers: idempotencyHeaders,
        body: progressInputSchema,
        response: { 201: progressSchema },
      },
    },
    async (request, reply) => {
      const result = await addProgress(
        app.ctx(request),
        request.params.id,
        request.body,
        request.headers['idempotency-key'],
      );
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(201).send(result.body);
    },
  );

  app.get(
    '/endorsements/:id/progress',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'listProgress',
        tags,
        summary: 'Every progress update of an endorsement',
        security,
        params: endorsementIdParamsSchema,
        querystring: listQuerySchema,
        response: { 200: pageSchema(progressSchema) },
      },
    },
    async (request) => pageArray(await listProgress(app.ctx(request), request.params.id), request.query, (p) => p.id),
  );
};

export default endorsementsRoutes;
