import { and, desc, eq, gt, gte, lt, lte, asc, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { auditChainHead, auditEvents } from '../../db/schema/index.js';

const HEAD_ID = 1;

export async function findHead(db: Db) {
  const [head] = await db.select().from(auditChainHead).where(eq(auditChainHead.id, HEAD_ID));
  return head;
}

export async function saveHead(db: Db, head: { lastSeq: number; lastHash: string; count: number }) {
  await db
    .insert(auditChainHead)
    .values({ id: HEAD_ID, ...head })
    .onConflictDoUpdate({ target: auditChainHead.id, set: head });
}

export async function insertEvent(db: Db, event: typeof auditEvents.$inferInsert): Promise<number> {
  const [row] = await db.insert(auditEvents).values(event).returning({ seq: auditEvents.seq });
  return row!.seq;
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
