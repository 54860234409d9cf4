import { and, count, desc, eq, exists, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { preparedQuery } from '../../db/prepared.js';
import { rowsOf } from '../../db/tx.js';
import { cities, endorsements, pledges, pledgeVersions } from '../../db/schema/index.js';
import { inNetworkCodeSql } from '../cities/index.js';
import { endorsesAreaSql } from '../endorsements/index.js';

/** Verified endorsements per area key (a whole endorsement counts for each of its areas). */
export async function verifiedCountsByArea(db: Db, pledgeId: string): Promise<Map<string, number>> {
  const rows = rowsOf<{ key: string; count: number | string }>(
    await db.execute(sql`
      SELECT k.key, count(*) AS count
      FROM ${endorsements} e, jsonb_array_elements_text(e.area_keys) AS k(key)
      WHERE e.pledge_id = ${pledgeId} AND e.status = 'verified'
      GROUP BY k.key`),
  );
  return new Map(rows.map((r) => [r.key, Number(r.count)]));
}

export async function countVerified(db: Db, pledgeId: string): Promise<number> {
  return db.$count(endorsements, and(eq(endorsements.pledgeId, pledgeId), eq(endorsements.status, 'verified')));
}

/** What the public list can be narrowed to. */
export interface SignatoryFilter {
  area?: string;
  country?: string;
  region?: string;
  /** A network's code, in any case. */
  network?: string;
}

export interface SignatoryFilters extends SignatoryFilter {
  slug: string;
  before?: [string, string];
  limit: number;
}

export interface SignatoryRow {
  id: string;
  cityId: string;
  cityName: string;
  country: string;
  region: string;
  scope: 'whole' | 'areas';
  areaKeys: string[];
  versionNumber: number;
  signatoryName: string;
  signatoryTitle: string;
  language: string;
  verifiedAt: Date;
  /** The exact timestamp as the database writes it (microseconds), for the cursor. */
  verifiedAtKey: string;
}

// Constants as literals, not parameters: the planner then knows them when it plans the statement
// once, as it does for the indexes on status.
const PUBLISHED = sql<'published'>`'published'`;
const VERIFIED = sql<'verified'>`'verified'`;

/** Which filters a page of signatories applies: one prepared statement for each combination. */
type SignatoryShape = `${'a' | '-'}${'c' | '-'}${'r' | '-'}${'n' | '-'}${'b' | '-'}`;

function signatoriesQuery(shape: SignatoryShape) {
  return preparedQuery(`public_signatories_${shape}`, (db) => {
    const p = sql.placeholder;
    const [area, country, region, network, before] = [...shape].map((flag) => flag !== '-');
    const published = db
      .select({ id: pledges.id })
      .from(pledges)
      .where(
        and(
          eq(pledges.slug, p('slug')),
          exists(
            db
              .select({ one: sql`1` })
              .from(pledgeVersions)
              .where(and(eq(pledgeVersions.pledgeId, pledges.id), eq(pledgeVersions.status, PUBLISHED))),
          ),
        ),
      )
      .as('published');
    const page = db
      .select({
        id: endorsements.id,
        // Aliased: a subquery's columns need names of their own.
        cityId: sql<string>`${cities.id}`.as('city_id'),
        cityName: sql<string>`${cities.name}`.as('city_name'),
        country: cities.country,
        region: cities.region,
        scope: endorsements.scope,
        areaKeys: endorsements.areaKeys,
        versionNumber: endorsements.versionNumber,
        signatoryName: endorsements.signatoryName,
        signatoryTitle: endorsements.signatoryTitle,
        language: endorsements.language,
        verifiedAt: endorsements.verifiedAt,
        // The exact timestamp as the database writes it (microseconds), for the cursor.
        verifiedAtKey: sql<string>`${endorsements.verifiedAt}::text`.as('verified_at_key'),
      })
      .from(endorsements)
      .innerJoin(cities, eq(cities.id, endorsements.cityId))
      .where(
        and(
          eq(endorsements.pledgeId, published.id),
          eq(endorsements.status, VERIFIED),
          area ? endorsesAreaSql(endorsements.areaKeys, p('area')) : undefined,
          country ? eq(cities.country, p('country')) : undefined,
          region ? eq(cities.region, p('region')) : undefined,
          network ? inNetworkCodeSql(cities.id, p('network')) : undefined,
          before
            ? sql`(${endorsements.verifiedAt}, ${endorsements.id})
                < (${p('beforeAt')}::timestamptz, ${p('beforeId')}::uuid)`
            : undefined,
        ),
      )
      .orderBy(desc(endorsements.verifiedAt), desc(endorsements.id))
      .limit(p('limit'))
      .as('page');
    return db
      .select({ pledgeId: published.id, signatory: page._.selectedFields })
      .from(published)
      .leftJoinLateral(page, sql`true`);
  });
}

const shapes = new Map<SignatoryShape, ReturnType<typeof signatoriesQuery>>();

/**
 * The public list (verified only), in one round trip: the published pledge and a page of its
 * signatories. `undefined` when the slug names no published pledge; [] when it has none yet.
 */
export async function listSignatories(db: Db, f: SignatoryFilters): Promise<SignatoryRow[] | undefined> {
  const shape = [
    f.area ? 'a' : '-',
    f.country ? 'c' : '-',
    f.region ? 'r' : '-',
    f.network ? 'n' : '-',
    f.before ? 'b' : '-',
  ].join('') as SignatoryShape;
  let query = shapes.get(shape);
  if (!query) shapes.set(shape, (query = signatoriesQuery(shape)));
  const rows = await query(db).execute({
    slug: f.slug,
    limit: f.limit + 1,
    ...(f.area ? { area: f.area } : {}),
    ...(f.country ? { country: f.country } : {}),
    ...(f.region ? { region: f.region } : {}),
    ...(f.network ? { network: f.network } : {}),
    ...(f.before ? { beforeAt: f.before[0], beforeId: f.before[1] } : {}),
  });
  if (rows.length === 0) return undefined;
  return rows.flatMap((r) =>
    r.signatory && r.signatory.verifiedAt ? [{ ...r.signatory, verifiedAt: r.signatory.verifiedAt }] : [],
  );
}

function signatoryConditions(pledgeId: string, f: SignatoryFilter): SQL | undefined {
  return and(
    eq(endorsements.pledgeId, pledgeId),
    eq(endorsements.status, VERIFIED),
    f.area ? endorsesAreaSql(endorsements.areaKeys, f.area) : undefined,
    f.country ? eq(cities.country, f.country) : undefined,
    f.region ? eq(cities.region, f.region) : undefined,
    f.network ? inNetworkCodeSql(cities.id, f.network) : undefined,
  );
}

/** How many signatories the public list holds with these filters. */
export async function countSignatories(db: Db, pledgeId: string, f: SignatoryFilter): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(endorsements)
    .innerJoin(cities, eq(cities.id, endorsements.cityId))
    .where(signatoryConditions(pledgeId, f));
  return Number(row?.n ?? 0);
}

