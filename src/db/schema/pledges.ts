import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from './users.js';

/** Text in English, optionally Spanish and French. */
export interface Localised {
  en: string;
  es?: string;
  fr?: string;
}

export const versionStatuses = [
  'draft',
  'in_review',
  'changes_requested',
  'validated',
  'published',
  'superseded',
] as const;
export type VersionStatus = (typeof versionStatuses)[number];

export const pledges = pgTable('pledges', {
  id: uuid('id').primaryKey().defaultRandom(),
  slug: text('slug').notNull().unique(),
  title: jsonb('title').$type<Localised>().notNull(),
  requireMandateDocument: boolean('require_mandate_document').notNull().default(false),
  createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

export const pledgeVersions = pgTable(
  'pledge_versions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    pledgeId: uuid('pledge_id')
      .notNull()
      .references(() => pledges.id, { onDelete: 'cascade' }),
    number: integer('number').notNull(),
    status: text('status', { enum: versionStatuses }).notNull().default('draft'),
    preamble: jsonb('preamble').$type<Localised>().notNull(),
    /** Bumped by every content edit; with the number it makes the ETag. */
    revision: integer('revision').notNull().default(1),
    copiedFrom: integer('copied_from'),
    /** SHA-256 of the RFC 8785 canonical content, set once when the version leaves draft. */
    contentHash: text('content_hash'),
    frozenAt: timestamp('frozen_at', { withTimezone: true, mode: 'date' }),
    publishedAt: timestamp('published_at', { withTimezone: true, mode: 'date' }),
    publishOverrideReason: text('publish_override_reason'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('pledge_versions_pledge_number_key').on(t.pledgeId, t.number),
    // At most one published version per pledge, whatever the concurrency of publish calls.
    uniqueIndex('pledge_versions_one_published')
      .on(t.pledgeId)
      .where(sql`status = 'published'`),
  ],
);

export const actionAreas = pgTable(
  'action_areas',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    versionId: uuid('version_id')
      .notNull()
      .references(() => pledgeVersions.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    position: integer('position').notNull(),
    title: jsonb('title').$type<Localised>().notNull(),
    description: jsonb('description').$type<Localised>().notNull(),
    commitments: jsonb('commitments').$type<Localised[]>().notNull().default([]),
    gcmObjectives: jsonb('gcm_objectives').$type<number[]>().notNull().default([]),
    gcrAreas: jsonb('gcr_areas').$type<string[]>().notNull().default([]),
    sdgTargets: jsonb('sdg_targets').$type<string[]>().notNull().default([]),
  },
  (t) => [
    uniqueIndex('action_areas_version_key').on(t.versionId, t.key),
    index('action_areas_version_position').on(t.versionId, t.position),
  ],
);
