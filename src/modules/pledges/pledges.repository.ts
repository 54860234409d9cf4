import { and, asc, desc, eq, gt, gte, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { isUuid } from '../../lib/ids.js';
import { actionAreas, pledges, pledgeVersions } from '../../db/schema/index.js';

export type PledgeRow = typeof pledges.$inferSelect;
export type VersionRow = typeof pledgeVersions.$inferSelect;
export type AreaRow = typeof actionAreas.$inferSelect;

/** `:pledgeId` takes the id or the slug. */
export async function findPledge(db: Db, idOrSlug: string, forUpdate = false): Promise<PledgeRow | undefined> {
  const where = isUuid(idOrSlug) ? eq(pledges.id, idOrSlug) : eq(pledges.slug, idOrSlug.toLowerCase());
  const query = db.select().from(pledges).where(where);
  const [row] = forUpdate ? await query.for('update') : await query;
  return row;
}

export async function listPledges(db: Db): Promise<PledgeRow[]> {
  return db.select().from(pledges).orderBy(desc(pledges.createdAt), asc(pledges.id));
}

export async function insertPledge(db: Db, values: typeof pledges.$inferInsert): Promise<PledgeRow> {
  const [row] = await db.insert(pledges).values(values).returning();
  return row!;
}

export async function updatePledge(db: Db, id: string, set: Partial<typeof pledges.$inferInsert>): Promise<PledgeRow> {
  const [row] = await db
    .update(pledges)
    .set({ ...set, updatedAt: new Date() })
    .where(eq(pledges.id, id))
    .returning();
  return row!;
}

export async function versionsOf(db: Db, pledgeId: string): Promise<VersionRow[]> {
  return db
    .select()
    .from(pledgeVersions)
    .where(eq(pledgeVersions.pledgeId, pledgeId))
    .orderBy(asc(pledgeVersions.number));
}

export async function findVersion(
  db: Db,
  pledgeId: string,
  number: number,
  forUpdate = false,
): Promise<VersionRow | undefined> {
  const query = db
    .select()
    .from(pledgeVersions)
    .where(and(eq(pledgeVersions.pledgeId, pledgeId), eq(pledgeVersions.number, number)));
  const [row] = forUpdate ? await query.for('update') : await query;
  return row;
}

export async function findVersionById(db: Db, id: string): Promise<VersionRow | undefined> {
  const [row] = await db.select().from(pledgeVersions).where(eq(pledgeVersions.id, id));
  return row;
}

export async function findPublishedVersion(db: Db, pledgeId: string): Promise<VersionRow | undefined> {
  const [row] = await db
    .select()
    .from(pledgeVersions)
    .where(and(eq(pledgeVersions.pledgeId, pledgeId), eq(pledgeVersions.status, 'published')));
  return row;
}

export async function maxVersionNumber(db: Db, pledgeId: string): Promise<number> {
  const [row] = await db
    .select({ max: sql<number | null>`max(${pledgeVersions.number})` })
    .from(pledgeVersions)
    .where(eq(pledgeVersions.pledgeId, pledgeId));
  return Number(row?.max ?? 0);
}

export async function insertVersion(db: Db, values: typeof pledgeVersions.$inferInsert): Promise<VersionRow> {
  const [row] = await db.insert(pledgeVersions).values(values).returning();
  return row!;
}

export async function updateVersion(
  db: Db,
  id: string,
  set: Partial<typeof pledgeVersions.$inferInsert>,
): Promise<VersionRow> {
  const [row] = await db
    .update(pledgeVersions)
    .set({ ...set, updatedAt: new Date() })
    .where(eq(pledgeVersions.id, id))
    .returning();
  return row!;
}

/** A content edit: bumps the revision, so the ETag every reader holds goes stale. */
export async function touchVersion(db: Db, id: string): Promise<VersionRow> {
  const [row] = await db
    .update(pledgeVersions)
    .set({ revision: sql`${pledgeVersions.revision} + 1`, updatedAt: new Date() })
    .where(eq(pledgeVersions.id, id))
    .returning();
  return row!;
}

export async function areasOf(db: Db, versionId: string): Promise<AreaRow[]> {
  return db
    .select()
    .from(actionAreas)
    .where(eq(actionAreas.versionId, versionId))
    .orderBy(asc(actionAreas.position), asc(actionAreas.key));
}

export async function insertAreas(db: Db, values: Array<typeof actionAreas.$inferInsert>): Promise<void> {
  if (values.length > 0) await db.insert(actionAreas).values(values);
}

export async function updateArea(db: Db, id: string, set: Partial<typeof actionAreas.$inferInsert>): Promise<void> {
  await db.update(actionAreas).set(set).where(eq(actionAreas.id, id));
}

export async function deleteArea(db: Db, id: string): Promise<void> {
  await db.delete(actionAreas).where(eq(actionAreas.id, id));
}

/** Makes room at `position` (shifts the areas at or after it down by one). */
export async function shiftAreasFrom(db: Db, versionId: string, position: number): Promise<void> {
  await db
    .update(actionAreas)
    .set({ position: sql`${actionAreas.position} + 1` })
    .where(and(eq(actionAreas.versionId, versionId), gte(actionAreas.position, position)));
}

/** Closes the gap left at `position`. */
export async function compactAreasAfter(db: Db, versionId: string, position: number): Promise<void> {
  await db
    .update(actionAreas)
    .set({ position: sql`${actionAreas.position} - 1` })
    .where(and(eq(actionAreas.versionId, versionId), gt(actionAreas.position, position)));
}
