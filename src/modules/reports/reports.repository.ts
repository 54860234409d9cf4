import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { jsonColumn, rowsOf } from '../../db/tx.js';

export interface ReportFilters {
  status?: string;
  country?: string;
  region?: string;
  network?: string;
  areaKey?: string;
  versionNumber?: number;
  from?: Date;
  to?: Date;
  /** A reviewer's reports cover their network's member cities only. */
  onlyNetworkId?: string;
}

export interface ReportRow {
  id: string;
  created_at: string;
  created_key: string;
  status: string;
  version_number: number;
  scope: string;
  area_keys: string[] | string;
  signatory_name: string;
  signatory_title: string;
  language: string;
  submitted_at: string | Date;
  verified_at: string | Date | null;
  withdrawn_at: string | Date | null;
  city_name: string;
  country: string;
  region: string;
  networks: string | null;
  certificate_serial: string | null;
  progress: Record<string, { stage: string; at: string }> | string | null;
}

function where(pledgeId: string, f: ReportFilters): SQL {
  const parts: SQL[] = [sql`e.pledge_id = ${pledgeId}::uuid`];
  if (f.status) parts.push(sql`e.status = ${f.status}`);
  if (f.country) parts.push(sql`c.country = ${f.country}`);
  if (f.region) parts.push(sql`c.region = ${f.region}`);
  if (f.versionNumber) parts.push(sql`e.version_number = ${f.versionNumber}`);
  if (f.areaKey) parts.push(sql`e.area_keys @> ${JSON.stringify([f.areaKey])}::jsonb`);
  if (f.from) parts.push(sql`e.created_at >= ${f.from.toISOString()}::timestamptz`);
  if (f.to) parts.push(sql`e.created_at <= ${f.to.toISOString()}::timestamptz`);
  if (f.network) {
    parts.push(sql`EXISTS (SELECT 1 FROM city_networks cn JOIN networks n ON n.id = cn.network_id WHERE cn.city_id = e.city_id AND lower(n.code) = ${f.network.toLowerCase()})`);
  }
  if (f.onlyNetworkId) parts.push(sql`EXISTS (SELECT 1 FROM city_networks cn WHERE cn.city_id = e.city_id AND cn.network_id = ${f.onlyNetworkId}::uuid)`);
  return sql.join(parts, sql` AND `);
}

/** One page of report rows, in a stable order; the caller walks the pages (memory stays flat). */
export async function reportRows(
  db: Db,
  pledgeId: string,
  f: ReportFilters,
  after: { key: string; id: string } | undefined,
  limit: number,
  order: 'created' | 'city' = 'created',
): Promise<ReportRow[]> {
  const page = after ? sql` AND (e.created_at, e.id) > (${after.key}::timestamptz, ${after.id}::uuid)` : sql``;
  return rowsOf<ReportRow>(
    await db.execute(sql`
      SELECT e.id, e.created_at, e.created_at::text AS created_key, e.status, e.version_number, e.scope, e.area_keys,
             e.signatory_name, e.signatory_title, e.language, e.submitted_at, e.verified_at, e.withdrawn_at,
             c.name AS city_name, c.country, c.region,
             (SELECT string_agg(n.code, ';' ORDER BY n.code) FROM city_networks cn JOIN networks n ON n.id = cn.network_id WHERE cn.city_id = c.id) AS networks,
             (SELECT cert.serial FROM certificates cert WHERE cert.endorsement_id = e.id AND cert.status = 'valid') AS certificate_serial,
             (SELECT jsonb_object_agg(lp.area_key, jsonb_build_object('stage', lp.stage, 'at', lp.created_at)) FROM (
                SELECT DISTINCT ON (p.area_key) p.area_key, p.stage, p.created_at FROM progress_updates p
                WHERE p.endorsement_id = e.id ORDER BY p.area_key, p.created_at DESC, p.id DESC) lp) AS progress
      FROM endorsements e JOIN cities c ON c.id = e.city_id
      WHERE ${where(pledgeId, f)}${page}
      ORDER BY ${order === 'city' ? sql`c.name, e.id` : sql`e.created_at, e.id`}
      LIMIT ${limit}`),
  );
}

export async function countReportRows(db: Db, pledgeId: string, f: ReportFilters): Promise<number> {
  const [row] = rowsOf<{ n: string | number }>(await db.execute(sql`SELECT count(*) AS n FROM endorsements e JOIN cities c ON c.id = e.city_id WHERE ${where(pledgeId, f)}`));
  return Number(row?.n ?? 0);
}

