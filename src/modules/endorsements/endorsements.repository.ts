import { and, asc, desc, eq, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { preparedQuery } from '../../db/prepared.js';
import type { DbContext } from '../../db/tx.js';
import { write, writeTemplate } from '../../db/writes.js';
import { isUuid } from '../../lib/ids.js';
import { inNetworkCodeSql, inNetworkSql } from '../cities/index.js';
import { endorsesAreaSql } from './endorsement.rules.js';
import {
  actionAreas,
  cities,
  endorsementRevisions,
  endorsements,
  mandateDocuments,
  pledges,
  pledgeVersions,
  progressUpdates,
  type Localised,
} from '../../db/schema/index.js';

export type EndorsementRow = typeof endorsements.$inferSelect;
export type RevisionRow = typeof endorsementRevisions.$inferSelect;
export type ProgressRow = typeof progressUpdates.$inferSelect;

export async function findEndorsement(db: Db, id: string, forUpdate = false): Promise<EndorsementRow | undefined> {
  const query = db.select().from(endorsements).where(eq(endorsements.id, id));
  const [row] = forUpdate ? await query.for('update') : await query;
  return row;
}

export async function updateEndorsement(
  db: Db,
  id: string,
  set: Partial<typeof endorsements.$inferInsert>,
): Promise<EndorsementRow> {
  const [row] = await db
    .update(endorsements)
    .set({ updatedAt: new Date(), ...set })
    .where(eq(endorsements.id, id))
    .returning();
  return row!;
}

export async function revisionsOf(db: Db, endorsementId: string): Promise<RevisionRow[]> {
  return db
    .select()
    .from(endorsementRevisions)
    .where(eq(endorsementRevisions.endorsementId, endorsementId))
    .orderBy(asc(endorsementRevisions.revision));
}

export async function findMandateMeta(db: Db, endorsementId: string) {
  const [row] = await db
    .select({
      sha256: mandateDocuments.sha256,
      size: mandateDocuments.size,
      mediaType: mandateDocuments.mediaType,
      uploadedAt: mandateDocuments.uploadedAt,
    })
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
}

/** The orders a list comes in (see ListOrder in the schemas), and where a page starts. */
export interface ListPosition {
  /** `newest`: by creation, newest first. `queue`: by submission, oldest first. */
  order: 'newest' | 'queue';
  /** The sort key of the previous page's last row: this page starts after it. */
  after?: [string, string];
  limit: number;
}

/** The WHERE of a filtered list, and of its counts: written once for both. */
function filterConditions(f: EndorsementFilters): SQL[] {
  const conditions: SQL[] = [];
  if (f.pledgeId) conditions.push(eq(endorsements.pledgeId, f.pledgeId));
  if (f.status) conditions.push(eq(endorsements.status, f.status as EndorsementRow['status']));
  if (f.country) conditions.push(eq(cities.country, f.country));
  if (f.region) conditions.push(eq(cities.region, f.region));
  if (f.versionNumber) conditions.push(eq(endorsements.versionNumber, f.versionNumber));
  if (f.areaKey) conditions.push(endorsesAreaSql(endorsements.areaKeys, f.areaKey));
  if (f.onlyCityId) conditions.push(eq(endorsements.cityId, f.onlyCityId));
  if (f.onlyNetworkId) conditions.push(inNetworkSql(endorsements.cityId, f.onlyNetworkId));
  if (f.networkCode) conditions.push(inNetworkCodeSql(endorsements.cityId, f.networkCode));
  return conditions;
}

/**
 * The submission time to the microsecond, as text: the queue's cursor must name its row exactly
 * (a JavaScript Date keeps milliseconds, and a row would come back on the next page).
 */
const submittedAtText = sql<string>`to_char(${endorsements.submittedAt} AT TIME ZONE 'UTC',
  'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export async function listEndorsements(db: Db, f: EndorsementFilters & ListPosition) {
  const conditions = filterConditions(f);
  const queue = f.order === 'queue';
  if (f.after && queue) {
    const [submittedAt, id] = f.after;
    const key = sql`(${endorsements.submittedAt}, ${endorsements.id})`;
    conditions.push(sql`${key} > (${submittedAt}::timestamptz, ${id}::uuid)`);
  } else if (f.after) {
    const [createdAt, id] = f.after;
    const at = new Date(createdAt);
    conditions.push(or(lt(endorsements.createdAt, at), and(eq(endorsements.createdAt, at), lt(endorsements.id, id)))!);
  }
  return db
    .select({
      endorsement: endorsements,
      city: { id: cities.id, name: cities.name, country: cities.country, region: cities.region },
      pledgeSlug: pledges.slug,
      submittedAtText,
    })
    .from(endorsements)
    .innerJoin(cities, eq(cities.id, endorsements.cityId))
    .innerJoin(pledges, eq(pledges.id, endorsements.pledgeId))
    .where(and(...conditions))
    .orderBy(
      ...(queue
        ? [asc(endorsements.submittedAt), asc(endorsements.id)]
        : [desc(endorsements.createdAt), desc(endorsements.id)]),
    )
    .limit(f.limit + 1);
}

const statusCount = { status: endorsements.status, count: sql<number>`count(*)::int` };

/** Every endorsement, counted by status (the secretariat's totals): prepared, it is on every home page. */
const allByStatus = preparedQuery('endorsement_counts_by_status', (db) =>
  db.select(statusCount).from(endorsements).groupBy(endorsements.status),
);

/** How many endorsements of each status match the filters (a status filter included). */
export async function countByStatus(db: Db, f: EndorsementFilters) {
  const conditions = filterConditions(f);
  if (conditions.length === 0) return allByStatus(db).execute();
  const base = db.select(statusCount).from(endorsements).$dynamic();
  // The cities are read only when a filter is on them.
  const query = f.country || f.region ? base.innerJoin(cities, eq(cities.id, endorsements.cityId)) : base;
  return query.where(and(...conditions)).groupBy(endorsements.status);
}

export async function mandateMetaOf(db: Db, ids: string[]) {
  if (ids.length === 0) return new Map<string, NonNullable<Awaited<ReturnType<typeof findMandateMeta>>>>();
  const rows = await db
    .select({
      endorsementId: mandateDocuments.endorsementId,
      sha256: mandateDocuments.sha256,
      size: mandateDocuments.size,
      mediaType: mandateDocuments.mediaType,
      uploadedAt: mandateDocuments.uploadedAt,
    })
    .from(mandateDocuments)
    .where(inArray(mandateDocuments.endorsementId, ids));
  return new Map(rows.map(({ endorsementId, ...m }) => [endorsementId, m]));
}

export interface EndorseContext {
  pledge: { id: string; slug: string; title: Localised };
  published: { id: string; number: number; contentHash: string; areaKeys: string[] } | null;
  city: { id: string; name: string; country: string; region: string } | null;
}

const endorseContextQuery = (by: 'id' | 'slug') =>
  preparedQuery(`endorse_context_by_${by}`, (db) =>
    db
      .select({
        pledgeId: pledges.id,
        slug: pledges.slug,
        title: pledges.title,
        versionId: pledgeVersions.id,
        versionNumber: pledgeVersions.number,
        contentHash: pledgeVersions.contentHash,
        // The published version's keys in order; [] when nothing is published.
        areaKeys: sql<string[]>`(SELECT coalesce(json_agg(a.key ORDER BY a.position, a.key), '[]'::json)
          FROM ${actionAreas} a WHERE a.version_id = ${pledgeVersions.id})`,
        cityId: cities.id,
        cityName: cities.name,
        country: cities.country,
        region: cities.region,
      })
      .from(pledges)
      .leftJoin(pledgeVersions, and(eq(pledgeVersions.pledgeId, pledges.id), eq(pledgeVersions.status, 'published')))
      .leftJoin(cities, eq(cities.id, sql.placeholder('cityId')))
      .where(eq(by === 'id' ? pledges.id : pledges.slug, sql.placeholder('pledgeRef'))),
  );
const endorseContextById = endorseContextQuery('id');
const endorseContextBySlug = endorseContextQuery('slug');

/**
 * Everything an endorsement is checked against, in one round trip: the pledge (by id or slug),
 * its published version with its area keys in order, and the city.
 */
export async function loadEndorseContext(
  db: Db,
  pledgeRef: string,
  cityId: string,
): Promise<EndorseContext | undefined> {
  const byId = isUuid(pledgeRef);
  const query = byId ? endorseContextById(db) : endorseContextBySlug(db);
  const [row] = await query.execute({
    pledgeRef: byId ? pledgeRef : pledgeRef.toLowerCase(),
    cityId: isUuid(cityId) ? cityId : null,
  });
  if (!row) return undefined;
  return {
    pledge: { id: row.pledgeId, slug: row.slug, title: row.title },
    published:
      row.versionId !== null && row.versionNumber !== null && row.contentHash !== null
        ? { id: row.versionId, number: row.versionNumber, contentHash: row.contentHash, areaKeys: row.areaKeys }
        : null,
    city:
      row.cityId !== null && row.cityName !== null && row.country !== null && row.region !== null
        ? { id: row.cityId, name: row.cityName, country: row.country, region: row.region }
        : null,
  };
}

type NewEndorsement = Required<
  Pick<
    typeof endorsements.$inferInsert,
    | 'id'
    | 'pledgeId'
    | 'cityId'
    | 'versionId'
    | 'versionNumber'
    | 'contentHash'
    | 'scope'
    | 'areaKeys'
    | 'signatoryName'
    | 'signatoryTitle'
    | 'signatoryEmail'
    | 'statement'
    | 'language'
    | 'onBehalf'
    | 'createdBy'
  >
> & { at: Date };
type NewRevision = Required<Omit<typeof endorsementRevisions.$inferInsert, 'id'>>;

const newEndorsementTemplate = writeTemplate<NewEndorsement>('endorsement', (db, p) =>
  db.insert(endorsements).values({
    id: p('id'),
    pledgeId: p('pledgeId'),
    cityId: p('cityId'),
    versionId: p('versionId'),
    versionNumber: p('versionNumber'),
    contentHash: p('contentHash'),
    scope: p('scope'),
    areaKeys: p('areaKeys'),
    signatoryName: p('signatoryName'),
    signatoryTitle: p('signatoryTitle'),
    signatoryEmail: p('signatoryEmail'),
    statement: p('statement'),
    language: p('language'),
    onBehalf: p('onBehalf'),
    createdBy: p('createdBy'),
    createdAt: p('at'),
    updatedAt: p('at'),
    submittedAt: p('at'),
  }),
);

const revisionTemplate = writeTemplate<NewRevision>('endorsement_revision', (db, p) =>
  db.insert(endorsementRevisions).values({
    endorsementId: p('endorsementId'),
    revision: p('revision'),
    at: p('at'),
    actorId: p('actorId'),
    actorRole: p('actorRole'),
    action: p('action'),
    status: p('status'),
    scope: p('scope'),
    areaKeys: p('areaKeys'),
    versionNumber: p('versionNumber'),
    contentHash: p('contentHash'),
    reason: p('reason'),
  }),
);

/**
 * A new endorsement (status submitted, revision 1) and its first revision, queued in the caller's
 * change (db/writes.ts): nothing in a submission reads them back before it commits.
 */
export async function queueNewEndorsement(
  ctx: DbContext,
  endorsement: NewEndorsement,
  firstRevision: NewRevision,
): Promise<void> {
  await write(ctx, newEndorsementTemplate, endorsement);
  await write(ctx, revisionTemplate, firstRevision);
}

/** A revision of a change, written at once: the change reads the history back to answer. */
export async function insertRevision(db: Db, values: NewRevision): Promise<void> {
  await db.insert(endorsementRevisions).values(values);
}
