import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createNetworkSchema, networkSchema } from './networks.schemas.js';
import * as service from './networks.service.js';

const networksRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/networks',
    {
      schema: {
        operationId: 'listNetworks',
        tags: ['networks'],
        summary: 'The partner city networks (public)',
        response: { 200: z.array(networkSchema) },
      },
    },
    async (request) => service.listNetworks(app.ctx(request)),
  );

  app.post(
    '/networks',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'createNetwork',
        tags: ['networks'],
        summary: 'Add a partner network (secretariat)',
        security: [{ bearerAuth: [] }],
        body: createNetworkSchema,
        response: { 201: networkSchema },
      },
    },
    async (request, reply) => reply.code(201).send(await service.createNetwork(app.ctx(request), request.body)),
  );
};

export default networksRoutes;
