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

// Only the endorsements table is named (as e): the city filters are semi-joins, so queries that
// need nothing from cities (most of the summary) scan endorsements alone.
function where(pledgeId: string, f: ReportFilters): SQL {
  const parts: SQL[] = [sql`e.pledge_id = ${pledgeId}::uuid`];
  if (f.status) parts.push(sql`e.status = ${f.status}`);
  if (f.country)
    parts.push(sql`EXISTS (SELECT 1 FROM cities fc WHERE fc.id = e.city_id AND fc.country = ${f.country})`);
  if (f.region) parts.push(sql`EXISTS (SELECT 1 FROM cities fc WHERE fc.id = e.city_id AND fc.region = ${f.region})`);
  if (f.versionNumber) parts.push(sql`e.version_number = ${f.versionNumber}`);
  if (f.areaKey) parts.push(sql`e.area_keys @> ${JSON.stringify([f.areaKey])}::jsonb`);
  if (f.from) parts.push(sql`e.created_at >= ${f.from.toISOString()}::timestamptz`);
  if (f.to) parts.push(sql`e.created_at <= ${f.to.toISOString()}::timestamptz`);
  if (f.network) {
    parts.push(
      sql`EXISTS (SELECT 1 FROM city_networks cn JOIN networks n ON n.id = cn.network_id WHERE cn.city_id = e.city_id AND lower(n.code) = ${f.network.toLowerCase()})`,
    );
  }
  if (f.onlyNetworkId)
    parts.push(
      sql`EXISTS (SELECT 1 FROM city_networks cn WHERE cn.city_id = e.city_id AND cn.network_id = ${f.onlyNetworkId}::uuid)`,
    );
  return sql.join(parts, sql` AND `);
}

/**
 * The endorsements of a report with their city, the city's network codes, the valid certificate
 * and the latest progress per area: aliases e, c, nets.codes, cert.serial and prog.progress.
 * Networks, certificates and progress are aggregated once and hash-joined: measured on 100,000
 * rows, a subquery per row cost more than all the rest of the query.
 */
function reportFrom(pledgeId: string, f: ReportFilters): SQL {
  return sql`
    FROM endorsements e
    JOIN cities c ON c.id = e.city_id
    LEFT JOIN (SELECT cn.city_id, string_agg(n.code, ';' ORDER BY n.code) AS codes FROM city_networks cn JOIN networks n ON n.id = cn.network_id
               GROUP BY cn.city_id) nets ON nets.city_id = e.city_id
    LEFT JOIN certificates cert ON cert.endorsement_id = e.id AND cert.status = 'valid'
    LEFT JOIN (SELECT latest.endorsement_id, jsonb_object_agg(latest.area_key, jsonb_build_object('stage', latest.stage, 'at', latest.created_at)) AS progress
               FROM (SELECT DISTINCT ON (pu.endorsement_id, pu.area_key) pu.endorsement_id, pu.area_key, pu.stage, pu.created_at
                     FROM progress_updates pu JOIN endorsements pe ON pe.id = pu.endorsement_id WHERE pe.pledge_id = ${pledgeId}::uuid
                     ORDER BY pu.endorsement_id, pu.area_key, pu.created_at DESC, pu.id DESC) latest
               GROUP BY latest.endorsement_id) prog ON prog.endorsement_id = e.id
    WHERE ${where(pledgeId, f)}`;
}

/**
 * The report's rows (for the JSON and Excel formats, which shape each record in the service), in
 * a stable order: by first submission, or by city name. For a cursor (cursorPages), or with a
 * limit for a first page.
 */
export function reportRowsQuery(
  pledgeId: string,
  f: ReportFilters,
  order: 'created' | 'city' = 'created',
  limit?: number,
): SQL {
  return sql`
    SELECT e.id, e.created_at, e.status, e.version_number, e.scope, e.area_keys,
           e.signatory_name, e.signatory_title, e.language, e.submitted_at, e.verified_at, e.withdrawn_at,
           c.name AS city_name, c.country, c.region, nets.codes AS networks, cert.serial AS certificate_serial, prog.progress
    ${reportFrom(pledgeId, f)}
    ORDER BY ${order === 'city' ? sql`c.name, e.id` : sql`e.created_at, e.id`}
    ${limit === undefined ? sql`` : sql`LIMIT ${limit}`}`;
}

/** An ISO 8601 instant in UTC with milliseconds, as JavaScript's toISOString writes it. */
const isoInstant = (value: SQL) =>
  sql`coalesce(to_char(${value} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), '')`;

/** A page of the CSV report: the user's text as it is, everything else already as CSV cells. */
export interface CsvPageRow {
  id: string;
  city: string;
  country: string;
  region: string;
  networks: string;
  /** status, version, scope and one 1/0 per area key, comma-separated. */
  middle: string;
  signatory_name: string;
  signatory_title: string;
  /** language, the three dates, the certificate serial, the progress stages and the stale areas. */
  tail: string;
}

