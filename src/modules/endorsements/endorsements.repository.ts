import { and, asc, desc, eq, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { executePrepared } from '../../db/prepared.js';
import { isUuid } from '../../lib/ids.js';
import { jsonColumn, rowsOf } from '../../db/tx.js';
import { cities, cityNetworks, endorsementRevisions, endorsements, mandateDocuments, networks, pledges, progressUpdates } from '../../db/schema/index.js';

export type EndorsementRow = typeof endorsements.$inferSelect;
export type RevisionRow = typeof endorsementRevisions.$inferSelect;
export type ProgressRow = typeof progressUpdates.$inferSelect;

export async function findEndorsement(db: Db, id: string, forUpdate = false): Promise<EndorsementRow | undefined> {
  const query = db.select().from(endorsements).where(eq(endorsements.id, id));
  const [row] = forUpdate ? await query.for('update') : await query;
  return row;
}

export async function updateEndorsement(db: Db, id: string, set: Partial<typeof endorsements.$inferInsert>): Promise<EndorsementRow> {
  const [row] = await db
    .update(endorsements)
    .set({ ...set, updatedAt: new Date() })
    .where(eq(endorsements.id, id))
    .returning();
  return row!;
}

export async function insertRevision(db: Db, values: typeof endorsementRevisions.$inferInsert): Promise<void> {
  await db.insert(endorsementRevisions).values(values);
}

export async function revisionsOf(db: Db, endorsementId: string): Promise<RevisionRow[]> {
  return db.select().from(endorsementRevisions).where(eq(endorsementRevisions.endorsementId, endorsementId)).orderBy(asc(endorsementRevisions.revision));
}

export async function findMandateMeta(db: Db, endorsementId: string) {
  const [row] = await db
    .select({ sha256: mandateDocuments.sha256, size: mandateDocuments.size, mediaType: mandateDocuments.mediaType, uploadedAt: mandateDocuments.uploadedAt })
    .from(mandateDocuments)
    .where(eq(mandateDocuments.endorsementId, endorsementId));
  return row;
}

export async function findMandate(db: Db, endorsementId: string) {
  const [row] = await db.select().from(mandateDocuments).where(eq(mandateDocuments.endorsementId, endorsementId));
  return row;
}

export async function upsertMandate(db: Db, values: typeof mandateDocuments.$inferInsert): Promise<void> {
  const { endorsementId: _id, ...set } = values;
  await db.insert(mandateDocuments).values(values).onConflictDoUpdate({ target: mandateDocuments.endorsementId, set });
}

export async function insertProgress(db: Db, values: typeof progressUpdates.$inferInsert): Promise<ProgressRow> {
  const [row] = await db.insert(progressUpdates).values(values).returning();
  return row!;
}

export async function progressOf(db: Db, endorsementId: string): Promise<ProgressRow[]> {
  return db
    .select()
    .from(progressUpdates)
    .where(eq(progressUpdates.endorsementId, endorsementId))
    .orderBy(asc(progressUpdates.createdAt), asc(progressUpdates.id));
}

export async function cityOf(db: Db, cityId: string) {
  const [row] = await db.select({ id: cities.id, name: cities.name, country: cities.country, region: cities.region }).from(cities).where(eq(cities.id, cityId));
  return row;
}

export interface EndorsementFilters {
  pledgeId?: string;
  status?: string;
  country?: string;
  region?: string;
  networkCode?: string;
  areaKey?: string;
  versionNumber?: number;
  /** Scope of the caller: only these cities (a city official), or the members of a network. */
  onlyCityId?: string;
  onlyNetworkId?: string;
  before?: [string, string];
  limit: number;
}

export async function listEndorsements(db: Db, f: EndorsementFilters) {
  const conditions: SQL[] = [];
  if (f.pledgeId) conditions.push(eq(endorsements.pledgeId, f.pledgeId));
  if (f.status) conditions.push(eq(endorsements.status, f.status as EndorsementRow['status']));
  if (f.country) conditions.push(eq(cities.country, f.country));
  if (f.region) conditions.push(eq(cities.region, f.region));
  if (f.versionNumber) conditions.push(eq(endorsements.versionNumber, f.versionNumber));
  if (f.areaKey) conditions.push(sql`${endorsements.areaKeys} @> ${JSON.stringify([f.areaKey])}::jsonb`);
  if (f.onlyCityId) conditions.push(eq(endorsements.cityId, f.onlyCityId));
  if (f.onlyNetworkId) {
    conditions.push(sql`EXISTS (SELECT 1 FROM ${cityNetworks} WHERE ${cityNetworks.cityId} = ${endorsements.cityId} AND ${cityNetworks.networkId} = ${f.onlyNetworkId})`);
  }
  if (f.networkCode) {
    conditions.push(
      sql`EXISTS (SELECT 1 FROM ${cityNetworks} JOIN ${networks} ON ${networks.id} = ${cityNetworks.networkId}
            WHERE ${cityNetworks.cityId} = ${endorsements.cityId} AND lower(${networks.code}) = ${f.networkCode.toLowerCase()})`,
    );
  }
  if (f.before) {
    const [createdAt, id] = f.before;
    const at = new Date(createdAt);
    conditions.push(or(lt(endorsements.createdAt, at), and(eq(endorsements.createdAt, at), lt(endorsements.id, id)))!);
  }
  return db
    .select({ endorsement: endorsements, city: { id: cities.id, name: cities.name, country: cities.country, region: cities.region }, pledgeSlug: pledges.slug })
    .from(endorsements)
    .innerJoin(cities, eq(cities.id, endorsements.cityId))
    .innerJoin(pledges, eq(pledges.id, endorsements.pledgeId))
    .where(and(...conditions))
    .orderBy(desc(endorsements.createdAt), desc(endorsements.id))
    .limit(f.limit + 1);
}

export async function mandateMetaOf(db: Db, ids: string[]) {
  if (ids.length === 0) return new Map<string, NonNullable<Awaited<ReturnType<typeof findMandateMeta>>>>();
  const rows = await db
    .select({ endorsementId: mandateDocuments.endorsementId, sha256: mandateDocuments.sha256, size: mandateDocuments.size, mediaType: mandateDocuments.mediaType, uploadedAt: mandateDocuments.uploadedAt })
    .from(mandateDocuments)
    .where(inArray(mandateDocuments.endorsementId, ids));
  return new Map(rows.map(({ endorsementId, ...m }) => [endorsementId, m]));
}

export interface EndorseContext {
  pledge: { id: string; slug: string; title: { en: string } };
  published: { id: string; number: number; contentHash: string; areaKeys: string[] } | null;
  city: { id: string; name: string; country: string; region: string } | null;
}

/**
 * Everything an endorsement is checked against, in one round trip: the pledge (by id or slug),
 * its published version with its area keys in order, and the city.
 */
export async function loadEndorseContext(db: Db, pledgeRef: string, cityId: string): Promise<EndorseContext | undefined> {
  const byPledge = isUuid(pledgeRef) ? sql`p.id = ${pledgeRef}::uuid` : sql`p.slug = ${pledgeRef.toLowerCase()}`;
  const city = isUuid(cityId) ? sql`${cityId}::uuid` : sql`NULL::uuid`;
  const [row] = rowsOf<Record<string, unknown>>(
    await executePrepared(db, sql`
      SELECT p.id AS pledge_id, p.slug, p.title, v.id AS version_id, v.number, v.content_hash,
             (SELECT coalesce(json_agg(a.key ORDER BY a.position, a.key), '[]'::json) FROM action_areas a WHERE a.version_id = v.id) AS area_keys,
             c.id AS city_id, c.name AS city_name, c.country, c.region
      FROM pledges p
      LEFT JOIN pledge_versions v ON v.pledge_id = p.id AND v.status = 'published'
      LEFT JOIN cities c ON c.id = ${city}
      WHERE ${byPledge}`),
  );
  if (!row) return undefined;
  return {
    pledge: { id: row.pledge_id as string, slug: row.slug as string, title: jsonColumn<{ en: string }>(row.title) },
    published: row.version_id
      ? { id: row.version_id as string, number: Number(row.number), contentHash: row.content_hash as string, areaKeys: jsonColumn<string[]>(row.area_keys) }
      : null,
    city: row.city_id ? { id: row.city_id as string, name: row.city_name as string, country: row.country as string, region: row.region as string } : null,
  };
}

/**
 * A submission in one atomic statement: the endorsement (only while its version is still the
 * published one), its first revision, the secretariat's mail and the audit event. Answers
 * whether the row went in; a second live endorsement of the city fails on the unique index.
 */
export async function submitEndorsement(
  db: Db,
  e: typeof endorsements.$inferInsert & { id: string; createdAt: Date },
  revision: { actorId: string | null; actorRole: string; action: string },
  mail: { subject: string; text: string; dedupePrefix: string },
  audit: { id: string; at: Date; actorId: string | null; actorRole: string; action: string; entityType: string; summary: unknown; requestId: string | null },
): Promise<boolean> {
  const at = e.createdAt.toISOString();
  const rows = rowsOf<{ id: string }>(
    await executePrepared(db, sql`
      WITH ins AS (
        INSERT INTO endorsements (id, pledge_id, city_id, version_id, version_number, content_hash, scope, area_keys, signatory_name,
          signatory_title, signatory_email, statement, language, on_behalf, created_by, created_at, updated_at, submitted_at)
        SELECT ${e.id}::uuid, ${e.pledgeId}::uuid, ${e.cityId}::uuid, v.id, v.number, v.content_hash, ${e.scope}, ${JSON.stringify(e.areaKeys)}::jsonb,
          ${e.signatoryName}, ${e.signatoryTitle}, ${e.signatoryEmail ?? null}, ${e.statement ?? null}, ${e.language}, ${e.onBehalf ?? false},
          ${e.createdBy ?? null}::uuid, ${at}::timestamptz, ${at}::timestamptz, ${at}::timestamptz
        FROM pledge_versions v WHERE v.id = ${e.versionId}::uuid AND v.status = 'published'
        RETURNING id, scope, area_keys, version_number, content_hash),
      rev AS (
        INSERT INTO endorsement_revisions (endorsement_id, revision, at, actor_id, actor_role, action, status, scope, area_keys, version_number, content_hash)
        SELECT id, 1, ${at}::timestamptz, ${revision.actorId}::uuid, ${revision.actorRole}, ${revision.action}, 'submitted', scope, area_keys, version_number, content_hash
        FROM ins),
      mail AS (
        INSERT INTO mail_outbox ("to", subject, text, dedupe_key)
        SELECT u.email, ${mail.subject}, ${mail.text}, ${mail.dedupePrefix} || u.id::text
        FROM users u, ins WHERE u.role = 'secretariat' AND u.active
        ON CONFLICT (dedupe_key) DO NOTHING),
      aud AS (
        INSERT INTO audit_events (id, at, actor_id, actor_role, action, entity_type, entity_id, summary, request_id)
        SELECT ${audit.id}::uuid, ${audit.at.toISOString()}::timestamptz, ${audit.actorId}::uuid, ${audit.actorRole}, ${audit.action},
          ${audit.entityType}, ins.id::text, ${JSON.stringify(audit.summary)}::jsonb, ${audit.requestId}
        FROM ins)
      SELECT id FROM ins`),
  );
  return rows.length === 1;
}
