import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { countryName, regions } from '../lib/countries.js';
import { NotFoundError, ValidationError } from '../lib/errors.js';
import type { MessageKey, Translator } from '../lib/i18n.js';
import { countryCodeSchema } from '../modules/cities/index.js';
import { listNetworks } from '../modules/networks/index.js';
import { slugSchema } from '../modules/pledges/index.js';
import {
  listPublishedPledges,
  publicPledge,
  type PublicPledge,
  signatoriesCsv,
  signatoriesPage,
  signatoryCounts,
  type SignatoryFilter,
} from '../modules/public/index.js';
import { areaText, paragraphs } from './area-text.js';
import type { FormError } from './render.js';

// Anyone's pages: the published pledges, a pledge's text, and who has endorsed it.

export const SIGNATORIES_PER_PAGE = 50;

const slugParams = z.object({ slug: slugSchema });

function slugOf(request: FastifyRequest): string {
  const parsed = slugParams.safeParse(request.params);
  // A slug that could never exist is the same 404 as one that does not.
  if (!parsed.success) throw new NotFoundError('Published pledge');
  return parsed.data.slug;
}

/** An area's texts in the reader's language (or English, marked as such), with its count. */
function areaView(area: PublicPledge['version']['areas'][number], t: Translator) {
  return { ...areaText(area, t), count: area.verifiedEndorsements };
}

/** The signatories page's filters, from its query string; a value that is not one of the choices is a problem. */
interface Filters extends SignatoryFilter {
  cursor?: string;
  page: number;
}

function readFilters(
  request: FastifyRequest,
  choices: { areas: string[]; networks: string[] },
  t: Translator,
): { filters: Filters; errors: FormError[] } {
  const query = (request.query ?? {}) as Record<string, unknown>;
  const text = (name: string) => (typeof query[name] === 'string' ? (query[name] as string).trim() : '');
  const errors: FormError[] = [];
  const filters: Filters = { page: 1 };
  const region = text('region');
  if (region) {
    if ((regions as readonly string[]).includes(region)) filters.region = region;
    else errors.push({ field: 'region', message: t.t('signatories.error.region') });
  }
  const country = text('country').toUpperCase();
  if (country) {
    if (countryCodeSchema.safeParse(country).success) filters.country = country;
    else errors.push({ field: 'country', message: t.t('signatories.error.country') });
  }
  const area = text('area');
  if (area) {
    if (choices.areas.includes(area)) filters.area = area;
    else errors.push({ field: 'area', message: t.t('signatories.error.area') });
  }
  const network = text('network');
  if (network) {
    const code = choices.networks.find((n) => n.toLowerCase() === network.toLowerCase());
    if (code) filters.network = code;
    else errors.push({ field: 'network', message: t.t('signatories.error.network') });
  }
  const cursor = text('cursor');
  if (cursor && cursor.length <= 500) filters.cursor = cursor;
  const page = Number(text('page'));
  if (Number.isInteger(page) && page >= 1 && page <= 100_000 && filters.cursor) filters.page = page;
  return { filters, errors };
}

/** The query string of a filtered list (and of its CSV), without the paging. */
function filterQuery(f: SignatoryFilter, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const name of ['region', 'country', 'area', 'network'] as const) if (f[name]) params.set(name, f[name]!);
  for (const [name, value] of Object.entries(extra)) params.set(name, value);
  const query = params.toString();
  return query ? `?${query}` : '';
}

