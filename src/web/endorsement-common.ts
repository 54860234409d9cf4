import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { NotFoundError } from '../lib/errors.js';
import type { MessageKey, Translator } from '../lib/i18n.js';
import type { ServiceContext } from '../modules/context.js';
import type { EndorseDeps, getEndorsement } from '../modules/endorsements/index.js';
import { getVersion } from '../modules/pledges/index.js';

// What every page about one endorsement shares, the city official's and the secretariat's: its
// address, the words for its status and its history, its areas by title, its mandate document.

export type Detail = Awaited<ReturnType<typeof getEndorsement>>;
export type Area = Awaited<ReturnType<typeof getVersion>>['version']['areas'][number];
type Title = ReturnType<Translator['pick']>;

/** What the endorsement services need from the configuration (certificates are issued on verification). */
export function endorsementDeps(app: FastifyInstance): EndorseDeps {
  return { publicBaseUrl: app.config.publicBaseUrl, certSigningKey: app.config.certSigningKey };
}

export const idParams = z.object({ id: z.uuid() });

/** The endorsement's id from the address; one that could never exist is the 404 page. */
export function idOf(request: FastifyRequest): string {
  const parsed = idParams.safeParse(request.params);
  if (!parsed.success) throw new NotFoundError('Endorsement');
  return parsed.data.id;
}

export const statusKeys = {
  submitted: 'city.status.submitted',
  verified: 'city.status.verified',
  rejected: 'city.status.rejected',
  withdrawn: 'city.status.withdrawn',
} as const satisfies Record<Detail['status'], MessageKey>;

export const actionKeys: Record<string, MessageKey> = {
  submitted: 'city.action.submitted',
  submitted_on_behalf: 'city.action.submitted_on_behalf',
  verified: 'city.action.verified',
  rejected: 'city.action.rejected',
  amended: 'city.action.amended',
  reconfirmed: 'city.action.reconfirmed',
  withdrawn: 'city.action.withdrawn',
};

export const roleKeys: Record<string, MessageKey> = {
  city_official: 'city.by.city',
  secretariat: 'city.by.secretariat',
  system: 'city.by.system',
};

export const areaView = (a: Area, t: Translator) => ({
  key: a.key,
  title: t.pick(a.title),
  description: t.pick(a.description),
});

/** Area texts of one version of a pledge, by key, in the reader's language. */
export async function areasOfVersion(ctx: ServiceContext, slug: string, number: number, t: Translator) {
  const { version } = await getVersion(ctx, slug, number);
  return new Map(version.areas.map((a: Area) => [a.key, areaView(a, t)]));
}

/** The history, newest first, in words (templates/web/partials/endorsement-history.eta). */
export function historyView(detail: Detail, titleOf: (key: string) => Title, t: Translator) {
  return [...detail.history].reverse().map((h) => ({
    at: h.at,
    action: t.t(actionKeys[h.action] ?? 'city.action.other'),
    by: t.t(roleKeys[h.by.role] ?? 'city.by.system'),
    versionNumber: h.versionNumber,
    whole: h.scope === 'whole',
    areas: t.list(h.areaKeys.map((k) => titleOf(k).text)),
    reason: h.reason,
  }));
}

const mandateTypeNames: Record<string, string> = { 'application/pdf': 'PDF', 'image/png': 'PNG', 'image/jpeg': 'JPEG' };

/** The name a mandate document is saved under: mandate-<id>.pdf, .png or .jpeg. */
export const mandateFileName = (id: string, mediaType: string) => `mandate-${id}.${mediaType.split('/')[1]}`;

/** The mandate document's facts as a page names them ("PDF, 12 KB"), or undefined when none was sent. */
export function mandateView(detail: Detail) {
  const m = detail.mandate;
  if (!m) return undefined;
  return {
    ...m,
    typeName: mandateTypeNames[m.mediaType] ?? m.mediaType,
    fileName: mandateFileName(detail.id, m.mediaType),
    kilobytes: Math.max(1, Math.round(m.size / 1024)),
    isPdf: m.mediaType === 'application/pdf',
    isImage: m.mediaType.startsWith('image/'),
  };
}
