import { index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { pledges } from './pledges.js';
import { bytea } from './types.js';
import { users } from './users.js';

/** A frozen report: its exact CSV bytes and their SHA-256, so a published figure can be reproduced. */
export const reportSnapshots = pgTable(
  'report_snapshots',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    pledgeId: uuid('pledge_id')
      .notNull()
      .references(() => pledges.id, { onDelete: 'restrict' }),
    filters: jsonb('filters').notNull(),
    content: bytea('content').notNull(),
    sha256: text('sha256').notNull(),
    rowCount: integer('row_count').notNull(),
    /** The network the report was limited to (a reviewer's snapshot), or null for the secretariat's. */
    networkId: uuid('network_id'),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('report_snapshots_pledge').on(t.pledgeId, t.createdAt)],
);
