import { and, desc, eq, exists, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { preparedQuery } from '../../db/prepared.js';
import { rowsOf } from '../../db/tx.js';
import { cities, endorsements, pledges, pledgeVersions } from '../../db/schema/index.js';
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

export interface SignatoryFilters {
  slug: string;
  area?: string;
  country?: string;
  region?: string;
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
type SignatoryShape = `${'a' | '-'}${'c' | '-'}${'r' | '-'}${'b' | '-'}`;

function signatoriesQuery(shape: SignatoryShape) {
  return preparedQuery(`public_signatories_${shape}`, (db) => {
    const p = sql.placeholder;
    const [area, country, region, before] = [...shape].map((flag) => flag !== '-');
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
  const shape =
    `${f.area ? 'a' : '-'}${f.country ? 'c' : '-'}${f.region ? 'r' : '-'}${f.before ? 'b' : '-'}` as SignatoryShape;
  let query = shapes.get(shape);
  if (!query) shapes.set(shape, (query = signatoriesQuery(shape)));
  const rows = await query(db).execute({
    slug: f.slug,
    limit: f.limit + 1,
    ...(f.area ? { area: f.area } : {}),
    ...(f.country ? { country: f.country } : {}),
    ...(f.region ? { region: f.region } : {}),
    ...(f.before ? { beforeAt: f.before[0], beforeId: f.before[1] } : {}),
  });
  if (rows.length === 0) return undefined;
  return rows.flatMap((r) =>
    r.signatory && r.signatory.verifiedAt ? [{ ...r.signatory, verifiedAt: r.signatory.verifiedAt }] : [],
  );
}
