import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { pageSchema } from '../../lib/pagination.js';
import { auditQuerySchema, listAuditEvents, verifyAuditChain } from './audit.service.js';

const security = [{ bearerAuth: [] }];

const auditEventSchema = z.object({
  id: z.uuid(),
  seq: z.number().int(),
  at: z.date(),
  actor: z.object({ id: z.uuid().nullable(), role: z.string() }),
  action: z.string(),
  entityType: z.string(),
  entityId: z.string().nullable(),
  summary: z.unknown(),
  requestId: z.string().nullable(),
  chainSeq: z
    .number()
    .int()
    .nullable()
    .describe('position in the hash chain; null until sealed (milliseconds after the write)'),
  prevHash: z.string().nullable(),
  hash: z.string().nullable(),
});

const auditRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/audit',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'listAuditEvents',
        tags: ['audit'],
        summary: 'Audit events, newest first (secretariat)',
        security,
        querystring: auditQuerySchema,
        response: { 200: pageSchema(auditEventSchema) },
      },
    },
    async (request) => listAuditEvents(app.ctx(request), request.query),
  );

  app.get(
    '/audit/verify',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'verifyAuditChain',
        tags: ['audit'],
        summary: 'Recompute the hash chain; reports the first event that does not check out (secretariat)',
        security,
        response: {
          200: z.object({
            ok: z.boolean(),
            checked: z.number().int(),
            firstBadEventId: z.uuid().nullable(),
            reason: z.string().nullable(),
            pending: z.number().int(),
          }),
        },
      },
    },
    async (request) => verifyAuditChain(app.ctx(request)),
  );
};

export default auditRoutes;
