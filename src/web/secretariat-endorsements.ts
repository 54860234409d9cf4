import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type EndorsementStatus, endorsementStatuses } from '../db/schema/index.js';
import { countryName, type Region, regions } from '../lib/countries.js';
import type { LocalisedText, MessageKey, Translator } from '../lib/i18n.js';
import { countEndorsements, listEndorsements } from '../modules/endorsements/index.js';
import { listNetworks } from '../modules/networks/index.js';
import { listPledges } from '../modules/pledges/index.js';
import { statusKeys } from './endorsement-common.js';
import type { FormError } from './render.js';
import { consoleMenu, signedInSecretariat } from './secretariat-common.js';

// The verification queue: every endorsement, filtered by status (awaiting verification unless
// another is chosen), region, network and pledge, through the same listing service as the API's
// GET /endorsements. Those awaiting verification come oldest first, the others newest first.

export const QUEUE_PAGE_SIZE = 50;

type Listed = Awaited<ReturnType<typeof listEndorsements>>['items'][number];

/** Pledge titles by slug, in the reader's language. */
export function pledgeTitles(pledges: Array<{ slug: string; title: LocalisedText }>, t: Translator) {
  return new Map(pledges.map((p) => [p.slug, t.pick(p.title)]));
}

/**
 * An age in words, rounded down to its unit ("10 days" until the eleventh has passed), where
 * t.duration rounds a wait up.
 */
export function ageInWords(seconds: number, t: Translator): string {
  const unit = seconds < 60 ? 1 : seconds < 3_600 ? 60 : seconds < 86_400 ? 3_600 : 86_400;
  return t.duration(Math.max(1, Math.floor(seconds / unit)) * unit);
}

/** One endorsement of a list, as the home page and the queue show it (age in words while it waits). */
export function queueRow(e: Listed, titles: ReturnType<typeof pledgeTitles>, now: Date, t: Translator) {
  const submittedAt = new Date(e.submittedAt);
  return {
    href: `/secretariat/endorsements/${e.id}`,
    city: e.city.name,
    country: countryName(e.city.country, t.lang),
    region: t.t(`region.${e.city.region}` as MessageKey),
    pledge: titles.get(e.pledgeSlug) ?? { text: e.pledgeSlug, lang: 'en' as const },
    versionNumber: e.versionNumber,
    status: e.status,
    statusText: t.t(statusKeys[e.status]),
    submittedAt,
    waiting:
      e.status === 'submitted'
        ? t.t('secretariat.queue.waiting', { age: ageInWords((now.getTime() - submittedAt.getTime()) / 1000, t) })
        : undefined,
    mandate: e.mandate !== null,
  };
}

const statusChoices = [...endorsementStatuses, 'all'] as const;
type StatusChoice = (typeof statusChoices)[number];
const isStatusChoice = (value: string): value is StatusChoice => (statusChoices as readonly string[]).includes(value);
const isRegion = (value: string): value is Region => (regions as readonly string[]).includes(value);

interface QueueFilters {
  status: StatusChoice;
  region?: Region;
  network?: string;
  pledge?: string;
}

/** The filters from the query string; a value that is not one of the choices is said beside its select. */
function readFilters(request: FastifyRequest, choices: { networks: string[]; pledges: string[] }, t: Translator) {
  const query = (request.query ?? {}) as Record<string, unknown>;
  const text = (name: string) => (typeof query[name] === 'string' ? (query[name] as string).trim() : '');
  const errors: FormError[] = [];
  const filters: QueueFilters = { status: 'submitted' };
  const status = text('status');
  if (status) {
    if (isStatusChoice(status)) filters.status = status;
    else errors.push({ field: 'status', message: t.t('secretariat.queue.error.status') });
  }
  const region = text('region');
  if (region) {
    if (isRegion(region)) filters.region = region;
    else errors.push({ field: 'region', message: t.t('secretariat.queue.error.region') });
  }
  const network = text('network');
  if (network) {
    const code = choices.networks.find((n) => n.toLowerCase() === network.toLowerCase());
    if (code) filters.network = code;
    else errors.push({ field: 'network', message: t.t('secretariat.queue.error.network') });
  }
  const pledge = text('pledge');
  if (pledge) {
    if (choices.pledges.includes(pledge)) filters.pledge = pledge;
    else errors.push({ field: 'pledge', message: t.t('secretariat.queue.error.pledge') });
  }
  const cursor = text('cursor');
  const pageNumber = Number(text('page'));
  const paging =
    cursor && cursor.length <= 500
      ? { cursor, page: Number.isInteger(pageNumber) && pageNumber >= 1 && pageNumber <= 100_000 ? pageNumber : 1 }
      : { page: 1 };
  return { filters, ...paging, errors };
}

