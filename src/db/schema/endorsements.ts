import { type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { cities } from './cities.js';
import { pledges, pledgeVersions } from './pledges.js';
import { bytea } from './types.js';
import { users } from './users.js';

export const endorsementStatuses = ['submitted', 'verified', 'rejected', 'withdrawn'] as const;
export type EndorsementStatus = (typeof endorsementStatuses)[number];
/**
 * "Live": neither withdrawn nor rejected. The one definition of the rule: the partial unique index
 * below, and every module (through endorsements/endorsement.rules.ts), build on it.
 */
export const liveStatuses = ['submitted', 'verified'] as const satisfies readonly EndorsementStatus[];

/**
 * `<status> IN ('submitted', 'verified')`, with literals rather than parameters: the planner can
 * match a partial index's predicate only against constants.
 */
export function isLiveSql(status: SQLWrapper): SQL {
  return sql`${status} IN (${sql.raw(liveStatuses.map((s) => `'${s}'`).join(', '))})`;
}
export const endorsementScopes = ['whole', 'areas'] as const;
export const endorsementLanguages = ['en', 'es', 'fr'] as const;
export const progressStages = ['planning', 'in_progress', 'fulfilled', 'dropped'] as const;

export const endorsements = pgTable(
  'endorsements',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    pledgeId: uuid('pledge_id')
      .notNull()
      .references(() => pledges.id, { onDelete: 'restrict' }),
    cityId: uuid('city_id')
      .notNull()
      .references(() => cities.id, { onDelete: 'restrict' }),
    versionId: uuid('version_id')
      .notNull()
      .references(() => pledgeVersions.id, { onDelete: 'restrict' }),
    versionNumber: integer('version_number').notNull(),
    /** The fingerprint of the exact text endorsed. */
    contentHash: text('content_hash').notNull(),
    scope: text('scope', { enum: endorsementScopes }).notNull(),
    /** Every area of the version for `whole`; the chosen ones for `areas`. */
    areaKeys: jsonb('area_keys').$type<string[]>().notNull(),
    signatoryName: text('signatory_name').notNull(),
    signatoryTitle: text('signatory_title').notNull(),
    signatoryEmail: text('signatory_email'),
    statement: text('statement'),
    language: text('language', { enum: endorsementLanguages }).notNull(),
    status: text('status', { enum: endorsementStatuses }).notNull().default('submitted'),
    revision: integer('revision').notNull().default(1),
    /** Submitted by the secretariat on the city's behalf. */
    onBehalf: boolean('on_behalf').notNull().default(false),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    submittedAt: timestamp('submitted_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    verifiedAt: timestamp('verified_at', { withTimezone: true, mode: 'date' }),
    decidedBy: uuid('decided_by').references(() => users.id, { onDelete: 'set null' }),
    decisionNote: text('decision_note'),
    withdrawnAt: timestamp('withdrawn_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    // One live endorsement per city per pledge, whatever the concurrency of submissions.
    uniqueIndex('endorsements_one_live_per_city')
      .on(t.pledgeId, t.cityId)
      .where(isLiveSql(sql`status`)),
    index('endorsements_pledge_status_verified').on(t.pledgeId, t.status, t.verifiedAt),
    index('endorsements_city').on(t.cityId),
    index('endorsements_pledge_created').on(t.pledgeId, t.createdAt),
    // The verification queue: one status, by submission, oldest first (and its counts per status),
    // read a page at a time rather than sorting every endorsement awaiting verification.
    index('endorsements_status_submitted').on(t.status, t.submittedAt, t.id),
  ],
);

/** The public history: one row per change, with who, when, what and why. */
export const endorsementRevisions = pgTable(
  'endorsement_revisions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    endorsementId: uuid('endorsement_id')
      .notNull()
      .references(() => endorsements.id, { onDelete: 'cascade' }),
    revision: integer('revision').notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
    actorId: uuid('actor_id').references(() => users.id, { onDelete: 'set null' }),
    actorRole: text('actor_role').notNull(),
    action: text('action').notNull(),
    status: text('status', { enum: endorsementStatuses }).notNull(),
    scope: text('scope', { enum: endorsementScopes }).notNull(),
    areaKeys: jsonb('area_keys').$type<string[]>().notNull(),
    versionNumber: integer('version_number').notNull(),
    contentHash: text('content_hash').notNull(),
    reason: text('reason'),
  },
  (t) => [uniqueIndex('endorsement_revisions_key').on(t.endorsementId, t.revision)],
);

/** Kept in the database so that every instance serves the same file. */
export const mandateDocuments = pgTable('mandate_documents', {
  endorsementId: uuid('endorsement_id')
    .primaryKey()
    .references(() => endorsements.id, { onDelete: 'cascade' }),
  content: bytea('content').notNull(),
  sha256: text('sha256').notNull(),
  size: bigint('size', { mode: 'number' }).notNull(),
  mediaType: text('media_type').notNull(),
  uploadedBy: uuid('uploaded_by').references(() => users.id, { onDelete: 'set null' }),
  uploadedAt: timestamp('uploaded_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

export const progressUpdates = pgTable(
  'progress_updates',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    endorsementId: uuid('endorsement_id')
      .notNull()
      .references(() => endorsements.id, { onDelete: 'cascade' }),
    areaKey: text('area_key').notNull(),
    stage: text('stage', { enum: progressStages }).notNull(),
    narrative: text('narrative').notNull(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('progress_updates_endorsement_area').on(t.endorsementId, t.areaKey, t.createdAt)],
);

/** Stored responses of POSTs sent with an Idempotency-Key, so a retry gets the first answer. */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    scope: text('scope').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    responseStatus: integer('response_status'),
    responseBody: jsonb('response_body'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('idempotency_keys_user_scope_key').on(t.userId, t.scope, t.key)],
);
