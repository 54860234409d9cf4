import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyView from '@fastify/view';
import { Eta } from 'eta';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { isDatabaseUnavailable } from '../db/availability.js';
import { AppError } from '../lib/errors.js';
import { type MessageKey, translator } from '../lib/i18n.js';
import { templatesDir } from '../lib/paths.js';
import { pageRenderer } from './render.js';
import { cookieNames, cookieOptions, readWebSession } from './session.js';

/** The first segments of the portal's addresses (those of later issues too). */
const portalAreas = ['pledges', 'certificates', 'invitations', 'account', 'city', 'review', 'secretariat'];

/** A form's body: a few fields of text; nothing the portal asks for comes near this. */
const FORM_BODY_LIMIT = 64 * 1024;

export interface WebOptions {
  config: Config;
  /** The stylesheet's address (it names its content's hash). */
  stylesheet: () => string;
}

/** An error page: its heading and paragraphs from the catalogue, and where to go next. */
export interface ErrorPage {
  status: number;
  title: MessageKey;
  paragraphs: MessageKey[];
  reference?: boolean;
}

export const errorPages = {
  notFound: { status: 404, title: 'notFound.title', paragraphs: ['notFound.typed', 'notFound.pasted'] },
  csrf: { status: 403, title: 'csrf.title', paragraphs: ['csrf.why', 'csrf.next'] },
  tooLarge: { status: 413, title: 'tooLarge.title', paragraphs: ['tooLarge.text'] },
  badRequest: { status: 400, title: 'badRequest.title', paragraphs: ['badRequest.text'] },
  unavailable: { status: 503, title: 'unavailable.title', paragraphs: ['unavailable.text'] },
  serverError: { status: 500, title: 'serverError.title', paragraphs: ['serverError.text'], reference: true },
} satisfies Record<string, ErrorPage>;

export async function sendErrorPage(request: FastifyRequest, reply: FastifyReply, page: ErrorPage) {
  const { t } = request.web;
  try {
    return await reply.page(
      'error',
      {
        title: t.t(page.title),
        paragraphs: page.paragraphs.map((p) => t.t(p)),
        requestId: page.reference && request.id,
      },
      page.status,
    );
  } catch (err) {
    // Even the error page failed (a template error): a line of text, still without details.
    request.log.error({ err }, 'the error page could not be rendered');
    return reply
      .code(page.status)
      .type('text/plain; charset=utf-8')
      .send(`${page.status} ${t.t(page.title)}`);
  }
}

function pageForError(error: FastifyError): ErrorPage | undefined {
  if (error.code === 'FST_CSRF_MISSING_SECRET' || error.code === 'FST_CSRF_INVALID_TOKEN') return errorPages.csrf;
  const status = error instanceof AppError ? error.status : error.statusCode;
  if (status === 404) return errorPages.notFound;
  if (status === 413) return errorPages.tooLarge;
  // Another refusal (a conflict, a method the page does not take…): said as a request we could not
  // understand, under its own status.
  if (status !== undefined && status >= 400 && status < 500) return { ...errorPages.badRequest, status };
  return undefined;
}

/**
 * What every page of the portal shares, on the given (encapsulated) instance: cookies, form bodies,
 * CSRF tokens, templates, the reader's session and language, and error pages instead of
 * problem+json. Pages under it call `reply.page(…)`.
 */
export async function setUpPages(app: FastifyInstance, { config, stylesheet }: WebOptions) {
  const production = config.env === 'production';
  await app.register(fastifyCookie);
  await app.register(fastifyFormbody, { bodyLimit: FORM_BODY_LIMIT });
  await app.register(fastifyCsrf, { cookieKey: cookieNames(config).csrf, cookieOpts: cookieOptions(config) });
  await app.register(fastifyView, {
    engine: { eta: new Eta({ cache: production }) },
    templates: join(templatesDir, 'web'),
    production,
  });
  app.decorateReply('page', pageRenderer(stylesheet));
  readWebSession(app, config);

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    // Failed before the session hook decided anything: English, anonymous.
    request.web ??= { lang: 'en', t: translator('en'), languageChosen: false };
    const known = pageForError(error);
    if (known) {
      if (known === errorPages.csrf) request.log.info({ code: error.code }, 'form refused: no valid CSRF token');
      return sendErrorPage(request, reply, known);
    }
    if (error instanceof AppError && error.status === 503) {
      // The service chose to refuse for now (the worker threads are full): said so, with its
      // Retry-After, as the API says it; no error of ours to log.
      for (const [name, value] of Object.entries(error.extra.headers ?? {})) reply.header(name, value);
      return sendErrorPage(request, reply, errorPages.unavailable);
    }
    if (isDatabaseUnavailable(error)) {
      app.databaseOutage.report(error);
      reply.header('retry-after', '5');
      return sendErrorPage(request, reply, errorPages.unavailable);
    }
    // Ours: logged whole, and the page tells nothing of it but a reference to quote.
    request.log.error({ err: error }, 'unhandled error');
    return sendErrorPage(request, reply, errorPages.serverError);
  });

  // An address a browser asks for in the portal's parts (or any single-segment one) that leads
  // nowhere gets the 404 page; other clients keep their problem+json answer. Not a catch-all: the
  // API's addresses must keep the router's own answers (a 414 for an over-long parameter).
  const notFoundPage = async (request: FastifyRequest, reply: FastifyReply) => {
    const wantsPage = (request.headers.accept ?? '').includes('text/html');
    if (!wantsPage) return reply.callNotFound();
    return sendErrorPage(request, reply, errorPages.notFound);
  };
  for (const path of ['/:page', ...portalAreas.map((area) => `/${area}/*`)]) app.get(path, notFoundPage);
}
