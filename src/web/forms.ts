import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { isMessageKey, type MessageKey, type MessageParams, type Translator } from '../lib/i18n.js';
import { MIN_PASSWORD_LENGTH } from '../lib/passwords.js';
import type { FormError } from './render.js';

// Forms are checked at the edge with zod, as the API's bodies are; each problem's message is a key
// of the catalogue (with the few numbers below for its placeholders), said beside the field it
// belongs to and listed in the summary at the top of the page.

export const MAX_PASSWORD_LENGTH = 1024;
export const MAX_NAME_LENGTH = 200;

const limits: MessageParams = { min: MIN_PASSWORD_LENGTH, max: MAX_PASSWORD_LENGTH, nameMax: MAX_NAME_LENGTH };

export type FormResult<T> = { ok: true; data: T } | { ok: false; errors: FormError[]; values: Record<string, string> };

/** A form's text fields as sent, whole (a field missing or not text is empty): what is parsed. */
export function formValues(body: unknown, names: string[]): Record<string, string> {
  const record = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  return Object.fromEntries(names.map((name) => [name, typeof record[name] === 'string' ? record[name] : '']));
}

/** What the person typed, to show again (never a password: its fields come back empty). */
export function keptValues(body: unknown, keep: string[]): Record<string, string> {
  const values = formValues(body, keep);
  return Object.fromEntries(keep.map((name) => [name, values[name]!.slice(0, 2000)]));
}

/**
 * Parses a form's body; on failure, one problem per field (the first found, as a person fixes
 * them one at a time), in the order of the form, with the values to keep.
 */
export function parseForm<S extends z.ZodType>(
  schema: S,
  body: unknown,
  t: Translator,
  keep: string[],
): FormResult<z.output<S>> {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return { ok: true, data: parsed.data };
  const errors: FormError[] = [];
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? keep[0] ?? 'form');
    if (errors.some((e) => e.field === field)) continue;
    const key = isMessageKey(issue.message) ? issue.message : 'form.error.invalid';
    errors.push({ field, message: t.t(key, limits) });
  }
  const order = (field: string) => (keep.includes(field) ? keep.indexOf(field) : keep.length);
  errors.sort((a, b) => order(a.field) - order(b.field));
  return { ok: false, errors, values: keptValues(body, keep) };
}

/** A form's problem found after parsing (a wrong password, an expired invitation…). */
export function formError(field: string, message: string): FormError[] {
  return [{ field, message }];
}

/**
 * A path inside the portal to return to after signing in: only a local path ("/account"), never
 * another site ("//evil.example", "https://…", "/\\evil.example").
 */
export function localPath(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 500) return undefined;
  return /^\/(?![/\\])[^\s]*$/.test(value) ? value : undefined;
}

/**
 * The notice a page shows after a form worked (post/redirect/get): the redirect names it in the
 * query string (`?notice=saved`), one of the page's own `notices`; any other value shows nothing.
 */
export function noticeFrom(request: FastifyRequest, t: Translator, notices: Record<string, MessageKey>) {
  const key = (request.query as Record<string, unknown> | undefined)?.notice;
  return typeof key === 'string' && Object.hasOwn(notices, key) ? t.t(notices[key]!) : undefined;
}
