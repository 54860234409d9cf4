import type { FastifyRequest } from 'fastify';
import type { AppError } from '../lib/errors.js';
import { languages, type MessageKey, type Translator } from '../lib/i18n.js';
import type { FormError } from './render.js';
import { consoleMenu } from './secretariat-common.js';

// What the console's users, cities, networks and audit pages share: a filter's text from the query
// string, the links between the pages of a list, the notice after a redirect, and the data every
// one of their pages gives its template.

export const ADMIN_PAGE_SIZE = 50;

/** A query-string value as text, trimmed ('' when absent or repeated). */
export function queryText(request: FastifyRequest, name: string): string {
  const value = (request.query as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.trim().slice(0, 500) : '';
}

/** The notice a page shows after a redirect (post/redirect/get), named in its query string. */
export function noticeIn(request: FastifyRequest, t: Translator, notices: Record<string, MessageKey>) {
  const key = queryText(request, 'notice');
  return Object.hasOwn(notices, key) ? t.t(notices[key]!) : undefined;
}

/** `base` with the filters that have a value, and any extra parameters. */
export function withQuery(base: string, params: Record<string, string | undefined>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value) query.set(name, value);
  const text = query.toString();
  return text ? `${base}?${text}` : base;
}

/** The list's cursor and page number as the query gives them (a page number only with a cursor). */
export function pagePosition(request: FastifyRequest): { cursor?: string; page: number } {
  const cursor = queryText(request, 'cursor') || undefined;
  const page = Number(queryText(request, 'page'));
  return { cursor, page: cursor && Number.isInteger(page) && page > 1 && page <= 1_000_000 ? page : 1 };
}

/**
 * The links under a list (templates/web/partials/pager.eta): the next page, and back to the first,
 * keeping the filters; which rows of the whole these are ("51–100").
 */
export function pager(
  base: string,
  filters: Record<string, string | undefined>,
  position: { page: number },
  shown: number,
  nextCursor: string | null,
  pageSize = ADMIN_PAGE_SIZE,
) {
  const from = (position.page - 1) * pageSize + 1;
  return {
    from: shown ? from : 0,
    to: from + shown - 1,
    next: nextCursor ? withQuery(base, { ...filters, cursor: nextCursor, page: String(position.page + 1) }) : null,
    first: position.page > 1 ? withQuery(base, filters) : null,
  };
}

/** A network as a choice: its name, with its code when they differ. */
export const networkLabel = (n: { code: string; name: string }) =>
  n.name === n.code ? n.name : `${n.name} (${n.code})`;

/** The portal's languages as choices, each named in its own language. */
export const languageChoices = (t: Translator) =>
  languages.map((l) => ({ value: l, label: t.t(`language.${l}`), lang: l }));

/** A service's validation error as the form's problems: one per field it names, in `messages`' words. */
export function serviceFieldErrors(err: AppError, messages: Record<string, MessageKey>, t: Translator): FormError[] {
  const fields = [...new Set((err.extra.errors ?? []).map((e) => e.path))];
  return fields.map((field) => ({ field, message: t.t(messages[field] ?? 'form.error.invalid') }));
}

/** What every page of these sections gives its template besides its own data. */
export function adminPage(request: FastifyRequest) {
  return { consoleMenu: consoleMenu(request) };
}
