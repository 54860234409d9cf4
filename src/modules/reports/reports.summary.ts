import { and, count, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { cities, cityNetworks, endorsements, networks } from '../../db/schema/index.js';
import { endorsesAreaSql, isLiveSql } from '../endorsements/index.js';
import { type ReportFilters, reportWhere } from './reports.repository.js';

type Count = { key: string; count: number };

// A bigint or numeric aggregate comes as text from pg, as a number from PGlite: mapWith(Number).

/**
 * The endorsements alone, grouped by status × version × UTC week with a live count per area key,
 * then rolled up to each figure in the same statement (GROUPING SETS, which the query builder
 * writes as SQL over the typed subquery).
 */
function lifecycleQuery(db: Db, filters: ReturnType<typeof reportWhere>, areaKeys: string[]) {
  const t = db
    .select({
      status: endorsements.status,
      versionNumber: endorsements.versionNumber,
      // As migration 0008's statistics have it, which let the planner hash it.
      week: sql<string>`date_trunc('week', ${endorsements.createdAt} AT TIME ZONE 'UTC')`.as('week'),
      n: sql<number>`count(*)`.as('n'),
      // The count per area key, in areaKeys' order.
      areas: sql<number[]>`ARRAY[${sql.join(
        areaKeys.map((k) => sql`count(*) FILTER (WHERE ${endorsesAreaSql(endorsements.areaKeys, k)})`),
        sql`, `,
      )}]::bigint[]`.as('areas'),
    })
    .from(endorsements)
    .where(filters)
    .groupBy(sql`1, 2, 3`)
    .as('t');
  const live = isLiveSql(t.status);
  const areas = Object.fromEntries(
    areaKeys.map((k, i) => [
      k,
      sql<number>`coalesce(sum(${t.areas}[${sql.raw(String(i + 1))}]) FILTER (WHERE ${live}), 0)`.mapWith(Number),
    ]),
  );
  return db
    .select({
      set: sql<'status' | 'version' | 'week' | 'all'>`CASE WHEN GROUPING(${t.status}) = 0 THEN 'status'
        WHEN GROUPING(${t.versionNumber}) = 0 THEN 'version' WHEN GROUPING(${t.week}) = 0 THEN 'week' ELSE 'all' END`,
      key: sql<string | null>`coalesce(${t.status}, ${t.versionNumber}::text, to_char(${t.week}, 'YYYY-MM-DD'))`,
      total: sql<number>`sum(${t.n})`.mapWith(Number),
      live: sql<number>`coalesce(sum(${t.n}) FILTER (WHERE ${live}), 0)`.mapWith(Number),
      areas,
    })
    .from(t)
    .groupBy(sql`GROUPING SETS ((${t.status}), (${t.versionNumber}), (${t.week}), ())`)
    .orderBy(sql`1`, sql`CASE WHEN GROUPING(${t.versionNumber}) = 0 THEN ${t.versionNumber} END`, sql`2`);
}

/** Live endorsements by region × country, rolled up to each. */
function placesQuery(db: Db, filters: ReturnType<typeof reportWhere>) {
  const t = db
    .select({ region: cities.region, country: cities.country, n: sql<number>`count(*)`.as('n') })
    .from(endorsements)
    .innerJoin(cities, eq(cities.id, endorsements.cityId))
    .where(and(filters, isLiveSql(endorsements.status)))
    .groupBy(cities.region, cities.country)
    .as('t');
  return db
    .select({
      set: sql<'region' | 'country'>`CASE WHEN GROUPING(${t.region}) = 0 THEN 'region' ELSE 'country' END`,
      key: sql<string>`coalesce(${t.region}, ${t.country})`,
      count: sql<number>`sum(${t.n})`.mapWith(Number),
    })
    .from(t)
    .groupBy(sql`GROUPING SETS ((${t.region}), (${t.country}))`)
    .orderBy(sql`1`, sql`3 DESC`, sql`2`);
}

/** Live endorsements per network. */
function networksQuery(db: Db, filters: ReturnType<typeof reportWhere>) {
  return db
    .select({ key: networks.code, count: count() })
    .from(endorsements)
    .innerJoin(cityNetworks, eq(cityNetworks.cityId, endorsements.cityId))
    .innerJoin(networks, eq(networks.id, cityNetworks.networkId))
    .where(and(filters, isLiveSql(endorsements.status)))
    .groupBy(networks.code)
    .orderBy(desc(count()), networks.code);
}

/**
 * The summary, computed by the database, not in the service's memory: three scans, one after
 * another. The endorsements alone by status, version and week (with the live count per area key);
 * live endorsements by region and country; live endorsements per network. Run side by side they
 * would take three of the database's cores at once for one report, and the writes of everyone
 * else would wait behind them: a report may take a little longer, the service may not.
 */
export async function summary(db: Db, pledgeId: string, f: ReportFilters, areaKeys: string[]) {
  const filters = reportWhere(pledgeId, f);
  const lifecycle = await lifecycleQuery(db, filters, areaKeys);
  const places = await placesQuery(db, filters);
  const perNetwork = await networksQuery(db, filters);
  const pick = <R extends { set: string; key: string | null }>(rows: R[], set: R['set'], measure: (r: R) => number) =>
    rows.filter((r) => r.set === set && measure(r) > 0).map((r): Count => ({ key: r.key ?? '', count: measure(r) }));
  const all = lifecycle.find((r) => r.set === 'all');
  const byArea = areaKeys
    .map((key) => ({ key, count: all?.areas[key] ?? 0 }))
    .filter((a) => a.count > 0)
    .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const byStatus = pick(lifecycle, 'status', (r) => r.total);
  const byCountry = pick(places, 'country', (r) => r.count);
  const endorsementCount = all?.live ?? 0;
  return {
    totals: {
      endorsements: endorsementCount,
      verified: byStatus.find((s) => s.key === 'verified')?.count ?? 0,
      // A city has at most one live endorsement of a pledge (a unique index), so live
      // endorsements and cities are the same number.
      cities: endorsementCount,
      countries: byCountry.length,
    },
    byArea,
    byRegion: pick(places, 'region', (r) => r.count),
    byCountry,
    byNetwork: perNetwork.filter((r) => r.count > 0),
    byStatus,
    byVersion: pick(lifecycle, 'version', (r) => r.live),
    timeline: everyWeek(pick(lifecycle, 'week', (r) => r.total).map((r) => ({ date: r.key, count: r.count }))),
  };
}
export type Summary = Awaited<ReturnType<typeof summary>>;

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
