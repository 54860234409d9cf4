import { and, asc, desc, eq, gt, gte, lt, lte, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { rowsOf } from '../../db/tx.js';
import { auditChainHead, auditEvents } from '../../db/schema/index.js';

const HEAD_ID = 1;

export async function findHead(db: Db) {
  const [head] = await db.select().from(auditChainHead).where(eq(auditChainHead.id, HEAD_ID));
  return head;
}

/** The chain head, row-locked until the transaction ends (created empty on first use). */
export async function lockHead(db: Db, genesisHash: string): Promise<{ lastSeq: number; lastHash: string; count: number }> {
  const [row] = rowsOf<{ last_seq: string | number; last_hash: string; count: string | number }>(
    await db.execute(sql`
      INSERT INTO ${auditChainHead} (id, last_seq, last_hash, count) VALUES (${HEAD_ID}, 0, ${genesisHash}, 0)
      ON CONFLICT (id) DO UPDATE SET id = excluded.id
      RETURNING last_seq, last_hash, count`),
  );
  return { lastSeq: Number(row!.last_seq), lastHash: row!.last_hash, count: Number(row!.count) };
}

/** Inserts the event and moves the chain head to it, in one statement (one round trip). */
export async function appendEvent(db: Db, event: typeof auditEvents.$inferInsert & { at: Date }, count: number): Promise<void> {
  await db.execute(sql`
    WITH ins AS (
      INSERT INTO ${auditEvents} (id, at, actor_id, actor_role, action, entity_type, entity_id, summary, request_id, prev_hash, hash)
      VALUES (${event.id}, ${event.at.toISOString()}::timestamptz, ${event.actorId ?? null}, ${event.actorRole}, ${event.action}, ${event.entityType},
              ${event.entityId ?? null}, ${JSON.stringify(event.summary)}::jsonb, ${event.requestId ?? null}, ${event.prevHash}, ${event.hash})
      RETURNING seq)
    INSERT INTO ${auditChainHead} (id, last_seq, last_hash, count)
    SELECT ${HEAD_ID}, seq, ${event.hash}, ${count} FROM ins
    ON CONFLICT (id) DO UPDATE SET last_seq = excluded.last_seq, last_hash = excluded.last_hash, count = excluded.count`);
}

export async function eventsAfter(db: Db, afterSeq: number, limit: number) {
  return db.select().from(auditEvents).where(gt(auditEvents.seq, afterSeq)).orderBy(asc(auditEvents.seq)).limit(limit);
}

export interface AuditFilters {
  entityType?: string;
  entityId?: string;
  actor?: string;
  from?: Date;
  to?: Date;
  beforeSeq?: number;
  limit: number;
}

export async function listEvents(db: Db, f: AuditFilters) {
  const conditions: SQL[] = [];
  if (f.entityType) conditions.push(eq(auditEvents.entityType, f.entityType));
  if (f.entityId) conditions.push(eq(auditEvents.entityId, f.entityId));
  if (f.actor) conditions.push(eq(auditEvents.actorId, f.actor));
  if (f.from) conditions.push(gte(auditEvents.at, f.from));
  if (f.to) conditions.push(lte(auditEvents.at, f.to));
  if (f.beforeSeq !== undefined) conditions.push(lt(auditEvents.seq, f.beforeSeq));
  return db
    .select()
    .from(auditEvents)
    .where(and(...conditions))
    .orderBy(desc(auditEvents.seq))
    .limit(f.limit + 1);
}
