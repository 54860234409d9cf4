import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  userIdParamsSchema,
  userListQuerySchema,
  userListSchema,
  userPatchSchema,
  userSchema,
} from './users.schemas.js';
import * as service from './users.service.js';

const security = [{ bearerAuth: [] }];

const usersRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/users',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'listUsers',
        tags: ['users'],
        summary: 'List accounts (secretariat)',
        security,
        querystring: userListQuerySchema,
        response: { 200: userListSchema },
      },
    },
    async (request) => service.listUsers(app.ctx(request), request.query),
  );

  app.patch(
    '/users/:id',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'updateUser',
        tags: ['users'],
        summary: 'Change a role or (de)activate an account (secretariat); deactivation ends its sessions',
        security,
        params: userIdParamsSchema,
        body: userPatchSchema,
        response: { 200: userSchema },
      },
    },
    async (request) => service.updateUser(app.ctx(request), request.params.id, request.body),
  );
};

export default usersRoutes;