/**
 * The CSV report's rows, in the order of `reportRowsQuery`, for a cursor (cursorPages). The database
 * writes every cell that cannot hold user text; the service quotes and neutralises the five that
 * can, where JavaScript's regular expressions are many times faster than the database's.
 */
export function reportCsvQuery(pledgeId: string, f: ReportFilters, o: { areaKeys: string[]; staleBefore: Date }): SQL {
  const staleBefore = sql`${o.staleBefore.toISOString()}::timestamptz`;
  // concat_ws writes the record in one pass (a chain of || copies it once per cell); every cell
  // here is NOT NULL, so none is skipped.
  const cells = (list: SQL[]) => sql`concat_ws(',', ${sql.join(list, sql`, `)})`;
  const middle = cells([
    sql`e.status`,
    sql`e.version_number::text`,
    sql`e.scope`,
    ...o.areaKeys.map((k) => sql`CASE WHEN e.area_keys ? ${k} THEN '1' ELSE '0' END`),
  ]);
  const tail = cells([
    sql`e.language`,
    isoInstant(sql`e.submitted_at`),
    isoInstant(sql`e.verified_at`),
    isoInstant(sql`e.withdrawn_at`),
    sql`coalesce(cert.serial, '')`,
    // Most endorsements have no progress yet: their empty cells cost no lookups.
    ...(o.areaKeys.length === 0
      ? []
      : [
          sql`CASE WHEN prog.progress IS NULL THEN ${','.repeat(Math.max(o.areaKeys.length - 1, 0))}::text ELSE ${cells(o.areaKeys.map((k) => sql`coalesce(prog.progress -> ${k} ->> 'stage', '')`))} END`,
        ]),
    // Area keys are slugs, so the JSON array's text becomes "a;b" by dropping brackets and quotes.
    sql`CASE WHEN e.status NOT IN ('submitted', 'verified') THEN ''
        WHEN prog.progress IS NULL THEN CASE WHEN e.created_at < ${staleBefore} THEN translate(e.area_keys::text, ',[]" ', ';') ELSE '' END
        ELSE coalesce((SELECT string_agg(a.key, ';' ORDER BY a.n) FROM jsonb_array_elements_text(e.area_keys) WITH ORDINALITY AS a(key, n)
                       WHERE coalesce((prog.progress -> a.key ->> 'at')::timestamptz, e.created_at) < ${staleBefore}), '') END`,
  ]);
  return sql`
    SELECT e.id, c.name AS city, c.country, c.region, coalesce(nets.codes, '') AS networks,
           ${middle} AS middle, e.signatory_name, e.signatory_title, ${tail} AS tail
    ${reportFrom(pledgeId, f)}
    ORDER BY e.created_at, e.id`;
}