export default async function publicPages(app: FastifyInstance) {
  const db = () => app.database.db;

  app.get('/', async (request, reply) => {
    const { t } = request.web;
    const pledges = await listPublishedPledges(db());
    return reply.page('home', {
      title: t.t('home.title'),
      pledges: pledges.map((p) => ({
        slug: p.slug,
        title: t.pick(p.title),
        versionNumber: p.versionNumber,
        publishedAt: p.publishedAt,
        count: p.verifiedEndorsements,
      })),
    });
  });

  app.get('/pledges/:slug', async (request, reply) => {
    const { t } = request.web;
    const pledge = await publicPledge(db(), slugOf(request));
    const areas = pledge.version.areas.map((a) => areaView(a, t));
    const title = t.pick(pledge.title);
    const preamble = t.pick(pledge.version.preamble);
    const untranslated =
      t.lang !== 'en' &&
      [title, preamble, ...areas.flatMap((a) => [a.title, a.description, ...a.commitments])].some(
        (text) => text.lang !== t.lang,
      );
    return reply.page('pledge', {
      title: title.text,
      titleLang: title.lang,
      slug: pledge.slug,
      preamble: paragraphs(preamble),
      version: pledge.version,
      total: pledge.totals.verifiedEndorsements,
      areas,
      untranslated,
    });
  });

  /** The pledge and the choices of the signatories' filters. */
  async function listContext(request: FastifyRequest) {
    const pledge = await publicPledge(db(), slugOf(request));
    const networks = await listNetworks(app.ctx(request));
    return { pledge, networks };
  }

  app.get('/pledges/:slug/signatories', async (request, reply) => {
    const { t } = request.web;
    const { pledge, networks } = await listContext(request);
    const areaKeys = pledge.version.areas.map((a) => a.key);
    const { filters, errors } = readFilters(request, { areas: areaKeys, networks: networks.map((n) => n.code) }, t);
    const { cursor, page, ...filter } = filters;
    const list = await signatoriesPage(db(), pledge.slug, { ...filter, cursor, limit: SIGNATORIES_PER_PAGE });
    const { matching, countries } = await signatoryCounts(db(), pledge.pledgeId, filter);
    const areaTitles = new Map(pledge.version.areas.map((a) => [a.key, t.pick(a.title)]));
    const first = (page - 1) * SIGNATORIES_PER_PAGE + 1;
    const base = `/pledges/${pledge.slug}/signatories`;
    return reply.page(
      'signatories',
      {
        title: t.t('signatories.title'),
        pledgeTitle: t.pick(pledge.title),
        slug: pledge.slug,
        errors,
        filter,
        filtered: Object.values(filter).some(Boolean),
        total: pledge.totals.verifiedEndorsements,
        matching,
        from: list.items.length ? first : 0,
        to: first + list.items.length - 1,
        regions: regions
          .map((r) => ({ value: r, label: t.t(`region.${r}` as MessageKey) }))
          .sort((a, b) => a.label.localeCompare(b.label, t.lang)),
        countries: countries
          .map((c) => ({ value: c, label: countryName(c, t.lang) }))
          .sort((a, b) => a.label.localeCompare(b.label, t.lang)),
        areaChoices: pledge.version.areas.map((a) => ({ value: a.key, label: areaTitles.get(a.key)! })),
        networks: networks.map((n) => ({ value: n.code, label: n.name === n.code ? n.name : `${n.name} (${n.code})` })),
        rows: list.items.map((s) => ({
          city: s.city.name,
          country: countryName(s.city.country, t.lang),
          region: t.t(`region.${s.city.region}` as MessageKey),
          whole: s.scope === 'whole',
          areas: s.areas.map((key) => areaTitles.get(key) ?? { text: key, lang: 'en' }),
          versionNumber: s.versionNumber,
          signatory: s.signatory,
          date: s.date,
        })),
        next: list.nextCursor
          ? `${base}${filterQuery(filter, { cursor: list.nextCursor, page: String(page + 1) })}`
          : null,
        firstPage: page > 1 ? `${base}${filterQuery(filter)}` : null,
        clear: base,
        csv: `${base}.csv${filterQuery(filter)}`,
      },
      errors.length ? 400 : 200,
    );
  });

  app.get('/pledges/:slug/signatories.csv', async (request, reply) => {
    const { t } = request.web;
    const { pledge, networks } = await listContext(request);
    const areaKeys = pledge.version.areas.map((a) => a.key);
    const { filters, errors } = readFilters(request, { areas: areaKeys, networks: networks.map((n) => n.code) }, t);
    if (errors.length > 0) throw new ValidationError('Unknown filter values.');
    const { cursor: _cursor, page: _page, ...filter } = filters;
    const areaTitles = new Map(pledge.version.areas.map((a) => [a.key, t.pick(a.title).text]));
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${pledge.slug}-signatories-${t.lang}.csv"`)
      .header('cache-control', 'no-cache')
      .send(Readable.from(signatoriesCsv(db(), pledge.slug, filter, t, areaTitles)));
  });
}
