import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { AppError, type FieldError, pgErrorCode } from '../lib/errors.js';
import { isDatabaseUnavailable } from '../db/availability.js';
import { sendProblem } from './problem.js';

/** Seconds a client is told to wait when the database is away. */
const DATABASE_RETRY_AFTER_SECONDS = '5';

const codeForStatus: Record<number, string> = {
  400: 'validation_failed',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  412: 'precondition_failed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'service_unavailable',
};

/** Maps a PostgreSQL SQLSTATE to a client error; anything else stays a (masked) 500. */
function problemForPgCode(code: string | undefined): { status: number; code: string; detail: string } | undefined {
  switch (code) {
    case '23505':
      return { status: 409, code: 'conflict', detail: 'A record with the same unique value already exists.' };
    case '23503':
      return { status: 409, code: 'conflict', detail: 'The change refers to, or is referred to by, another record.' };
    case '23514':
    case '22P02':
    case '22001':
    case '22007':
    case '22008':
    case '22003':
      return { status: 400, code: 'validation_failed', detail: 'A value is out of the accepted range or format.' };
    case '40001':
    case '40P01':
      return { status: 409, code: 'conflict', detail: 'A concurrent change got in the way; please retry.' };
    default:
      // Class 22, data exceptions: a value the database cannot take (a NUL character, a bad
      // time zone, an out-of-range number…) is the client's input, not our failure.
      return code?.startsWith('22')
        ? {
            status: 400,
            code: 'validation_failed',
            detail: 'A value is not acceptable (unsupported character, format or range).',
          }
        : undefined;
  }
}

/**
 * Fastify closes the connection after a body it refused as too large, since the client may still
 * be sending it. When the declared length is at most twice the route's limit, Node reads the rest
 * and drops it instead (no more than an accepted upload would cost): the client gets its 413 whole
 * rather than a reset while it is still sending, and keeps its keep-alive connection. A longer
 * body, or one of unknown length (chunked), still closes it.
 */
function drainsRefusedBody(request: FastifyRequest): boolean {
  const declared = Number(request.headers['content-length']);
  return Number.isSafeInteger(declared) && declared <= 2 * request.routeOptions.bodyLimit;
}

function zodFieldErrors(error: FastifyError): FieldError[] {
  const context = (error as { validationContext?: string }).validationContext ?? 'body';
  const prefix = context === 'body' ? '' : context === 'querystring' ? 'query' : context;
  const join = (...parts: string[]) => parts.filter(Boolean).join('.') || context;
  return (error.validation ?? []).flatMap((v) => {
    const path = (v.instancePath ?? '').split('/').filter(Boolean).join('.');
    // An unknown field is reported at its own path, so a client can point at it.
    const keys = (v.params as { keys?: unknown } | undefined)?.keys;
    if (v.keyword === 'unrecognized_keys' && Array.isArray(keys)) {
      return keys.map((key) => ({ path: join(prefix, path, String(key)), message: 'is not a known field' }));
    }
    return [{ path: join(prefix, path), message: v.message ?? 'is invalid' }];
  });
}

export default fp(
  async function errorsPlugin(app: FastifyInstance) {
    app.setNotFoundHandler((request, reply) =>
      sendProblem(request, reply, 404, 'not_found', `No route ${request.method} ${request.url.split('?')[0]}.`),
    );

    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof AppError) {
        for (const [name, value] of Object.entries(error.extra.headers ?? {})) reply.header(name, value);
        // The service chose this answer (a busy queue, the database away at /readyz): no stack.
        if (error.status >= 500) request.log.info({ code: error.code, detail: error.message }, 'service unavailable');
        return sendProblem(request, reply, error.status, error.code, error.message, error.extra.errors);
      }
      if (hasZodFastifySchemaValidationErrors(error)) {
        return sendProblem(
          request,
          reply,
          400,
          'validation_failed',
          'The request is not valid.',
          zodFieldErrors(error),
        );
      }
      if (isResponseSerializationError(error)) {
        request.log.error({ err: error, issues: error.cause.issues }, 'response did not match its schema');
        return sendProblem(request, reply, 500, 'internal_error', 'An unexpected error occurred.');
      }
      if (isDatabaseUnavailable(error)) {
        // Counted by the outage log, which says once that the database is away (not a stack each).
        app.databaseOutage.report(error);
        reply.header('retry-after', DATABASE_RETRY_AFTER_SECONDS);
        return sendProblem(
          request,
          reply,
          503,
          'service_unavailable',
          'The database is unavailable or did not answer in time; please retry shortly.',
        );
      }
      const pg = problemForPgCode(pgErrorCode(error));
      if (pg) {
        request.log.info({ err: error }, 'database error mapped to a problem');
        return sendProblem(request, reply, pg.status, pg.code, pg.detail);
      }
      const status = error.statusCode ?? 500;
      if (status >= 400 && status < 500) {
        // Fastify's own client errors (bad JSON, wrong content type, too large a body, bad token).
        const code = codeForStatus[status] ?? 'bad_request';
        const detail =
          error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
            ? `Unsupported content type ${JSON.stringify(request.headers['content-type'] ?? '')}.`
            : error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
              ? 'The request body is too large.'
              : status === 401
                ? 'Authentication is required (a valid bearer token).'
                : error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY'
                  ? 'The body is not valid JSON.'
                  : error.message;
        if (status === 429 && error.message) reply.header('retry-after', reply.getHeader('retry-after') ?? '60');
        if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' && drainsRefusedBody(request)) reply.removeHeader('connection');
        return sendProblem(request, reply, status, code, detail);
      }
      // Everything else is ours: log it whole, tell the client nothing about it.
      request.log.error({ err: error }, 'unhandled error');
      return sendProblem(
        request,
        reply,
        500,
        'internal_error',
        'An unexpected error occurred. Quote the request id when reporting it.',
      );
    });
  },
  { name: 'errors' },
);
