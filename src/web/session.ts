import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { isLanguage, type Language, negotiateLanguage, translator, type Translator } from '../lib/i18n.js';
import {
  findWebSession,
  setWebSessionLanguage,
  type StartedWebSession,
  type WebSession,
} from '../modules/auth/index.js';
import { actorFromUser } from '../modules/users/index.js';

// Who is reading a page, and in which language. Every page request reads the session cookie (one
// prepared statement, which also checks that the user is still active) and decides the language:
// the one just picked with the switcher (?lang=), else the one kept with the session, else the
// user's preference, else the one a visitor picked before (a cookie), else the browser's
// Accept-Language, else English.

export interface WebState {
  lang: Language;
  t: Translator;
  session?: WebSession;
  /**
   * Whether the reader chose the language (the switcher, its cookie, or their account's), rather
   * than their browser's: a page about a record in a language of its own may then speak that one.
   */
  languageChosen: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    web: WebState;
  }
}

export interface CookieNames {
  session: string;
  csrf: string;
  lang: string;
}

/** With https, the __Host- prefix: the browser then insists on Secure, path / and no Domain. */
export function cookieNames(config: Config): CookieNames {
  const prefix = isSecure(config) ? '__Host-' : '';
  return { session: `${prefix}ap_session`, csrf: `${prefix}ap_csrf`, lang: 'ap_lang' };
}

export const isSecure = (config: Config) => config.publicBaseUrl.startsWith('https:');

/** The attributes of every cookie the portal sets. */
export function cookieOptions(config: Config) {
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: isSecure(config) };
}

const LANGUAGE_COOKIE_SECONDS = 365 * 86_400;

/** The language asked for in the query string (the switcher's links), if a valid one. */
function requestedLanguage(request: FastifyRequest): Language | undefined {
  const lang = (request.query as Record<string, unknown> | undefined)?.lang;
  return isLanguage(lang) ? lang : undefined;
}

export function setSessionCookie(reply: FastifyReply, config: Config, session: StartedWebSession) {
  reply.setCookie(cookieNames(config).session, session.id, { ...cookieOptions(config), expires: session.expiresAt });
}

export function clearSessionCookie(reply: FastifyReply, config: Config) {
  reply.clearCookie(cookieNames(config).session, cookieOptions(config));
}

/** Adds the hooks that set `request.web` (and `request.actor` for a signed-in person). */
export function readWebSession(app: FastifyInstance, config: Config) {
  const names = cookieNames(config);
  app.decorateRequest('web', null as never);

  app.addHook('onRequest', async (request, reply) => {
    // First without the database, so that an error page can still speak the reader's language.
    const picked = requestedLanguage(request);
    const remembered = request.cookies[names.lang];
    const visitorLanguage =
      picked ??
      (isLanguage(remembered) ? remembered : undefined) ??
      negotiateLanguage(request.headers['accept-language']) ??
      'en';
    const chosen = picked !== undefined || isLanguage(remembered);
    request.web = { lang: visitorLanguage, t: translator(visitorLanguage), languageChosen: chosen };

    const cookie = request.cookies[names.session];
    const session = cookie === undefined ? undefined : await findWebSession(app.ctx(request), cookie);
    if (cookie !== undefined && !session) clearSessionCookie(reply, config);
    if (session) {
      request.actor = actorFromUser(session.user);
      if (picked) await setWebSessionLanguage(app.ctx(request), session, picked);
      const lang = picked ?? session.language ?? session.user.language ?? visitorLanguage;
      request.web = { lang, t: translator(lang), session, languageChosen: true };
    } else if (picked && picked !== remembered) {
      reply.setCookie(names.lang, picked, { ...cookieOptions(config), maxAge: LANGUAGE_COOKIE_SECONDS });
    }
  });
}