/** The queue's address for these filters (and a page of it); the default status is left out. */
function queueHref(f: QueueFilters, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  if (f.status !== 'submitted') params.set('status', f.status);
  for (const name of ['region', 'network', 'pledge'] as const) if (f[name]) params.set(name, f[name]);
  for (const [name, value] of Object.entries(extra)) params.set(name, value);
  const query = params.toString();
  return `/secretariat/endorsements${query ? `?${query}` : ''}`;
}

export default async function secretariatEndorsements(app: FastifyInstance) {
  app.get('/secretariat/endorsements', async (request, reply) => {
    const ctx = signedInSecretariat(request, reply);
    if (!ctx) return reply;
    const { t } = request.web;
    const [pledges, networks] = await Promise.all([listPledges(ctx), listNetworks(ctx)]);
    const { filters, cursor, page, errors } = readFilters(
      request,
      { networks: networks.map((n) => n.code), pledges: pledges.map((p) => p.slug) },
      t,
    );
    const status: EndorsementStatus | undefined = filters.status === 'all' ? undefined : filters.status;
    const { region, network, pledge } = filters;
    const [list, counts] = await Promise.all([
      listEndorsements(ctx, {
        status,
        region,
        network,
        pledge,
        order: status === 'submitted' ? 'queue' : 'newest',
        cursor,
        limit: QUEUE_PAGE_SIZE,
      }),
      countEndorsements(ctx, { region, network, pledge }),
    ]);
    const all = Object.values(counts).reduce((a, b) => a + b, 0);
    const matching = status ? counts[status] : all;
    const titles = pledgeTitles(pledges, t);
    const now = new Date();
    const first = (page - 1) * QUEUE_PAGE_SIZE + 1;
    return reply.page(
      'secretariat-endorsements',
      {
        title: t.t('secretariat.queue.title'),
        consoleMenu: consoleMenu(request),
        errors,
        filter: filters,
        filtered: filters.status !== 'submitted' || Boolean(region || network || pledge),
        matching,
        from: list.items.length ? first : 0,
        to: first + list.items.length - 1,
        // "Awaiting verification (12)": how many each choice would show.
        statuses: statusChoices.map((s) => {
          const name = s === 'all' ? t.t('secretariat.queue.anyStatus') : t.t(statusKeys[s]);
          return { value: s, label: `${name} (${t.number(s === 'all' ? all : counts[s])})` };
        }),
        regions: regions
          .map((r) => ({ value: r, label: t.t(`region.${r}` as MessageKey) }))
          .sort((a, b) => a.label.localeCompare(b.label, t.lang)),
        networks: networks.map((n) => ({ value: n.code, label: n.name === n.code ? n.name : `${n.name} (${n.code})` })),
        pledges: pledges.map((p) => ({
          value: p.slug,
          label: titles.get(p.slug)!.text,
          lang: titles.get(p.slug)!.lang,
        })),
        rows: list.items.map((e) => queueRow(e, titles, now, t)),
        oldestFirst: status === 'submitted',
        next: list.nextCursor ? queueHref(filters, { cursor: list.nextCursor, page: String(page + 1) }) : null,
        firstPage: page > 1 ? queueHref(filters) : null,
        clear: '/secretariat/endorsements',
      },
      errors.length ? 400 : 200,
    );
  });
}
