import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ServiceUnavailableError } from '../../lib/errors.js';

const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/healthz',
    {
      schema: {
        operationId: 'getHealth',
        tags: ['operations'],
        summary: 'Liveness: 200 while the process lives',
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        operationId: 'getReadiness',
        tags: ['operations'],
        summary: 'Readiness: 200 when the database answers, else 503',
        response: { 200: z.object({ status: z.literal('ready'), database: z.literal('ok') }) },
      },
    },
    async () => {
      try {
        await app.database.ping();
      } catch (err) {
        app.databaseOutage.report(err);
        throw new ServiceUnavailableError('The database is not reachable.');
      }
      return { status: 'ready' as const, database: 'ok' as const };
    },
  );
};

export default healthRoutes;
