import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { preparedStatement } from '../../db/prepared.js';
import { jsonColumn, rowsOf } from '../../db/tx.js';
import { endorsements } from '../../db/schema/index.js';

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

/** Which filters a page of signatories applies: one prepared statement for each combination. */
type SignatoryShape = `${'a' | '-'}${'c' | '-'}${'r' | '-'}${'b' | '-'}`;

const signatoriesStatement = preparedStatement((shape: SignatoryShape) => {
  const p = sql.placeholder;
  const [area, country, region, before] = [...shape].map((flag) => flag !== '-');
  return sql`
    WITH p AS (
      SELECT id FROM pledges
      WHERE slug = ${p('slug')}::text AND EXISTS (SELECT 1 FROM pledge_versions v WHERE v.pledge_id = pledges.id AND v.status = 'published'))
    SELECT s.* FROM p LEFT JOIN LATERAL (
      SELECT e.id, c.id AS city_id, c.name AS city_name, c.country, c.region, e.scope, e.area_keys, e.version_number,
             e.signatory_name, e.signatory_title, e.language, e.verified_at, e.verified_at::text AS verified_at_key
      FROM endorsements e JOIN cities c ON c.id = e.city_id
      WHERE e.pledge_id = p.id AND e.status = 'verified'
        ${area ? sql`AND e.area_keys @> ${p('area')}::jsonb` : sql``}
        ${country ? sql`AND c.country = ${p('country')}::text` : sql``}
        ${region ? sql`AND c.region = ${p('region')}::text` : sql``}
        ${before ? sql`AND (e.verified_at, e.id) < (${p('beforeAt')}::timestamptz, ${p('beforeId')}::uuid)` : sql``}
      ORDER BY e.verified_at DESC, e.id DESC
      LIMIT ${p('limit')}::int) s ON true`;
});

/**
 * The public list (verified only), in one round trip: the published pledge and a page of its
 * signatories. `undefined` when the slug names no published pledge; [] when it has none yet.
 */
export async function listSignatories(db: Db, f: SignatoryFilters): Promise<SignatoryRow[] | undefined> {
  const shape =
    `${f.area ? 'a' : '-'}${f.country ? 'c' : '-'}${f.region ? 'r' : '-'}${f.before ? 'b' : '-'}` as SignatoryShape;
  const rows = rowsOf<Record<string, unknown>>(
    await signatoriesStatement(db, shape, {
      slug: f.slug,
      limit: f.limit + 1,
      ...(f.area ? { area: JSON.stringify([f.area]) } : {}),
      ...(f.country ? { country: f.country } : {}),
      ...(f.region ? { region: f.region } : {}),
      ...(f.before ? { beforeAt: f.before[0], beforeId: f.before[1] } : {}),
    }),
  );
  if (rows.length === 0) return undefined;
  return rows
    .filter((r) => r.id !== null)
    .map((r) => ({
      id: r.id as string,
      cityId: r.city_id as string,
      cityName: r.city_name as string,
      country: r.country as string,
      region: r.region as string,
      scope: r.scope as 'whole' | 'areas',
      areaKeys: jsonColumn<string[]>(r.area_keys),
      versionNumber: Number(r.version_number),
      signatoryName: r.signatory_name as string,
      signatoryTitle: r.signatory_title as string,
      language: r.language as string,
      verifiedAt: new Date(r.verified_at as string | Date),
      verifiedAtKey: r.verified_at_key as string,
    }));
}
