import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { VersionStatus } from '../db/schema/index.js';
import { NotFoundError } from '../lib/errors.js';
import { type Language, languages, type MessageKey, type Translator } from '../lib/i18n.js';
import { slugSchema } from '../modules/pledges/index.js';
import { type Segment, textSegments } from './version-diff.js';

// What the secretariat's drafting pages share (secretariat-pledges.ts registers them): their
// addresses' parts, the words for a version's status, the notices after a redirect, and how a
// stale edit shows the other person's text beside the one kept from the form.

const versionParams = z.object({ slug: slugSchema, n: z.coerce.number().int().min(1).max(100_000) });
const areaParams = versionParams.extend({ key: z.string().trim().min(1).max(64) });

/** The pledge of the address; one that could never exist is the same 404 as a missing one. */
export function slugOf(request: FastifyRequest): string {
  const parsed = versionParams.pick({ slug: true }).safeParse(request.params);
  if (!parsed.success) throw new NotFoundError('Pledge');
  return parsed.data.slug;
}

export function versionOf(request: FastifyRequest): { slug: string; n: number } {
  const parsed = versionParams.safeParse(request.params);
  if (!parsed.success) throw new NotFoundError('Version');
  return parsed.data;
}

export function areaOf(request: FastifyRequest): { slug: string; n: number; key: string } {
  const parsed = areaParams.safeParse(request.params);
  if (!parsed.success) throw new NotFoundError('Area');
  return parsed.data;
}

export const pledgePath = (slug: string) => `/secretariat/pledges/${slug}`;
export const versionPath = (slug: string, n: number) => `${pledgePath(slug)}/versions/${n}`;

export const versionStatusKeys = {
  draft: 'secretariat.pledge.status.draft',
  in_review: 'secretariat.pledge.status.in_review',
  validated: 'secretariat.pledge.status.validated',
  changes_requested: 'secretariat.pledge.status.changes_requested',
  published: 'secretariat.pledge.status.published',
  superseded: 'secretariat.pledge.status.superseded',
} as const satisfies Record<VersionStatus, MessageKey>;

/** Notices the pledge page shows after a redirect (post/redirect/get), named in its query string. */
const notices: Record<string, MessageKey> = {
  created: 'secretariat.pledge.notice.created',
  preamble: 'secretariat.pledge.notice.preamble',
  'area-added': 'secretariat.pledge.notice.areaAdded',
  'area-saved': 'secretariat.pledge.notice.areaSaved',
  moved: 'secretariat.pledge.notice.moved',
  removed: 'secretariat.pledge.notice.removed',
  'area-gone': 'secretariat.pledge.notice.areaGone',
  stale: 'secretariat.pledge.notice.stale',
  'not-draft': 'secretariat.pledge.notice.notDraft',
  'version-created': 'secretariat.pledge.notice.versionCreated',
  'draft-exists': 'secretariat.pledge.notice.draftExists',
  'round-opened': 'secretariat.pledge.notice.roundOpened',
  published: 'secretariat.pledge.notice.published',
  'publish-refused': 'secretariat.pledge.notice.publishRefused',
};

export function pledgeNotice(request: FastifyRequest, t: Translator): string | undefined {
  const key = (request.query as Record<string, unknown>).notice;
  return typeof key === 'string' && Object.hasOwn(notices, key) ? t.t(notices[key]!) : undefined;
}

/** "Preamble (Spanish)": one label for each language of a localised field, in the page's language. */
export function labelsIn(t: Translator, field: MessageKey): Record<Language, string> {
  const label = t.t(field);
  return Object.fromEntries(
    languages.map((lang) => [
      lang,
      t.t('secretariat.pledge.inLanguage', { field: label, language: t.t(`secretariat.pledge.language.${lang}`) }),
    ]),
  ) as Record<Language, string>;
}

/** A form's text as typed: line breaks as the browser sends them made one, the ends trimmed. */
const normalised = (text: string) => text.replace(/\r\n?/g, '\n').trim();

export const sameText = (a: string, b: string) => normalised(a) === normalised(b);

/**
 * A short fingerprint of a field's text as a form showed it, sent back with the form: after a
 * stale edit it tells the fields someone else changed from those the person changed alone.
 */
export function fingerprints(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).map(([name, text]) => [
      name,
      createHash('sha256').update(normalised(text)).digest('base64url').slice(0, 16),
    ]),
  );
}

/** The fingerprints a form came back with (its `base-<field>` fields). */
export function basesIn(body: unknown, names: string[]): Record<string, string> {
  const record = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const value = (name: string) => record[`base-${name}`];
  return Object.fromEntries(
    names.map((name) => [name, typeof value(name) === 'string' ? (value(name) as string) : '']),
  );
}

/** The other person's text of a field, and the words saving one's own would take out and put in. */
export interface TheirText {
  text: string;
  segments: Segment[];
}

export function theirText(theirs: string, yours: string): TheirText {
  return { text: theirs, segments: textSegments(theirs, normalised(yours)) };
}

/**
 * After a stale edit: each field that someone else changed since the form was opened (its
 * current text, `theirs`, no longer has the fingerprint the form was opened with, `bases`) and
 * that differs from the text the person sent (`yours`).
 */
export function theirTexts(
  theirs: Record<string, string>,
  yours: Record<string, string>,
  bases: Record<string, string>,
): Record<string, TheirText> {
  const now = fingerprints(theirs);
  const found: Record<string, TheirText> = {};
  for (const [field, text] of Object.entries(theirs)) {
    const mine = yours[field] ?? '';
    if (now[field] !== bases[field] && !sameText(text, mine)) found[field] = theirText(text, mine);
  }
  return found;
}
