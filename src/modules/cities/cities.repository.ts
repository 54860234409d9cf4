import { and, asc, eq, getTableColumns, gt, ilike, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { preparedQuery } from '../../db/prepared.js';
import { cities, cityNetworks, networks } from '../../db/schema/index.js';
import { inNetworkCodeSql } from './membership.js';

export type CityRow = typeof cities.$inferSelect;

export async function findCityById(db: Db, id: string): Promise<CityRow | undefined> {
  const [row] = await db.select().from(cities).where(eq(cities.id, id));
  return row;
}

/** Several cities at once (a page of users names theirs). */
export async function findCitiesByIds(db: Db, ids: string[]): Promise<CityRow[]> {
  if (ids.length === 0) return [];
  return db.select().from(cities).where(inArray(cities.id, ids));
}

export async function findCityByNaturalKey(db: Db, country: string, name: string): Promise<CityRow | undefined> {
  const [row] = await db
    .select()
    .from(cities)
    .where(and(eq(cities.country, country), sql`lower(${cities.name}) = ${name.toLowerCase()}`));
  return row;
}

export async function insertCity(db: Db, values: typeof cities.$inferInsert): Promise<CityRow> {
  const [row] = await db.insert(cities).values(values).returning();
  return row!;
}

export async function updateCity(db: Db, id: string, set: Partial<typeof cities.$inferInsert>): Promise<CityRow> {
  const [row] = await db
    .update(cities)
    .set({ ...set, updatedAt: new Date() })
    .where(eq(cities.id, id))
    .returning();
  return row!;
}

export async function replaceCityNetworks(db: Db, cityId: string, networkIds: string[]): Promise<void> {
  await db.delete(cityNetworks).where(eq(cityNetworks.cityId, cityId));
  if (networkIds.length > 0) {
    await db.insert(cityNetworks).values(networkIds.map((networkId) => ({ cityId, networkId })));
  }
}

/** Network codes per city, for a page of cities at once. */
export async function networkCodesOfCities(db: Db, cityIds: string[]): Promise<Map<string, string[]>> {
  const result = new Map<string, string[]>(cityIds.map((id) => [id, []]));
  if (cityIds.length === 0) return result;
  const rows = await db
    .select({ cityId: cityNetworks.cityId, code: networks.code })
    .from(cityNetworks)
    .innerJoin(networks, eq(networks.id, cityNetworks.networkId))
    .where(inArray(cityNetworks.cityId, cityIds))
    .orderBy(asc(networks.code));
  for (const row of rows) result.get(row.cityId)?.push(row.code);
  return result;
}

export async function isCityInNetwork(db: Db, cityId: string, networkId: string): Promise<boolean> {
  const [row] = await db
    .select({ cityId: cityNetworks.cityId })
    .from(cityNetworks)
    .where(and(eq(cityNetworks.cityId, cityId), eq(cityNetworks.networkId, networkId)));
  return Boolean(row);
}

export interface CityFilters {
  country?: string;
  region?: string;
  networkCode?: string;
  q?: string;
  after?: [string, string];
  limit: number;
}

/** Rows carry `sortName`, the database's own lower(name), so cursors compare like the ORDER BY. */
const citiesCount = preparedQuery('cities_count', (db) =>
  db.select({ count: sql<number>`count(*)::int` }).from(cities),
);

export async function countCities(db: Db): Promise<number> {
  const [row] = await citiesCount(db).execute();
  return row?.count ?? 0;
}

export async function listCities(db: Db, f: CityFilters): Promise<Array<CityRow & { sortName: string }>> {
  const conditions: SQL[] = [];
  if (f.country) conditions.push(eq(cities.country, f.country));
  if (f.region) conditions.push(eq(cities.region, f.region));
  if (f.q) conditions.push(ilike(cities.name, `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`));
  if (f.networkCode) conditions.push(inNetworkCodeSql(cities.id, f.networkCode));
  if (f.after) {
    const [name, id] = f.after;
    conditions.push(
      or(gt(sql`lower(${cities.name})`, name), and(eq(sql`lower(${cities.name})`, name), gt(cities.id, id)))!,
    );
  }
  return db
    .select({ ...getTableColumns(cities), sortName: sql<string>`lower(${cities.name})` })
    .from(cities)
    .where(and(...conditions))
    .orderBy(asc(sql`lower(${cities.name})`), asc(cities.id))
    .limit(f.limit + 1);
}