/** The countries of a pledge's signatories (for the list's country filter). */
export async function signatoryCountries(db: Db, pledgeId: string): Promise<string[]> {
  const rows = await db
    .selectDistinct({ country: cities.country })
    .from(endorsements)
    .innerJoin(cities, eq(cities.id, endorsements.cityId))
    .where(signatoryConditions(pledgeId, {}));
  return rows.map((r) => r.country);
}

export interface PublishedPledgeSummary {
  slug: string;
  title: { en: string; es?: string; fr?: string };
  versionNumber: number;
  publishedAt: Date | null;
  verifiedEndorsements: number;
}

/** Every pledge with a published version, newest publication first, with its verified endorsements. */
export async function listPublishedPledges(db: Db): Promise<PublishedPledgeSummary[]> {
  const verified = db
    .select({ n: count() })
    .from(endorsements)
    .where(and(eq(endorsements.pledgeId, pledges.id), eq(endorsements.status, VERIFIED)));
  const rows = await db
    .select({
      slug: pledges.slug,
      title: pledges.title,
      versionNumber: pledgeVersions.number,
      publishedAt: pledgeVersions.publishedAt,
      verifiedEndorsements: sql<number>`(${verified})`.mapWith(Number),
    })
    .from(pledges)
    .innerJoin(pledgeVersions, and(eq(pledgeVersions.pledgeId, pledges.id), eq(pledgeVersions.status, PUBLISHED)))
    .orderBy(desc(pledgeVersions.publishedAt), pledges.slug);
  return rows;
}
