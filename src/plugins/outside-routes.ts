import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { problemOf, sendProblem } from './problem.js';

/*
 * Answers to requests that never reach a route: what Fastify's router refuses before routing (a
 * URL it cannot decode, a path parameter past its length) and what Node's HTTP parser refuses
 * (bad syntax, headers too large, a request that took too long to arrive). They are problem+json
 * with a request id and the security headers, like every other answer.
 */

type Headers = Record<string, string>;

/** For Fastify's `frameworkErrors` option: no hook has run, so the headers are set here. */
export function frameworkErrors(headers: Headers): NonNullable<FastifyServerOptions['frameworkErrors']> {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    reply.headers(headers).header('x-request-id', request.id);
    if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
      return sendProblem(request, reply, 414, 'uri_too_long', 'A part of the path is too long.');
    }
    if (error.code === 'FST_ERR_BAD_URL') {
      return sendProblem(request, reply, 400, 'bad_request', 'The URL is not valid (a malformed percent-encoding).');
    }
    request.log.error({ err: error }, 'router error');
    return sendProblem(request, reply, 500, 'internal_error', 'An unexpected error occurred.');
  };
}

const clientErrorAnswers: Record<string, { status: number; code: string; detail: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, code: 'request_timeout', detail: 'The request took too long to arrive.' },
  HPE_HEADER_OVERFLOW: {
    status: 431,
    code: 'headers_too_large',
    detail: 'The request headers are too large.',
  },
};
const badRequest = { status: 400, code: 'bad_request', detail: 'The request is not valid HTTP.' };

interface Log {
  debug(obj: object, msg: string): void;
}

/**
 * For Fastify's `clientErrorHandler` option, which Node calls with the raw socket: the answer is
 * written by hand and the connection closed, as Node itself does.
 */
export function clientErrors(headers: Headers, log: () => Log): (error: Error, socket: Socket) => void {
  const fixedHeaders = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return (error, socket) => {
    const { code } = error as { code?: string };
    // A connection reset leaves nobody to answer.
    if (code === 'ECONNRESET' || socket.destroyed) return;
    const answer = (code && clientErrorAnswers[code]) || badRequest;
    const requestId = randomUUID();
    log().debug({ code, requestId }, 'client error');
    if (socket.writable) {
      const body = JSON.stringify(problemOf(answer.status, answer.code, answer.detail, { path: '/', requestId }));
      socket.write(
        `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status]}\r\n` +
          'content-type: application/problem+json\r\n' +
          `content-length: ${Buffer.byteLength(body)}\r\n` +
          `x-request-id: ${requestId}\r\n` +
          fixedHeaders +
          'connection: close\r\n\r\n' +
          body,
      );
    }
    socket.destroy();
  };
}