/** Every area key of the pledge: the newest version's, in order, then those only older ones had. */
export async function reportAreaKeys(db: Db, pledgeId: string): Promise<string[]> {
  const rows = rowsOf<{ key: string }>(
    await db.execute(sql`
      SELECT a.key FROM action_areas a JOIN pledge_versions v ON v.id = a.version_id
      WHERE v.pledge_id = ${pledgeId}::uuid ORDER BY v.number DESC, a.position`),
  );
  return [...new Set(rows.map((r) => r.key))];
}

type Count = { key: string | null; count: number | string };

/** The summary, computed by the database (GROUP BY), not in the service's memory. */
export async function summary(db: Db, pledgeId: string, f: ReportFilters) {
  const from = sql`FROM endorsements e JOIN cities c ON c.id = e.city_id`;
  const filters = where(pledgeId, f);
  const live = sql`e.status IN ('submitted', 'verified')`;
  const count = async (query: SQL) => rowsOf<Count>(await db.execute(query)).map((r) => ({ key: r.key ?? '', count: Number(r.count) }));
  const [totals] = rowsOf<{ endorsements: string; verified: string; cities: string; countries: string }>(
    await db.execute(sql`SELECT count(*) FILTER (WHERE ${live}) AS endorsements, count(*) FILTER (WHERE e.status = 'verified') AS verified,
      count(DISTINCT e.city_id) FILTER (WHERE ${live}) AS cities, count(DISTINCT c.country) FILTER (WHERE ${live}) AS countries
      ${from} WHERE ${filters}`),
  );
  // Independent aggregations, sent together: on a pool they run side by side.
  const [byArea, byRegion, byCountry, byNetwork, byStatus, byVersion, timeline] = await Promise.all([
    count(
      sql`SELECT k.key, count(*) AS count ${from} CROSS JOIN LATERAL jsonb_array_elements_text(e.area_keys) AS k(key)
          WHERE ${filters} AND ${live} GROUP BY k.key ORDER BY count DESC, k.key`,
    ),
    count(sql`SELECT c.region AS key, count(*) AS count ${from} WHERE ${filters} AND ${live} GROUP BY c.region ORDER BY count DESC, c.region`),
    count(sql`SELECT c.country AS key, count(*) AS count ${from} WHERE ${filters} AND ${live} GROUP BY c.country ORDER BY count DESC, c.country`),
    count(
      sql`SELECT n.code AS key, count(*) AS count ${from} JOIN city_networks cn ON cn.city_id = c.id JOIN networks n ON n.id = cn.network_id
          WHERE ${filters} AND ${live} GROUP BY n.code ORDER BY count DESC, n.code`,
    ),
    count(sql`SELECT e.status AS key, count(*) AS count ${from} WHERE ${filters} GROUP BY e.status ORDER BY e.status`),
    count(sql`SELECT e.version_number::text AS key, count(*) AS count ${from} WHERE ${filters} AND ${live} GROUP BY e.version_number ORDER BY e.version_number`),
    count(sql`SELECT to_char(date_trunc('week', e.created_at), 'YYYY-MM-DD') AS key, count(*) AS count ${from} WHERE ${filters} GROUP BY 1 ORDER BY 1`),
  ]);
  return {
    totals: { endorsements: Number(totals?.endorsements ?? 0), verified: Number(totals?.verified ?? 0), cities: Number(totals?.cities ?? 0), countries: Number(totals?.countries ?? 0) },
    byArea,
    byRegion,
    byCountry,
    byNetwork,
    byStatus,
    byVersion,
    timeline: timeline.map((r) => ({ date: r.key, count: r.count })),
  };
}

/** The title of every area key, from the newest version that has it. */
export async function reportAreaTitles(db: Db, pledgeId: string): Promise<Map<string, { en: string; es?: string; fr?: string }>> {
  const rows = rowsOf<{ key: string; title: { en: string; es?: string; fr?: string } | string }>(
    await db.execute(sql`
      SELECT a.key, a.title FROM action_areas a JOIN pledge_versions v ON v.id = a.version_id
      WHERE v.pledge_id = ${pledgeId}::uuid ORDER BY v.number DESC, a.position`),
  );
  const titles = new Map<string, { en: string; es?: string; fr?: string }>();
  for (const r of rows) if (!titles.has(r.key)) titles.set(r.key, jsonColumn(r.title));
  return titles;
}
