import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from './users.js';

/**
 * The portal's sign-in sessions. The browser holds an opaque random id in a cookie; only its
 * SHA-256 is kept here, so a copy of this table signs nobody in. Kept in the database so that
 * every instance behind a load balancer knows every session, and so that signing out (or a
 * deactivation, which the lookup checks) takes effect everywhere at once.
 */
export const webSessions = pgTable(
  'web_sessions',
  {
    idHash: text('id_hash').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The language chosen with the switcher during this session (null: the user's preference). */
    language: text('language', { enum: ['en', 'es', 'fr'] }),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('web_sessions_user_idx').on(t.userId), index('web_sessions_expires_idx').on(t.expiresAt)],
);
