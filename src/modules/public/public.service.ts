import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { countryName, countryNames, type Language } from '../../lib/countries.js';
import { NotFoundError } from '../../lib/errors.js';
import type { Translator } from '../../lib/i18n.js';
import { decodeCursor, type Page, toPage } from '../../lib/pagination.js';
import { areasOf, findPledge, findPublishedVersion, toArea } from '../pledges/index.js';
import { neutralise } from '../reports/index.js';
import * as repo from './public.repository.js';

// What anyone may read: the published pledges, their text and the list of verified signatories.
// The API's public routes and the portal's public pages both read through here.

export type { PublishedPledgeSummary, SignatoryFilter } from './public.repository.js';

export const listPublishedPledges = (db: Db) => repo.listPublishedPledges(db);

async function publishedPledge(db: Db, slug: string) {
  const pledge = await findPledge(db, slug);
  const version = pledge ? await findPublishedVersion(db, pledge.id) : undefined;
  if (!pledge || !version) throw new NotFoundError('Published pledge');
  return { pledge, version };
}

/** The published text of a pledge, with its verified endorsements in all and per area. */
export async function publicPledge(db: Db, slug: string) {
  const { pledge, version } = await publishedPledge(db, slug);
  const areas = (await areasOf(db, version.id)).map(toArea);
  const counts = await repo.verifiedCountsByArea(db, pledge.id);
  const verified = await repo.countVerified(db, pledge.id);
  return {
    pledgeId: pledge.id,
    slug: pledge.slug,
    title: pledge.title,
    version: {
      number: version.number,
      contentHash: version.contentHash!,
      publishedAt: version.publishedAt,
      preamble: version.preamble,
      areas: areas.map((a) => ({ ...a, verifiedEndorsements: counts.get(a.key) ?? 0 })),
    },
    totals: { verifiedEndorsements: verified },
  };
}

export type PublicPledge = Awaited<ReturnType<typeof publicPledge>>;

export interface SignatoryQuery extends repo.SignatoryFilter {
  limit: number;
  cursor?: string;
}

const cursorShape = z.tuple([z.string().regex(/^[0-9: .+-]{10,40}$/), z.uuid()]);

function toSignatory(r: repo.SignatoryRow) {
  return {
    city: {
      id: r.cityId,
      name: r.cityName,
      country: r.country,
      countryName: countryNames(r.country),
      region: r.region,
    },
    scope: r.scope,
    areas: r.areaKeys,
    versionNumber: r.versionNumber,
    signatory: { name: r.signatoryName, title: r.signatoryTitle },
    language: r.language,
    date: r.verifiedAt.toISOString(),
  };
}

export type Signatory = ReturnType<typeof toSignatory>;

/** A page of the public list (verified only), newest first; NotFound when no published pledge has this slug. */
export async function signatoriesPage(db: Db, slug: string, q: SignatoryQuery): Promise<Page<Signatory>> {
  const before = decodeCursor(q.cursor, cursorShape) as [string, string] | undefined;
  const rows = await repo.listSignatories(db, { ...q, slug, before });
  if (!rows) throw new NotFoundError('Published pledge');
  return toPage(rows, q.limit, toSignatory, (r) => [r.verifiedAtKey, r.id]);
}

/** How many signatories match the filters, and the countries the list's filter may offer. */
export async function signatoryCounts(db: Db, pledgeId: string, filter: repo.SignatoryFilter) {
  const [matching, countries] = [
    await repo.countSignatories(db, pledgeId, filter),
    await repo.signatoryCountries(db, pledgeId),
  ];
  return { matching, countries };
}

/**
 * The public list as CSV (UTF-8 with a BOM, RFC 4180), in the reader's language for the headings,
 * country names and areas, produced a page at a time. Cells from user input are made inert
 * against spreadsheet formulas.
 */
export async function* signatoriesCsv(
  db: Db,
  slug: string,
  filter: repo.SignatoryFilter,
  t: Translator,
  areaTitles: Map<string, string>,
): AsyncGenerator<string> {
  const header = [
    t.t('signatories.csv.city'),
    t.t('signatories.csv.countryCode'),
    t.t('signatories.csv.country'),
    t.t('signatories.csv.region'),
    t.t('signatories.csv.scope'),
    t.t('signatories.csv.areas'),
    t.t('signatories.csv.version'),
    t.t('signatories.csv.signatoryName'),
    t.t('signatories.csv.signatoryTitle'),
    t.t('signatories.csv.language'),
    t.t('signatories.csv.verifiedOn'),
  ];
  let cursor: string | undefined;
  let first = true;
  do {
    const page = await signatoriesPage(db, slug, { ...filter, limit: 500, cursor });
    const rows = page.items.map((s) => [
      neutralise(s.city.name),
      s.city.country,
      countryName(s.city.country, t.lang),
      t.t(`region.${s.city.region}` as Parameters<Translator['t']>[0]),
      s.scope === 'whole' ? t.t('signatories.whole') : t.t('signatories.someAreas'),
      neutralise(s.areas.map((key) => areaTitles.get(key) ?? key).join('; ')),
      String(s.versionNumber),
      neutralise(s.signatory.name),
      neutralise(s.signatory.title),
      s.language as Language,
      s.date.slice(0, 10),
    ]);
    yield (first ? '\uFEFF' : '') + stringify(first ? [header, ...rows] : rows, { record_delimiter: '\r\n' });
    first = false;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}
