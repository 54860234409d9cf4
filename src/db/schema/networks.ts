import { pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const networks = pgTable('networks', {
  id: uuid('id').primaryKey().defaultRandom(),
  code: text('code').notNull().unique(),
  name: text('name').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});
