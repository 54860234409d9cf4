import fastifyJwt from '@fastify/jwt';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { type Actor, anonymous } from '../lib/actor.js';
import type { ServiceContext } from '../modules/context.js';
import { UnauthenticatedError } from '../lib/errors.js';
import { findSessionActor } from '../modules/users/index.js';

export interface AccessTokenClaims {
  sub: string;
  role: string;
  /** The session: the id of the refresh-token family the token was issued with. */
  sid: string;
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
     * handler must then check the user's row and session itself: `loadActor`, or a statement that
     * reads them.
     */
    verifyToken(request: FastifyRequest): Promise<void>;
    /**
     * The actor of a request whose token `verifyToken` accepted: 401 unless the account is active
     * and the token's session has not ended.
     */
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
      verify: { algorithms: ['HS256'], requiredClaims: ['exp', 'sub', 'sid'] },
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
      // The rows, not the token, decide: a deactivated user, a changed role or a session ended (by
      // signing out or by a reused refresh token) takes effect at once, not when the token expires.
      const actor = await findSessionActor(app.database.db, request.user.sub, request.user.sid);
      if (!actor) throw new UnauthenticatedError('The account is not active or the session has ended.');
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
