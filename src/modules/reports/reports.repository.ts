import { and, count, desc, eq, exists, gte, lte, type SQL, sql, type SQLWrapper } from 'drizzle-orm';
import { alias, QueryBuilder } from 'drizzle-orm/pg-core';
import type { Db } from '../../db/client.js';
import { jsonColumn } from '../../db/tx.js';
import {
  actionAreas,
  certificates,
  cities,
  cityNetworks,
  endorsements,
  type EndorsementStatus,
  networks,
  pledgeVersions,
  progressUpdates,
  reportSnapshots,
} from '../../db/schema/index.js';
import { inNetworkCodeSql, inNetworkSql } from '../cities/index.js';
import { endorsesAreaSql, isStaleSql } from '../endorsements/index.js';
import { cursorSelection } from './reports.cursor.js';

export interface ReportFilters {
  status?: EndorsementStatus;
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

/** The latest progress on each area of an endorsement: its stage, and when it was reported. */
export type AreaProgress = Record<string, { stage: string; at: string }>;

// For the filters' semi-joins, which run no query of their own.
const qb = new QueryBuilder();
const filterCity = alias(cities, 'filter_city');

/** The endorsement's city meets `condition` (on filterCity). */
const cityMeets = (condition: SQL) =>
  exists(
    qb
      .select({ one: sql`1` })
      .from(filterCity)
      .where(and(eq(filterCity.id, endorsements.cityId), condition)),
  );

/**
 * The report's endorsements. Only the endorsements table is named: the city filters are
 * semi-joins, so queries that need nothing from cities (most of the summary) scan endorsements alone.
 */
export function reportWhere(pledgeId: string, f: ReportFilters): SQL {
  return and(
    eq(endorsements.pledgeId, pledgeId),
    f.status ? eq(endorsements.status, f.status) : undefined,
    f.country ? cityMeets(eq(filterCity.country, f.country)) : undefined,
    f.region ? cityMeets(eq(filterCity.region, f.region)) : undefined,
    f.versionNumber ? eq(endorsements.versionNumber, f.versionNumber) : undefined,
    f.areaKey ? endorsesAreaSql(endorsements.areaKeys, f.areaKey) : undefined,
    f.from ? gte(endorsements.createdAt, f.from) : undefined,
    f.to ? lte(endorsements.createdAt, f.to) : undefined,
    f.network ? inNetworkCodeSql(endorsements.cityId, f.network) : undefined,
    f.onlyNetworkId ? inNetworkSql(endorsements.cityId, f.onlyNetworkId) : undefined,
  )!;
}

/**
 * What a report row joins to its endorsement: the city's network codes, and the latest progress per
 * area of the pledge's endorsements. Aggregated once and hash-joined: measured on 100,000 rows, a
 * subquery per row cost more than all the rest of the query.
 */
function reportSources(db: Db, pledgeId: string) {
  const nets = db
    .select({
      cityId: cityNetworks.cityId,
      codes: sql<string>`string_agg(${networks.code}, ';' ORDER BY ${networks.code})`.as('codes'),
    })
    .from(cityNetworks)
    .innerJoin(networks, eq(networks.id, cityNetworks.networkId))
    .groupBy(cityNetworks.cityId)
    .as('nets');
  const latest = db
    .selectDistinctOn([progressUpdates.endorsementId, progressUpdates.areaKey], {
      endorsementId: progressUpdates.endorsementId,
      areaKey: progressUpdates.areaKey,
      stage: progressUpdates.stage,
      at: progressUpdates.createdAt,
    })
    .from(progressUpdates)
    .innerJoin(endorsements, eq(endorsements.id, progressUpdates.endorsementId))
    .where(eq(endorsements.pledgeId, pledgeId))
    .orderBy(
      progressUpdates.endorsementId,
      progressUpdates.areaKey,
      desc(progressUpdates.createdAt),
      desc(progressUpdates.id),
    )
    .as('latest');
  const prog = db
    .select({
      endorsementId: latest.endorsementId,
      progress: sql<AreaProgress>`jsonb_object_agg(${latest.areaKey},
        jsonb_build_object('stage', ${latest.stage}, 'at', ${latest.at}))`
        .mapWith(jsonColumn<AreaProgress>)
        .as('progress'),
    })
    .from(latest)
    .groupBy(latest.endorsementId)
    .as('prog');
  return {
    nets,
    prog,
    /** How each joins an endorsement: its city, then (left joins) these two and its valid certificate. */
    on: {
      city: eq(cities.id, endorsements.cityId),
      nets: eq(nets.cityId, endorsements.cityId),
      // A literal, as the partial unique index on valid certificates has it.
      certificate: and(eq(certificates.endorsementId, endorsements.id), sql`${certificates.status} = 'valid'`),
      prog: eq(prog.endorsementId, endorsements.id),
    },
  };
}

/**
 * The report's rows (for the JSON and Excel formats, which shape each record in the service), in a
 * stable order: by first submission, or by city name. For a cursor (typedCursorPages), or with a
 * limit for a first page.
 */
export function reportRowsQuery(db: Db, pledgeId: string, f: ReportFilters, order: 'created' | 'city' = 'created') {
  const s = reportSources(db, pledgeId);
  return db
    .select(
      cursorSelection({
        id: endorsements.id,
        createdAt: endorsements.createdAt,
        status: endorsements.status,
        versionNumber: endorsements.versionNumber,
        scope: endorsements.scope,
        areaKeys: endorsements.areaKeys,
        signatoryName: endorsements.signatoryName,
        signatoryTitle: endorsements.signatoryTitle,
        language: endorsements.language,
        submittedAt: endorsements.submittedAt,
        verifiedAt: endorsements.verifiedAt,
        withdrawnAt: endorsements.withdrawnAt,
        cityName: cities.name,
        country: cities.country,
        region: cities.region,
        networks: s.nets.codes,
        certificateSerial: certificates.serial,
        progress: s.prog.progress,
      }),
    )
    .from(endorsements)
    .innerJoin(cities, s.on.city)
    .leftJoin(s.nets, s.on.nets)
    .leftJoin(certificates, s.on.certificate)
    .leftJoin(s.prog, s.on.prog)
    .where(reportWhere(pledgeId, f))
    .orderBy(...(order === 'city' ? [cities.name, endorsements.id] : [endorsements.createdAt, endorsements.id]));
}
export type ReportRow = ReturnType<typeof reportRowsQuery>['_']['result'][number];

/** The first `limit` rows of the report, in `order`. */
export async function firstReportRows(
  db: Db,
  pledgeId: string,
  f: ReportFilters,
  order: 'created' | 'city',
  limit: number,
): Promise<ReportRow[]> {
  return reportRowsQuery(db, pledgeId, f, order).limit(limit);
}

/** An ISO 8601 instant in UTC with milliseconds, as JavaScript's toISOString writes it. */
const isoInstant = (value: SQLWrapper) =>
  sql`coalesce(to_char(${value} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), '')`;

/**
 * The CSV report's rows, in the order of `reportRowsQuery`, for a cursor (typedCursorPages). The
 * database writes every cell that cannot hold user text; the service quotes and neutralises the
 * five that can (city, networks, the signatory's name and title, and the country's name), where
 * JavaScript's regular expressions are many times faster than the database's.
 */
export function reportCsvQuery(db: Db, pledgeId: string, f: ReportFilters, o: { areaKeys: string[]; now: Date }) {
  // concat_ws writes the record in one pass (a chain of || copies it once per cell); every cell
  // here is NOT NULL, so none is skipped.
  const cells = (list: SQL[]) => sql<string>`concat_ws(',', ${sql.join(list, sql`, `)})`;
  const s = reportSources(db, pledgeId);
  /** status, version, scope and one 1/0 per area key, comma-separated. */
  const middle = cells([
    sql`${endorsements.status}`,
    sql`${endorsements.versionNumber}::text`,
    sql`${endorsements.scope}`,
    ...o.areaKeys.map((k) => sql`CASE WHEN ${endorsesAreaSql(endorsements.areaKeys, k)} THEN '1' ELSE '0' END`),
  ]);
  const lastActivity = sql`coalesce((${s.prog.progress} -> a.key ->> 'at')::timestamptz, ${endorsements.createdAt})`;
  /** language, the three dates, the certificate serial, the progress stages and the stale areas. */
  const tail = cells([
    sql`${endorsements.language}`,
    isoInstant(endorsements.submittedAt),
    isoInstant(endorsements.verifiedAt),
    isoInstant(endorsements.withdrawnAt),
    sql`coalesce(${certificates.serial}, '')`,
    // Most endorsements have no progress yet: their empty cells cost no lookups.
    ...(o.areaKeys.length === 0
      ? []
      : [
          sql`CASE WHEN ${s.prog.progress} IS NULL THEN ${','.repeat(o.areaKeys.length - 1)}::text
                ELSE ${cells(o.areaKeys.map((k) => sql`coalesce(${s.prog.progress} -> ${k} ->> 'stage', '')`))} END`,
        ]),
    // The stale areas, in the endorsement's order. With no progress, the endorsement's own date
    // stands for every area; area keys are slugs, so the JSON array's text becomes "a;b" by
    // dropping brackets and quotes.
    sql`CASE WHEN ${s.prog.progress} IS NULL THEN
            CASE WHEN ${isStaleSql(endorsements.status, endorsements.createdAt, o.now)}
            THEN translate(${endorsements.areaKeys}::text, ',[]" ', ';') ELSE '' END
          ELSE coalesce((SELECT string_agg(a.key, ';' ORDER BY a.n)
                         FROM jsonb_array_elements_text(${endorsements.areaKeys}) WITH ORDINALITY AS a(key, n)
                         WHERE ${isStaleSql(endorsements.status, lastActivity, o.now)}), '') END`,
  ]);
  return db
    .select(
      cursorSelection({
        id: endorsements.id,
        city: cities.name,
        country: cities.country,
        region: cities.region,
        networks: sql<string>`coalesce(${s.nets.codes}, '')`.as('networks'),
        middle: middle.as('middle'),
        signatoryName: endorsements.signatoryName,
        signatoryTitle: endorsements.signatoryTitle,
        tail: tail.as('tail'),
      }),
    )
    .from(endorsements)
    .innerJoin(cities, s.on.city)
    .leftJoin(s.nets, s.on.nets)
    .leftJoin(certificates, s.on.certificate)
    .leftJoin(s.prog, s.on.prog)
    .where(reportWhere(pledgeId, f))
    .orderBy(endorsements.createdAt, endorsements.id);
}
/** A page of the CSV report: the user's text as it is, everything else already as CSV cells. */
export type CsvPageRow = ReturnType<typeof reportCsvQuery>['_']['result'][number];

export async function countReportRows(db: Db, pledgeId: string, f: ReportFilters): Promise<number> {
  return db.$count(endorsements, reportWhere(pledgeId, f));
}

/**
 * Every area of the pledge with its title: the newest version's, in order, then those only older
 * ones had (each with the title of the newest version that has it).
 */
export async function reportAreas(db: Db, pledgeId: string) {
  const rows = await db
    .select({ key: actionAreas.key, title: actionAreas.title })
    .from(actionAreas)
    .innerJoin(pledgeVersions, eq(pledgeVersions.id, actionAreas.versionId))
    .where(eq(pledgeVersions.pledgeId, pledgeId))
    .orderBy(desc(pledgeVersions.number), actionAreas.position);
  const titles = new Map<string, (typeof rows)[number]['title']>();
  for (const r of rows) if (!titles.has(r.key)) titles.set(r.key, r.title);
  return titles;
}

/** How many action areas each version of the pledge has, by version number. */
export async function areaCountsByVersion(db: Db, pledgeId: string): Promise<Map<number, number>> {
  const rows = await db
    .select({ number: pledgeVersions.number, areas: count(actionAreas.id) })
    .from(pledgeVersions)
    .leftJoin(actionAreas, eq(actionAreas.versionId, pledgeVersions.id))
    .where(eq(pledgeVersions.pledgeId, pledgeId))
    .groupBy(pledgeVersions.number);
  return new Map(rows.map((r) => [r.number, Number(r.areas)]));
}

/** A snapshot as listed: everything but its bytes. */
const snapshotFields = {
  id: reportSnapshots.id,
  pledgeId: reportSnapshots.pledgeId,
  filters: reportSnapshots.filters,
  sha256: reportSnapshots.sha256,
  rowCount: reportSnapshots.rowCount,
  networkId: reportSnapshots.networkId,
  createdBy: reportSnapshots.createdBy,
  createdAt: reportSnapshots.createdAt,
};

export async function insertSnapshot(db: Db, values: typeof reportSnapshots.$inferInsert) {
  const [row] = await db.insert(reportSnapshots).values(values).returning(snapshotFields);
  return row!;
}

/** A pledge's snapshots, newest first; only those limited to `networkId` when one is given. */
export async function listSnapshots(db: Db, pledgeId: string, onlyNetworkId: string | undefined) {
  return db
    .select(snapshotFields)
    .from(reportSnapshots)
    .where(
      and(
        eq(reportSnapshots.pledgeId, pledgeId),
        onlyNetworkId === undefined ? undefined : eq(reportSnapshots.networkId, onlyNetworkId),
      ),
    )
    .orderBy(desc(reportSnapshots.createdAt));
}

export async function findSnapshot(db: Db, id: string) {
  const [row] = await db.select().from(reportSnapshots).where(eq(reportSnapshots.id, id));
  return row;
}
