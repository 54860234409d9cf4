import { and, asc, desc, eq, gt, gte, isNull, lt, lte, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { type DbContext, rowsOf } from '../../db/tx.js';
import { write, writeTemplate } from '../../db/writes.js';
import { auditChainHead, auditEvents } from '../../db/schema/index.js';

const HEAD_ID = 1;

export async function findHead(db: Db) {
  const [head] = await db.select().from(auditChainHead).where(eq(auditChainHead.id, HEAD_ID));
  return head;
}

/** The chain head, row-locked until the transaction ends (created empty on first use). */
export async function lockHead(
  db: Db,
  genesisHash: string,
): Promise<{ lastSeq: number; lastHash: string; count: number }> {
  const [row] = rowsOf<{ last_seq: string | number; last_hash: string; count: string | number }>(
    await db.execute(sql`
      INSERT INTO ${auditChainHead} (id, last_seq, last_hash, count) VALUES (${HEAD_ID}, 0, ${genesisHash}, 0)
      ON CONFLICT (id) DO UPDATE SET id = excluded.id
      RETURNING last_seq, last_hash, count`),
  );
  return { lastSeq: Number(row!.last_seq), lastHash: row!.last_hash, count: Number(row!.count) };
}

type NewEvent = Required<Omit<typeof auditEvents.$inferInsert, 'seq' | 'chainSeq' | 'prevHash' | 'hash'>>;

const insertEventTemplate = writeTemplate<NewEvent>('audit_event', (db, p) =>
  db.insert(auditEvents).values({
    id: p('id'),
    at: p('at'),
    actorId: p('actorId'),
    actorRole: p('actorRole'),
    action: p('action'),
    entityType: p('entityType'),
    entityId: p('entityId'),
    summary: p('summary'),
    requestId: p('requestId'),
  }),
);

/** Writes an unsealed event (no chain position yet), with the change's other writes: no lock. */
export async function insertEvent(ctx: DbContext, event: NewEvent): Promise<void> {
  await write(ctx, insertEventTemplate, event);
}

/** The oldest events not yet in the chain, in the order they were written. */
export async function unsealedEvents(db: Db, limit: number) {
  return db.select().from(auditEvents).where(isNull(auditEvents.chainSeq)).orderBy(asc(auditEvents.seq)).limit(limit);
}

export async function countUnsealed(db: Db): Promise<number> {
  return db.$count(auditEvents, isNull(auditEvents.chainSeq));
}

/** Gives a batch of events their chain positions and hashes, and moves the head to the last. */
export async function sealEvents(
  db: Db,
  sealed: Array<{ id: string; chainSeq: number; prevHash: string; hash: string }>,
  head: { lastSeq: number; lastHash: string; count: number },
): Promise<void> {
  // The batch as one JSON parameter: the statement's text stays the same whatever the batch's
  // size, where a VALUES list of 2,000 parameters had to be parsed and planned on every call.
  const batch = sealed.map((e) => ({ id: e.id, chain_seq: e.chainSeq, prev_hash: e.prevHash, hash: e.hash }));
  await db.execute(sql`
    UPDATE ${auditEvents} AS e SET chain_seq = v.chain_seq, prev_hash = v.prev_hash, hash = v.hash
    FROM jsonb_to_recordset(${JSON.stringify(batch)}::jsonb)
      AS v(id uuid, chain_seq bigint, prev_hash text, hash text)
    WHERE e.id = v.id AND e.chain_seq IS NULL`);
  await db.update(auditChainHead).set(head).where(eq(auditChainHead.id, HEAD_ID));
}

/** Sealed events after a chain position, in chain order. */
export async function chainAfter(db: Db, afterChainSeq: number, limit: number) {
  return db
    .select()
    .from(auditEvents)
    .where(gt(auditEvents.chainSeq, afterChainSeq))
    .orderBy(asc(auditEvents.chainSeq))
    .limit(limit);
}

export interface AuditFilters {
  action?: string;
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
  if (f.action) conditions.push(eq(auditEvents.action, f.action));
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