export async function countReportRows(db: Db, pledgeId: string, f: ReportFilters): Promise<number> {
  const [row] = rowsOf<{ n: string | number }>(
    await db.execute(
      sql`SELECT count(*) AS n FROM endorsements e JOIN cities c ON c.id = e.city_id WHERE ${where(pledgeId, f)}`,
    ),
  );
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

type Count = { key: string; count: number };
type Rollup = { set: string; key: string | null; total: number | string; live: number | string };

const LIVE = sql`e.status IN ('submitted', 'verified')`;

/**
 * The summary, computed by the database, not in the service's memory: three scans side by side.
 * The endorsements alone, grouped by status × version × UTC week with a live count per area key,
 * then rolled up to each figure in the same statement; live endorsements by region × country,
 * rolled up to each; and live endorsements per network.
 */
export async function summary(db: Db, pledgeId: string, f: ReportFilters) {
  const filters = where(pledgeId, f);
  const areaKeys = await reportAreaKeys(db, pledgeId);
  const areaColumn = (i: number) => sql.identifier(`area_${i}`);
  const perArea = areaKeys.map((k, i) => sql`, count(*) FILTER (WHERE e.area_keys ? ${k}) AS ${areaColumn(i)}`);
  const areaTotals = areaKeys.map(
    (_, i) =>
      sql`, coalesce(sum(${areaColumn(i)}) FILTER (WHERE status IN ('submitted', 'verified')), 0) AS ${areaColumn(i)}`,
  );
  const [lifecycle, places, networks] = await Promise.all([
    // The week expression matches migration 0008's statistics, which let the planner hash it.
    db.execute(sql`
      SELECT CASE WHEN GROUPING(status) = 0 THEN 'status' WHEN GROUPING(version_number) = 0 THEN 'version' WHEN GROUPING(week) = 0 THEN 'week' ELSE 'all' END AS set,
             coalesce(status, version_number::text, to_char(week, 'YYYY-MM-DD')) AS key,
             sum(n) AS total, coalesce(sum(n) FILTER (WHERE status IN ('submitted', 'verified')), 0) AS live ${sql.join(areaTotals, sql``)}
      FROM (SELECT e.status, e.version_number, date_trunc('week', e.created_at AT TIME ZONE 'UTC') AS week, count(*) AS n ${sql.join(perArea, sql``)}
            FROM endorsements e WHERE ${filters} GROUP BY 1, 2, 3) t
      GROUP BY GROUPING SETS ((status), (version_number), (week), ())
      ORDER BY 1, CASE WHEN GROUPING(version_number) = 0 THEN version_number END, 2`),
    db.execute(sql`
      SELECT CASE WHEN GROUPING(region) = 0 THEN 'region' ELSE 'country' END AS set, coalesce(region, country) AS key, sum(n) AS total, sum(n) AS live
      FROM (SELECT c.region, c.country, count(*) AS n FROM endorsements e JOIN cities c ON c.id = e.city_id
            WHERE ${filters} AND ${LIVE} GROUP BY c.region, c.country) t
      GROUP BY GROUPING SETS ((region), (country))
      ORDER BY 1, 4 DESC, 2`),
    db.execute(sql`
      SELECT 'network' AS set, n.code AS key, count(*) AS total, count(*) AS live FROM endorsements e
      JOIN city_networks cn ON cn.city_id = e.city_id JOIN networks n ON n.id = cn.network_id
      WHERE ${filters} AND ${LIVE} GROUP BY n.code ORDER BY 4 DESC, n.code`),
  ]);
  const lifecycleRows = rowsOf<Rollup & Record<string, number | string>>(lifecycle);
  const placeRows = rowsOf<Rollup>(places);
  const networkRows = rowsOf<Rollup>(networks);
  const pick = (rows: Rollup[], set: string, measure: 'total' | 'live'): Count[] =>
    rows
      .filter((r) => r.set === set && Number(r[measure]) > 0)
      .map((r) => ({ key: r.key ?? '', count: Number(r[measure]) }));
  const all = lifecycleRows.find((r) => r.set === 'all');
  const byArea = areaKeys
    .map((key, i) => ({ key, count: Number(all?.[`area_${i}`] ?? 0) }))
    .filter((a) => a.count > 0)
    .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const byStatus = pick(lifecycleRows, 'status', 'total');
  const byCountry = pick(placeRows, 'country', 'live');
  const endorsements = Number(all?.live ?? 0);
  return {
    totals: {
      endorsements,
      verified: byStatus.find((s) => s.key === 'verified')?.count ?? 0,
      // A city has at most one live endorsement of a pledge (a unique index), so live
      // endorsements and cities are the same number.
      cities: endorsements,
      countries: byCountry.length,
    },
    byArea,
    byRegion: pick(placeRows, 'region', 'live'),
    byCountry,
    byNetwork: pick(networkRows, 'network', 'live'),
    byStatus,
    byVersion: pick(lifecycleRows, 'version', 'live'),
    timeline: everyWeek(pick(lifecycleRows, 'week', 'total').map((r) => ({ date: r.key, count: r.count }))),
  };
}

const WEEK_MS = 7 * 86_400_000;

/** The weeks in between, with no endorsements, put in with a count of 0, so a chart's axis is time. */
function everyWeek(weeks: Array<{ date: string; count: number }>): Array<{ date: string; count: number }> {
  if (weeks.length === 0) return [];
  const counts = new Map(weeks.map((w) => [w.date, w.count]));
  const series: Array<{ date: string; count: number }> = [];
  const last = Date.parse(`${weeks[weeks.length - 1]!.date}T00:00:00Z`);
  for (let t = Date.parse(`${weeks[0]!.date}T00:00:00Z`); t <= last; t += WEEK_MS) {
    const date = new Date(t).toISOString().slice(0, 10);
    series.push({ date, count: counts.get(date) ?? 0 });
  }
  return series;
}

/** The title of every area key, from the newest version that has it. */
export async function reportAreaTitles(
  db: Db,
  pledgeId: string,
): Promise<Map<string, { en: string; es?: string; fr?: string }>> {
  const rows = rowsOf<{ key: string; title: { en: string; es?: string; fr?: string } | string }>(
    await db.execute(sql`
      SELECT a.key, a.title FROM action_areas a JOIN pledge_versions v ON v.id = a.version_id
      WHERE v.pledge_id = ${pledgeId}::uuid ORDER BY v.number DESC, a.position`),
  );
  const titles = new Map<string, { en: string; es?: string; fr?: string }>();
  for (const r of rows) if (!titles.has(r.key)) titles.set(r.key, jsonColumn(r.title));
  return titles;
}
