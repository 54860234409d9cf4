import type { MultipartFile } from '@fastify/multipart';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { progressStages } from '../db/schema/index.js';
import { AppError } from '../lib/errors.js';
import { type MessageKey, type Translator } from '../lib/i18n.js';
import type { ServiceContext } from '../modules/context.js';
import { MAX_MANDATE_BYTES } from '../modules/endorsements/index.js';
import { slugSchema } from '../modules/pledges/index.js';
import { noticeFrom } from './forms.js';
import { signedInAs } from './guard.js';
import type { FormError } from './render.js';

// What the city official's pages share (city.ts registers them): who may open them, the words for
// progress stages, the forms' error messages, and the uploaded mandate's shape. What they share
// with the secretariat's endorsement page (statuses, history, areas) is in endorsement-common.ts.

export const slugParams = z.object({ slug: slugSchema });

/** The megabytes a person reads in the mandate upload's hint and errors ("10 MB"). */
export const mandateSize = (t: Translator) =>
  new Intl.NumberFormat(t.lang, { style: 'unit', unit: 'megabyte', unitDisplay: 'short' }).format(
    MAX_MANDATE_BYTES / (1024 * 1024),
  );

/** Notices a page shows after a redirect (post/redirect/get), named in its query string. */
const notices: Record<string, MessageKey> = {
  submitted: 'city.notice.submitted',
  'submitted-no-mandate': 'city.notice.submittedNoMandate',
  amended: 'city.notice.amended',
  withdrawn: 'city.notice.withdrawn',
  progress: 'city.notice.progress',
  reconfirmed: 'city.notice.reconfirmed',
  mandate: 'city.notice.mandate',
};

export const noticeOf = (request: FastifyRequest, t: Translator) => noticeFrom(request, t, notices);

/** What the services said no to, in words: their message names no field a person could fix. */
export function refusal(err: unknown, t: Translator): string | undefined {
  if (!(err instanceof AppError)) return undefined;
  if (err.code === 'invalid_state') return t.t('city.error.state');
  if (err.code === 'conflict') return t.t('city.error.conflict');
  return undefined;
}

/** An uploaded file as the multipart parser below leaves it in the body. */
export interface Upload {
  data: Buffer;
  truncated: boolean;
  filename: string;
}

/**
 * A multipart parser's onFile: the file read whole (cut at the parser's size limit, which
 * `truncated` then says) and left in the body as an Upload, beside the form's fields.
 */
export async function keepUpload(part: MultipartFile) {
  const chunks: Buffer[] = [];
  for await (const chunk of part.file) chunks.push(chunk as Buffer);
  const upload: Upload = { data: Buffer.concat(chunks), truncated: part.file.truncated, filename: part.filename };
  (part as MultipartFile & { value?: Upload }).value = upload;
}

export const isUpload = (value: unknown): value is Upload =>
  typeof value === 'object' && value !== null && Buffer.isBuffer((value as Upload).data);

/** A form value that may come once or many times (checkboxes): always a list of strings. */
export function list(value: unknown): string[] {
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values.filter((v): v is string => typeof v === 'string');
}

/** The first problem of each field, from a service schema's issues, in the words of `messages`. */
export function fieldErrors(
  issues: z.core.$ZodIssue[],
  fieldOf: (path: PropertyKey[]) => string,
  messages: Record<string, MessageKey>,
  order: string[],
  t: Translator,
  params: Record<string, string | number> = {},
): FormError[] {
  const errors: FormError[] = [];
  for (const issue of issues) {
    const field = fieldOf(issue.path);
    if (errors.some((e) => e.field === field)) continue;
    errors.push({ field, message: t.t(messages[field] ?? 'form.error.invalid', params) });
  }
  return errors.sort((a, b) => order.indexOf(a.field) - order.indexOf(b.field));
}

export const stageKeys = {
  planning: 'city.stage.planning',
  in_progress: 'city.stage.in_progress',
  fulfilled: 'city.stage.fulfilled',
  dropped: 'city.stage.dropped',
} as const satisfies Record<(typeof progressStages)[number], MessageKey>;

/** The form that endorses a pledge: its fields in the order of the page. */
export const endorseFields = [
  'scope',
  'areaKeys',
  'signatoryName',
  'signatoryTitle',
  'language',
  'statement',
  'mandate',
];

export const endorseMessages: Record<string, MessageKey> = {
  scope: 'city.error.scope',
  areaKeys: 'city.error.areas',
  signatoryName: 'city.error.signatoryName',
  signatoryTitle: 'city.error.signatoryTitle',
  language: 'city.error.language',
  statement: 'city.error.statement',
  versionNumber: 'city.error.state',
};

export const endorseFieldOf = (path: PropertyKey[]) => {
  const [first, second] = path.map(String);
  if (first === 'signatory') return second === 'title' ? 'signatoryTitle' : 'signatoryName';
  return first ?? 'scope';
};

/** The signed-in city official (and, where `secretariat`, the secretariat) who may use a city page. */
export function signedInActor(
  request: FastifyRequest,
  reply: FastifyReply,
  secretariat = false,
): ServiceContext | undefined {
  return signedInAs(request, reply, secretariat ? ['city_official', 'secretariat'] : ['city_official']);
}
