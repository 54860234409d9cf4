import { asc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { networks } from '../../db/schema/index.js';

export type NetworkRow = typeof networks.$inferSelect;

export async function listNetworks(db: Db): Promise<NetworkRow[]> {
  return db.select().from(networks).orderBy(asc(networks.code));
}

export async function findNetworkById(db: Db, id: string): Promise<NetworkRow | undefined> {
  const [row] = await db.select().from(networks).where(eq(networks.id, id));
  return row;
}

export async function findNetworkByCode(db: Db, code: string): Promise<NetworkRow | undefined> {
  const [row] = await db
    .select()
    .from(networks)
    .where(sql`lower(${networks.code}) = ${code.toLowerCase()}`);
  return row;
}

/** Network codes are matched without regard to case ("uclg" is UCLG). */
export async function findNetworksByCodes(db: Db, codes: string[]): Promise<NetworkRow[]> {
  if (codes.length === 0) return [];
  const lowered = codes.map((c) => c.toLowerCase());
  return db
    .select()
    .from(networks)
    .where(inArray(sql`lower(${networks.code})`, lowered));
}

export async function insertNetwork(db: Db, values: { code: string; name: string }): Promise<NetworkRow> {
  const [row] = await db.insert(networks).values(values).returning();
  return row!;
}
