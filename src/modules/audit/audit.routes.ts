import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ServiceContext } from '../context.js';
import { requireSecretariat } from '../../lib/authorize.js';
import { decodeCursor, pageSchema, toPage } from '../../lib/pagination.js';
import * as repo from './audit.repository.js';
import { sealAuditChain, verifyAuditChain } from './audit.service.js';

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

const auditQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
  entityType: z.string().trim().min(1).max(100).optional(),
  entityId: z.string().trim().min(1).max(200).optional(),
  actor: z.uuid().optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
});

async function listAudit(ctx: ServiceContext, q: z.infer<typeof auditQuerySchema>) {
  requireSecretariat(ctx.actor);
  // What the secretariat reads is chained: seal what the background job has not reached yet.
  await sealAuditChain(ctx.db);
  const [beforeSeq] = (decodeCursor(q.cursor, z.tuple([z.number().int()])) ?? []) as [number?];
  const rows = await repo.listEvents(ctx.db, { ...q, beforeSeq });
  return toPage(
    rows,
    q.limit,
    ({ actorId, actorRole, ...e }) => ({ ...e, actor: { id: actorId, role: actorRole } }),
    (e) => [e.seq],
  );
}

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
    async (request) => listAudit(app.ctx(request), request.query),
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
    async (request) => {
      const ctx = app.ctx(request);
      requireSecretariat(ctx.actor);
      return verifyAuditChain(ctx);
    },
  );
};

export default auditRoutes;
