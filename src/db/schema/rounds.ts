import { sql } from 'drizzle-orm';
import { boolean, index, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { networks } from './networks.js';
import { pledgeVersions } from './pledges.js';
import { users } from './users.js';

export const roundStatuses = ['open', 'closed'] as const;
export const roundOutcomes = ['approved', 'changes_requested'] as const;
export const verdicts = ['approve', 'request_changes'] as const;
export const resolutionStatuses = ['accepted', 'rejected', 'noted'] as const;

export const validationRounds = pgTable(
  'validation_rounds',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    versionId: uuid('version_id')
      .notNull()
      .references(() => pledgeVersions.id, { onDelete: 'cascade' }),
    status: text('status', { enum: roundStatuses }).notNull().default('open'),
    deadline: timestamp('deadline', { withTimezone: true, mode: 'date' }).notNull(),
    outcome: text('outcome', { enum: roundOutcomes }),
    forced: boolean('forced').notNull().default(false),
    openedBy: uuid('opened_by').references(() => users.id, { onDelete: 'set null' }),
    openedAt: timestamp('opened_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    closedBy: uuid('closed_by').references(() => users.id, { onDelete: 'set null' }),
    closedAt: timestamp('closed_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    // One open round per version at a time.
    uniqueIndex('validation_rounds_one_open')
      .on(t.versionId)
      .where(sql`status = 'open'`),
    index('validation_rounds_version').on(t.versionId),
  ],
);

export const roundNetworks = pgTable(
  'round_networks',
  {
    roundId: uuid('round_id')
      .notNull()
      .references(() => validationRounds.id, { onDelete: 'cascade' }),
    networkId: uuid('network_id')
      .notNull()
      .references(() => networks.id, { onDelete: 'restrict' }),
    verdict: text('verdict', { enum: verdicts }),
    summary: text('summary'),
    late: boolean('late').notNull().default(false),
    decidedBy: uuid('decided_by').references(() => users.id, { onDelete: 'set null' }),
    decidedAt: timestamp('decided_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [primaryKey({ columns: [t.roundId, t.networkId] })],
);

export const roundComments = pgTable(
  'round_comments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    roundId: uuid('round_id')
      .notNull()
      .references(() => validationRounds.id, { onDelete: 'cascade' }),
    networkId: uuid('network_id')
      .notNull()
      .references(() => networks.id, { onDelete: 'restrict' }),
    authorId: uuid('author_id').references(() => users.id, { onDelete: 'set null' }),
    areaKey: text('area_key'),
    body: text('body').notNull(),
    late: boolean('late').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    resolutionStatus: text('resolution_status', { enum: resolutionStatuses }),
    resolutionResponse: text('resolution_response'),
    resolvedBy: uuid('resolved_by').references(() => users.id, { onDelete: 'set null' }),
    resolvedAt: timestamp('resolved_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('round_comments_round').on(t.roundId, t.createdAt)],
);
