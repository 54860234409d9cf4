import { randomUUID } from 'node:crypto';
import fastifyCors from '@fastify/cors';
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Config } from './config.js';
import type { Database } from './db/client.js';
import { DatabaseOutage } from './db/outage.js';
import { ResponseCache } from './lib/response-cache.js';
import { safeErrorSerializer } from './lib/safe-error.js';
import { WorkerPool } from './lib/worker-pool.js';
import auditRoutes from './modules/audit/audit.routes.js';
import authRoutes from './modules/auth/auth.routes.js';
import certificatesRoutes from './modules/certificates/certificates.routes.js';
import citiesRoutes from './modules/cities/cities.routes.js';
import healthRoutes from './modules/health/health.routes.js';
import networksRoutes from './modules/networks/networks.routes.js';
import endorsementsRoutes from './modules/endorsements/endorsements.routes.js';
import pledgesRoutes from './modules/pledges/pledges.routes.js';
import publicRoutes from './modules/public/public.routes.js';
import reportsRoutes from './modules/reports/reports.routes.js';
import roundsRoutes from './modules/rounds/rounds.routes.js';
import usersRoutes from './modules/users/users.routes.js';
import authPlugin from './plugins/auth.js';
import docsPlugin from './plugins/docs.js';
import errorsPlugin from './plugins/errors.js';
import { clientErrors, frameworkErrors } from './plugins/outside-routes.js';
import securityHeadersPlugin, { securityHeaders } from './plugins/security-headers.js';
import shutdownPlugin from './plugins/shutdown.js';
import webPortal from './web/index.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Public pages, finished, for a second (PUBLIC_CACHE_MS). */
    publicCache: ResponseCache;
    /** Logs a database outage as one (see db/outage.ts); the errors plugin reports to it. */
    databaseOutage: DatabaseOutage;
    /** The threads that render PDFs and write workbooks, off the event loop (WORKER_THREADS, WORKER_QUEUE). */
    workers: WorkerPool;
  }
}

export interface BuildAppOptions {
  config: Config;
  database: Database;
  /** Overrides the logger (tests pass false or a stream). */
  logger?: FastifyServerOptions['logger'];
}

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{8,128}$/;

/** Log redaction: credentials and tokens never reach a log line. */
export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["idempotency-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.passwordHash',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.acceptToken',
  '*.authorization',
];

export function loggerOptions(config: Config): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    redact: { paths: redactPaths, censor: '[redacted]' },
    serializers: { err: safeErrorSerializer },
  };
}

/** The same for every answer; worked out once (see security-headers.ts). */
const headers = securityHeaders({
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      styleSrc: ["'self'", "'unsafe-inline'"],
      scriptSrc: ["'self'"],
    },
  },
});

export async function buildApp({ config, database, logger }: BuildAppOptions): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    logger: logger ?? loggerOptions(config),
    // A caller's request id is kept when it looks like one, so traces join up across services.
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
    },
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    trustProxy: config.trustProxy,
    bodyLimit: 1024 * 1024,
    forceCloseConnections: 'idle',
    return503OnClosing: false,
    // Slow clients cannot hold connections: the headers, the whole request and idle sockets have
    // their deadlines. Node checks them every connectionsCheckingInterval, so that is a fraction of
    // the shortest.
    requestTimeout: config.http.requestTimeoutMs,
    keepAliveTimeout: config.http.keepAliveTimeoutMs,
    connectionTimeout: config.http.idleTimeoutMs,
    http: {
      headersTimeout: config.http.headersTimeoutMs,
      connectionsCheckingInterval: Math.max(100, config.http.headersTimeoutMs / 4),
    },
    routerOptions: { ignoreTrailingSlash: true },
    frameworkErrors: frameworkErrors(headers),
    clientErrorHandler: clientErrors(headers, () => app.log),
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorate('config', config);
  app.decorate('database', database);
  app.decorate('publicCache', new ResponseCache(config.publicCacheMs));
  const outage = new DatabaseOutage({ ping: () => database.ping(1_000), log: () => app.log });
  app.decorate('databaseOutage', outage);
  app.addHook('onClose', async () => outage.stop());
  const workers = new WorkerPool({
    ...config.workers,
    onError: (err) => app.log.error({ err }, 'worker pool error'),
  });
  app.decorate('workers', workers);
  // After the server has stopped and the last download has ended: the threads stop with the app.
  app.addHook('onClose', () => workers.close());
  // A write this instance handled may change a public page: from now on, serve none from before
  // it. Done before the answer leaves, so the writer's next read already sees its change.
  app.addHook('onSend', async (request, reply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD' && request.method !== 'OPTIONS' && reply.statusCode < 400)
      app.publicCache.clear();
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  await app.register(errorsPlugin);
  await app.register(securityHeadersPlugin, { headers });
  await app.register(shutdownPlugin);
  await app.register(fastifyCors, {
    origin: config.corsOrigins.length === 0 ? false : config.corsOrigins.includes('*') ? true : config.corsOrigins,
    exposedHeaders: ['x-request-id', 'etag', 'retry-after', 'location'],
  });
  await app.register(docsPlugin);
  await app.register(authPlugin, { config });

  await app.register(healthRoutes);
  await app.register(
    async (api) => {
      await api.register(authRoutes);
      await api.register(usersRoutes);
      await api.register(networksRoutes);
      await api.register(citiesRoutes);
      await api.register(pledgesRoutes);
      await api.register(roundsRoutes);
      await api.register(endorsementsRoutes);
      await api.register(publicRoutes);
      await api.register(certificatesRoutes);
      await api.register(reportsRoutes);
      await api.register(auditRoutes);
    },
    { prefix: '/api/v1' },
  );
  await app.register(webPortal, { config });
  return app;
}
