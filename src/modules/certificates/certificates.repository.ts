import { and, asc, count, desc, eq, gt, inArray, or } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { certificates, endorsements } from '../../db/schema/index.js';

export type CertificateRow = typeof certificates.$inferSelect;

export async function insertCertificate(db: Db, values: typeof certificates.$inferInsert): Promise<CertificateRow> {
  const [row] = await db.insert(certificates).values(values).returning();
  return row!;
}

export async function findBySerial(db: Db, serial: string): Promise<CertificateRow | undefined> {
  const [row] = await db.select().from(certificates).where(eq(certificates.serial, serial));
  return row;
}

export async function findValidOf(db: Db, endorsementId: string): Promise<CertificateRow | undefined> {
  const [row] = await db
    .select()
    .from(certificates)
    .where(and(eq(certificates.endorsementId, endorsementId), eq(certificates.status, 'valid')));
  return row;
}

export async function setStatus(db: Db, id: string, set: Partial<typeof certificates.$inferInsert>): Promise<void> {
  await db.update(certificates).set(set).where(eq(certificates.id, id));
}

/** The newest certificate of each endorsement (valid, or the last one superseded or revoked). */
export async function latestOf(
  db: Db,
  endorsementIds: string[],
): Promise<Map<string, { serial: string; status: string }>> {
  const result = new Map<string, { serial: string; status: string }>();
  if (endorsementIds.length === 0) return result;
  const rows = await db
    .select({ endorsementId: certificates.endorsementId, serial: certificates.serial, status: certificates.status })
    .from(certificates)
    .where(inArray(certificates.endorsementId, endorsementIds))
    .orderBy(desc(certificates.issuedAt));
  for (const row of rows)
    if (!result.has(row.endorsementId)) result.set(row.endorsementId, { serial: row.serial, status: row.status });
  return result;
}

/** A page of the valid certificates of a pledge, oldest first (keyset on issued_at, id). */
export async function validCertificatesOfPledge(
  db: Db,
  pledgeId: string,
  after: { issuedAt: Date; id: string } | undefined,
  limit: number,
) {
  const conditions = [eq(endorsements.pledgeId, pledgeId), eq(certificates.status, 'valid')];
  if (after) {
    conditions.push(
      or(
        gt(certificates.issuedAt, after.issuedAt),
        and(eq(certificates.issuedAt, after.issuedAt), gt(certificates.id, after.id)),
      )!,
    );
  }
  return db
    .select({ certificate: certificates })
    .from(certificates)
    .innerJoin(endorsements, eq(endorsements.id, certificates.endorsementId))
    .where(and(...conditions))
    .orderBy(asc(certificates.issuedAt), asc(certificates.id))
    .limit(limit)
    .then((rows) => rows.map((r) => r.certificate));
}

export async function countValidOfPledge(db: Db, pledgeId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(certificates)
    .innerJoin(endorsements, eq(endorsements.id, certificates.endorsementId))
    .where(and(eq(endorsements.pledgeId, pledgeId), eq(certificates.status, 'valid')));
  return Number(row?.n ?? 0);
}
