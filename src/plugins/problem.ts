import { STATUS_CODES } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FieldError } from '../lib/errors.js';

/** RFC 9457 problem details, the body of every error answer. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  requestId: string;
  errors?: FieldError[];
  /** How many problems there were, when more than the listed ones. */
  errorCount?: number;
}

/**
 * At most this many field problems are listed: a body with 120,000 unknown keys must not get a
 * 6 MB answer naming each. The count says how many there were.
 */
export const MAX_LISTED_PROBLEMS = 20;

export function problemOf(
  status: number,
  code: string,
  detail: string,
  where: { path: string; requestId: string },
  errors?: FieldError[],
): Problem {
  const listed = errors && errors.length > MAX_LISTED_PROBLEMS ? errors.slice(0, MAX_LISTED_PROBLEMS) : errors;
  return {
    type: `urn:action-pledge:problem:${code}`,
    title: STATUS_CODES[status] ?? (status >= 500 ? 'Server Error' : 'Request Error'),
    status,
    detail:
      errors && listed !== errors
        ? `${detail} ${errors.length.toLocaleString('en')} problems; the first ${MAX_LISTED_PROBLEMS} are listed.`
        : detail,
    instance: where.path,
    code,
    requestId: where.requestId,
    ...(listed ? { errors: listed } : {}),
    ...(listed !== errors ? { errorCount: errors?.length } : {}),
  };
}

export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  code: string,
  detail: string,
  errors?: FieldError[],
) {
  const path = request.url.split('?')[0] ?? request.url;
  return reply
    .code(status)
    .type('application/problem+json')
    .send(problemOf(status, code, detail, { path, requestId: request.id }, errors));
}
