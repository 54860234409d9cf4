import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * Append-only, hash-chained: each event's hash covers the previous event's hash. An event is
 * written in the transaction of the change it records, and sealed into the chain (chain_seq,
 * prev_hash, hash) right after by the sealer, so no write waits for the others to commit.
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    id: uuid('id').notNull().unique(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
    actorId: uuid('actor_id'),
    actorRole: text('actor_role').notNull(),
    action: text('action').notNull(),
    entityType: text('entity_type').notNull(),
    entityId: text('entity_id'),
    summary: jsonb('summary').notNull(),
    requestId: text('request_id'),
    /** Position in the chain: set when the event is sealed, in the order sealing finds them. */
    chainSeq: bigint('chain_seq', { mode: 'number' }),
    prevHash: text('prev_hash'),
    hash: text('hash'),
  },
  (t) => [
    uniqueIndex('audit_events_chain_seq_key').on(t.chainSeq),
    index('audit_events_unsealed')
      .on(t.seq)
      .where(sql`chain_seq IS NULL`),
    index('audit_events_entity_idx').on(t.entityType, t.entityId),
    index('audit_events_actor_idx').on(t.actorId),
    index('audit_events_at_idx').on(t.at),
  ],
);

/**
 * The chain's head, updated with every append. Without it, deleting the newest events would
 * leave a shorter chain that still links up; with it, the verifier knows where the chain ends.
 */
export const auditChainHead = pgTable('audit_chain_head', {
  id: integer('id').primaryKey(),
  /** The chain_seq of the newest sealed event. */
  lastSeq: bigint('last_seq', { mode: 'number' }).notNull(),
  lastHash: text('last_hash').notNull(),
  count: bigint('count', { mode: 'number' }).notNull(),
});
