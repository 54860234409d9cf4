import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { meSchema } from '../users/index.js';
import {
  acceptInvitationSchema,
  createInvitationSchema,
  invitationCreatedSchema,
  loginBodySchema,
  refreshBodySchema,
  sessionSchema,
} from './auth.schemas.js';
import * as auth from './auth.service.js';
import * as invitations from './invitations.service.js';

const security = [{ bearerAuth: [] }];

/**
 * Every body here is a few hundred bytes (the longest: a 1,024-character password). These routes
 * answer anyone, so they take no more than that allows: a megabyte of unknown keys sent to the
 * login costs a 413, not the parsing and a validation answer listing each key.
 */
export const AUTH_BODY_LIMIT = 16 * 1024;

const authRoutes: FastifyPluginAsyncZod = async (app) => {
  const deps: auth.AuthDeps = {
    config: app.config,
    signAccessToken: (claims) => app.jwt.sign(claims),
  };

  app.post(
    '/auth/login',
    {
      bodyLimit: AUTH_BODY_LIMIT,
      schema: {
        operationId: 'login',
        tags: ['auth'],
        summary: 'Sign in with e-mail and password; repeated failures are throttled (429)',
        body: loginBodySchema,
        response: { 200: sessionSchema },
      },
    },
    async (request) => auth.login(app.ctx(request), deps, { ...request.body, ip: request.ip }),
  );

  app.post(
    '/auth/refresh',
    {
      bodyLimit: AUTH_BODY_LIMIT,
      schema: {
        operationId: 'refreshSession',
        tags: ['auth'],
        summary: 'Exchange a refresh token for a new pair; a reused token revokes its family',
        body: refreshBodySchema,
        response: { 200: sessionSchema },
      },
    },
    async (request) => auth.refresh(app.ctx(request), deps, request.body.refreshToken),
  );

  app.post(
    '/auth/logout',
    {
      bodyLimit: AUTH_BODY_LIMIT,
      onRequest: app.authenticate,
      schema: {
        operationId: 'logout',
        tags: ['auth'],
        summary: 'End the session of a refresh token',
        security,
        body: refreshBodySchema,
        response: { 204: z.null().describe('Signed out') },
      },
    },
    async (request, reply) => {
      await auth.logout(app.ctx(request), request.body.refreshToken);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/me',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'getMe',
        tags: ['auth'],
        summary: 'The signed-in user',
        security,
        response: { 200: meSchema },
      },
    },
    async (request) => auth.me(app.ctx(request)),
  );

  app.post(
    '/invitations',
    {
      bodyLimit: AUTH_BODY_LIMIT,
      onRequest: app.authenticate,
      schema: {
        operationId: 'createInvitation',
        tags: ['auth'],
        summary: 'Invite a user (secretariat); the token is shown once and mailed',
        security,
        body: createInvitationSchema,
        response: { 201: invitationCreatedSchema },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await invitations.createInvitation(app.ctx(request), deps, request.body)),
  );

  app.post(
    '/invitations/accept',
    {
      bodyLimit: AUTH_BODY_LIMIT,
      schema: {
        operationId: 'acceptInvitation',
        tags: ['auth'],
        summary: 'Accept an invitation with a password of at least 12 characters; signs in',
        body: acceptInvitationSchema,
        response: { 201: sessionSchema },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await invitations.acceptInvitation(app.ctx(request), deps, request.body)),
  );
};

export default authRoutes;
