import { and, asc, desc, eq, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { preparedStatement } from '../../db/prepared.js';
import { isUuid } from '../../lib/ids.js';
import { jsonColumn, rowsOf } from '../../db/tx.js';
import {
  cities,
  cityNetworks,
  endorsementRevisions,
  endorsements,
  mandateDocuments,
  networks,
  pledges,
  progressUpdates,
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
    .set({ ...set, updatedAt: new Date() })
    .where(eq(endorsements.id, id))
    .returning();
  return row!;
}

export async function insertRevision(db: Db, values: typeof endorsementRevisions.$inferInsert): Promise<void> {
  await db.insert(endorsementRevisions).values(values);
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

export async function cityOf(db: Db, cityId: string) {
  const [row] = await db
    .select({ id: cities.id, name: cities.name, country: cities.country, region: cities.region })
    .from(cities)
    .where(eq(cities.id, cityId));
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
    conditions.push(
      sql`EXISTS (SELECT 1 FROM ${cityNetworks} WHERE ${cityNetworks.cityId} = ${endorsements.cityId} AND ${cityNetworks.networkId} = ${f.onlyNetworkId})`,
    );
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
    .select({
      endorsement: endorsements,
      city: { id: cities.id, name: cities.name, country: cities.country, region: cities.region },
      pledgeSlug: pledges.slug,
    })
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
  pledge: { id: string; slug: string; title: { en: string } };
  published: { id: string; number: number; contentHash: string; areaKeys: string[] } | null;
  city: { id: string; name: string; country: string; region: string } | null;
}

const endorseContextStatement = preparedStatement(
  (byPledge: 'id' | 'slug') => sql`
    SELECT p.id AS pledge_id, p.slug, p.title, v.id AS version_id, v.number, v.content_hash,
           (SELECT coalesce(json_agg(a.key ORDER BY a.position, a.key), '[]'::json) FROM action_areas a WHERE a.version_id = v.id) AS area_keys,
           c.id AS city_id, c.name AS city_name, c.country, c.region
    FROM pledges p
    LEFT JOIN pledge_versions v ON v.pledge_id = p.id AND v.status = 'published'
    LEFT JOIN cities c ON c.id = ${sql.placeholder('cityId')}::uuid
    WHERE ${byPledge === 'id' ? sql`p.id = ${sql.placeholder('pledgeRef')}::uuid` : sql`p.slug = ${sql.placeholder('pledgeRef')}::text`}`,
);

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
  const [row] = rowsOf<Record<string, unknown>>(
    await endorseContextStatement(db, byId ? 'id' : 'slug', {
      pledgeRef: byId ? pledgeRef : pledgeRef.toLowerCase(),
      cityId: isUuid(cityId) ? cityId : null,
    }),
  );
  if (!row) return undefined;
  return {
    pledge: { id: row.pledge_id as string, slug: row.slug as string, title: jsonColumn<{ en: string }>(row.title) },
    published: row.version_id
      ? {
          id: row.version_id as string,
          number: Number(row.number),
          contentHash: row.content_hash as string,
          areaKeys: jsonColumn<string[]>(row.area_keys),
        }
      : null,
    city: row.city_id
      ? {
          id: row.city_id as string,
          name: row.city_name as string,
          country: row.country as string,
          region: row.region as string,
        }
      : null,
  };
}

/**
 * Who submits. `userId`: the signed-in user, whose row the statement itself reads (active, and a
 * city official or the secretariat), so the common case needs no round trip before it. `checked`:
 * an actor the service has already resolved and checked (the system actor has no row).
 */
export type Submitter = { userId: string } | { checked: { id: string | null; role: string; cityId: string | null } };

export interface Submission {
  id: string;
  at: Date;
  pledgeRef: string;
  /** The city named in the request: required from the secretariat, optional (and only its own) from a city official. */
  cityId: string | null;
  versionNumber: number;
  scope: 'whole' | 'areas';
  areaKeys: string[] | null;
  signatory: { name: string; title: string; email: string | null };
  statement: string | null;
  language: string;
  /** The secretariat's mail: format() templates (%1$s the city's name, %2$s the pledge's title, %3$s the endorsement's id), and its dedupe key before the user's id. */
  mail: { subject: string; text: string; dedupePrefix: string };
  audit: { id: string; requestId: string | null; extra: Record<string, unknown> };
}

export interface Submitted {
  pledgeId: string;
  slug: string;
  versionId: string;
  versionNumber: number;
  contentHash: string;
  areaKeys: string[];
  city: { id: string; name: string; country: string; region: string };
  actorId: string | null;
  actorRole: string;
}

/**
 * A submission in one atomic statement, which checks everything it relies on as it writes: the
 * submitter (see Submitter), the city (a city official's own), the pledge's published version
 * (the number the request names), the chosen area keys (all of that version's). It writes the
 * endorsement, its first revision, the secretariat's mail and the audit event, and answers what
 * it wrote; `undefined` when a check failed. A second live endorsement of the city fails on the
 * unique index (a unique violation).
 */
const submitStatement = preparedStatement((shape: `${'user' | 'checked'}:${'id' | 'slug'}`) => {
  const p = sql.placeholder;
  const actor = shape.startsWith('user:')
    ? sql`SELECT id, role, city_id FROM users WHERE id = ${p('userId')}::uuid AND active AND role IN ('city_official', 'secretariat')`
    : sql`SELECT ${p('actorId')}::uuid AS id, ${p('actorRole')}::text AS role, ${p('actorCityId')}::uuid AS city_id`;
  const byPledge = shape.endsWith(':id') ? sql`p.id = ${p('pledgeRef')}::uuid` : sql`p.slug = ${p('pledgeRef')}::text`;
  return sql`
    WITH actor AS (${actor}),
    target AS (
      SELECT a.id AS actor_id, a.role AS actor_role, p.id AS pledge_id, p.slug, p.title->>'en' AS pledge_title,
             v.id AS version_id, v.number AS version_number, v.content_hash,
             c.id AS city_id, c.name AS city_name, c.country, c.region,
             (SELECT coalesce(jsonb_agg(x.key ORDER BY x.position, x.key), '[]'::jsonb) FROM action_areas x
              WHERE x.version_id = v.id AND (${p('scope')}::text = 'whole' OR x.key IN (SELECT jsonb_array_elements_text(${p('chosen')}::jsonb)))) AS area_keys
      FROM actor a
      JOIN pledges p ON ${byPledge}
      JOIN pledge_versions v ON v.pledge_id = p.id AND v.status = 'published' AND v.number = ${p('versionNumber')}::int
      JOIN cities c ON c.id = CASE WHEN a.role = 'city_official' THEN a.city_id ELSE ${p('cityId')}::uuid END
      WHERE CASE WHEN a.role = 'city_official' THEN ${p('cityId')}::uuid IS NULL OR ${p('cityId')}::uuid = a.city_id ELSE ${p('cityId')}::uuid IS NOT NULL END),
    ok AS (
      SELECT * FROM target WHERE ${p('scope')}::text = 'whole' OR jsonb_array_length(area_keys) = jsonb_array_length(${p('chosen')}::jsonb)),
    ins AS (
      INSERT INTO endorsements (id, pledge_id, city_id, version_id, version_number, content_hash, scope, area_keys, signatory_name,
        signatory_title, signatory_email, statement, language, on_behalf, created_by, created_at, updated_at, submitted_at)
      SELECT ${p('id')}::uuid, pledge_id, city_id, version_id, version_number, content_hash, ${p('scope')}::text, area_keys, ${p('signatoryName')}::text,
        ${p('signatoryTitle')}::text, ${p('signatoryEmail')}::text, ${p('statement')}::text, ${p('language')}::text, actor_role <> 'city_official', actor_id,
        ${p('at')}::timestamptz, ${p('at')}::timestamptz, ${p('at')}::timestamptz
      FROM ok
      RETURNING id),
    rev AS (
      INSERT INTO endorsement_revisions (endorsement_id, revision, at, actor_id, actor_role, action, status, scope, area_keys, version_number, content_hash)
      SELECT ins.id, 1, ${p('at')}::timestamptz, ok.actor_id, ok.actor_role,
        CASE WHEN ok.actor_role = 'city_official' THEN 'submitted' ELSE 'submitted_on_behalf' END,
        'submitted', ${p('scope')}::text, ok.area_keys, ok.version_number, ok.content_hash
      FROM ins, ok),
    mail AS (
      INSERT INTO mail_outbox ("to", subject, text, dedupe_key)
      SELECT u.email, format(${p('mailSubject')}::text, ok.city_name, ok.pledge_title, ins.id::text),
        format(${p('mailText')}::text, ok.city_name, ok.pledge_title, ins.id::text), ${p('mailDedupePrefix')}::text || u.id::text
      FROM users u, ins, ok WHERE u.role = 'secretariat' AND u.active
      ON CONFLICT (dedupe_key) DO NOTHING),
    aud AS (
      INSERT INTO audit_events (id, at, actor_id, actor_role, action, entity_type, entity_id, summary, request_id)
      SELECT ${p('auditId')}::uuid, ${p('at')}::timestamptz, ok.actor_id, ok.actor_role, 'endorsement.submitted', 'endorsement', ins.id::text,
        jsonb_build_object('pledge', ok.slug, 'cityId', ok.city_id, 'versionNumber', ok.version_number, 'scope', ${p('scope')}::text,
          'areaKeys', ok.area_keys, 'onBehalf', ok.actor_role <> 'city_official') || ${p('auditExtra')}::jsonb,
        ${p('requestId')}::text
      FROM ins, ok)
    SELECT ok.pledge_id, ok.slug, ok.version_id, ok.version_number, ok.content_hash, ok.area_keys,
           ok.city_id, ok.city_name, ok.country, ok.region, ok.actor_id, ok.actor_role
    FROM ins, ok`;
});

/**
 * A submission in one atomic statement, which checks everything it relies on as it writes: the
 * submitter (see Submitter), the city (a city official's own), the pledge's published version
 * (the number the request names), the chosen area keys (all of that version's). It writes the
 * endorsement, its first revision, the secretariat's mail and the audit event, and answers what
 * it wrote; `undefined` when a check failed. A second live endorsement of the city fails on the
 * unique index (a unique violation).
 */
export async function submitEndorsement(db: Db, who: Submitter, s: Submission): Promise<Submitted | undefined> {
  const byId = isUuid(s.pledgeRef);
  const actor =
    'userId' in who
      ? { userId: isUuid(who.userId) ? who.userId : null }
      : { actorId: who.checked.id, actorRole: who.checked.role, actorCityId: who.checked.cityId };
  const [row] = rowsOf<Record<string, unknown>>(
    await submitStatement(db, `${'userId' in who ? 'user' : 'checked'}:${byId ? 'id' : 'slug'}`, {
      ...actor,
      pledgeRef: byId ? s.pledgeRef : s.pledgeRef.toLowerCase(),
      cityId: s.cityId && isUuid(s.cityId) ? s.cityId : null,
      versionNumber: s.versionNumber,
      scope: s.scope,
      // As JSON: one parameter, whichever driver.
      chosen: s.areaKeys ? JSON.stringify(s.areaKeys) : null,
      id: s.id,
      signatoryName: s.signatory.name,
      signatoryTitle: s.signatory.title,
      signatoryEmail: s.signatory.email,
      statement: s.statement,
      language: s.language,
      at: s.at.toISOString(),
      mailSubject: s.mail.subject,
      mailText: s.mail.text,
      mailDedupePrefix: s.mail.dedupePrefix,
      auditId: s.audit.id,
      auditExtra: JSON.stringify(s.audit.extra),
      requestId: s.audit.requestId,
    }),
  );
  if (!row) return undefined;
  return {
    pledgeId: row.pledge_id as string,
    slug: row.slug as string,
    versionId: row.version_id as string,
    versionNumber: Number(row.version_number),
    contentHash: row.content_hash as string,
    areaKeys: jsonColumn<string[]>(row.area_keys),
    city: {
      id: row.city_id as string,
      name: row.city_name as string,
      country: row.country as string,
      region: row.region as string,
    },
    actorId: (row.actor_id as string | null) ?? null,
    actorRole: row.actor_role as string,
  };
}
