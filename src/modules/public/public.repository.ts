import { and, asc, desc, eq, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { rowsOf } from '../../db/tx.js';
import { cities, endorsements } from '../../db/schema/index.js';

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
  pledgeId: string;
  area?: string;
  country?: string;
  region?: string;
  before?: [string, string];
  limit: number;
}

/** The public list: verified, not withdrawn. Only what a signatory list shows, nothing more. */
export async function listSignatories(db: Db, f: SignatoryFilters) {
  const conditions: SQL[] = [eq(endorsements.pledgeId, f.pledgeId), eq(endorsements.status, 'verified')];
  if (f.area) conditions.push(sql`${endorsements.areaKeys} @> ${JSON.stringify([f.area])}::jsonb`);
  if (f.country) conditions.push(eq(cities.country, f.country));
  if (f.region) conditions.push(eq(cities.region, f.region));
  if (f.before) {
    const at = new Date(f.before[0]);
    conditions.push(or(lt(endorsements.verifiedAt, at), and(eq(endorsements.verifiedAt, at), lt(endorsements.id, f.before[1])))!);
  }
  return db
    .select({
      id: endorsements.id,
      cityId: cities.id,
      cityName: cities.name,
      country: cities.country,
      region: cities.region,
      scope: endorsements.scope,
      areaKeys: endorsements.areaKeys,
      versionNumber: endorsements.versionNumber,
      signatoryName: endorsements.signatoryName,
      signatoryTitle: endorsements.signatoryTitle,
      language: endorsements.language,
      verifiedAt: endorsements.verifiedAt,
      submittedAt: endorsements.submittedAt,
    })
    .from(endorsements)
    .innerJoin(cities, eq(cities.id, endorsements.cityId))
    .where(and(...conditions))
    .orderBy(desc(endorsements.verifiedAt), desc(endorsements.id), asc(cities.name))
    .limit(f.limit + 1);
}
