import fastifyJwt from '@fastify/jwt';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { type Actor, anonymous } from '../lib/actor.js';
import type { ServiceContext } from '../modules/context.js';
import { UnauthenticatedError } from '../lib/errors.js';
import { findActiveActor } from '../modules/users/index.js';

export interface AccessTokenClaims {
  sub: string;
  role: string;
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: AccessTokenClaims;
    user: AccessTokenClaims;
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor;
  }
  interface FastifyInstance {
    config: Config;
    database: Database;
    /** onRequest hook: 401 unless a valid token of an active user is presented. */
    authenticate(request: FastifyRequest): Promise<void>;
    /**
     * onRequest hook: 401 unless a valid token is presented; `request.user` holds its claims. The
     * handler must then check the user's row itself: `loadActor`, or a statement that reads it.
     */
    verifyToken(request: FastifyRequest): Promise<void>;
    /** The actor of a request whose token `verifyToken` accepted: 401 unless the account is active. */
    loadActor(request: FastifyRequest): Promise<void>;
    /** onRequest hook: reads a token when one is sent, else the actor stays anonymous. */
    authenticateOptional(request: FastifyRequest): Promise<void>;
    /** The service context of a request: database, actor, request id. */
    ctx(request: FastifyRequest): ServiceContext;
  }
}

export default fp(
  async function authPlugin(app: FastifyInstance, opts: { config: Config }) {
    await app.register(fastifyJwt, {
      secret: opts.config.auth.jwtSecret,
      sign: { expiresIn: opts.config.auth.accessTokenTtlSeconds, algorithm: 'HS256' },
      // fast-jwt accepts a token without `exp` as one that never expires: one signed by a script
      // or another service sharing the secret would work for good.
      verify: { algorithms: ['HS256'], requiredClaims: ['exp'] },
    });
    app.decorateRequest('actor', null as never);
    app.addHook('onRequest', async (request) => {
      request.actor = anonymous;
    });

    async function verifyToken(request: FastifyRequest): Promise<void> {
      try {
        await request.jwtVerify<AccessTokenClaims>();
      } catch {
        throw new UnauthenticatedError('The access token is missing, invalid or expired.');
      }
    }

    async function loadActor(request: FastifyRequest): Promise<void> {
      // The row, not the token, decides: a deactivated user or a changed role takes effect at once.
      const actor = await findActiveActor(app.database.db, request.user.sub);
      if (!actor) throw new UnauthenticatedError('The account is not active.');
      request.actor = actor;
    }

    async function resolveActor(request: FastifyRequest): Promise<void> {
      await verifyToken(request);
      await loadActor(request);
    }

    app.decorate('authenticate', resolveActor);
    app.decorate('verifyToken', verifyToken);
    app.decorate('loadActor', loadActor);
    app.decorate('authenticateOptional', async (request: FastifyRequest) => {
      if (request.headers.authorization) await resolveActor(request);
    });
    app.decorate('ctx', (request: FastifyRequest): ServiceContext => ({
      db: app.database.db,
      actor: request.actor,
      requestId: request.id,
    }));
  },
  { name: 'auth' },
);
