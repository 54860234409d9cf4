import { randomUUID } from 'node:crypto';
import { withTx } from '../../db/tx.js';
import type { Db } from '../../db/client.js';
import type { Actor, ServiceContext } from '../../lib/actor.js';
import { actorUserId } from '../../lib/actor.js';
import { canonicalSha256 } from '../../lib/hash.js';
import * as repo from './audit.repository.js';

/** The hash that the first event links to. */
export const GENESIS_HASH = '0'.repeat(64);

export interface AuditInput {
  action: string;
  entityType: string;
  entityId?: string | null;
  /** Before/after or other facts about the change; never secrets. Must be JSON. */
  summary?: Record<string, unknown>;
}

interface HashedFields {
  id: string;
  at: Date;
  actorId: string | null;
  actorRole: string;
  action: string;
  entityType: string;
  entityId: string | null;
  summary: unknown;
  requestId: string | null;
  prevHash: string;
}

/** What an event's hash covers: every field of it, and the previous event's hash. */
export function hashAuditEvent(e: HashedFields): string {
  return canonicalSha256({
    id: e.id,
    at: e.at.toISOString(),
    actorId: e.actorId,
    actorRole: e.actorRole,
    action: e.action,
    entityType: e.entityType,
    entityId: e.entityId,
    summary: e.summary,
    requestId: e.requestId,
    prevHash: e.prevHash,
  });
}

function actorRole(actor: Actor): string {
  return actor.kind;
}

/**
 * Appends one event in the caller's transaction (or its own), so the event exists exactly when
 * the change it records does. Call it last in a transaction: it holds the chain lock to commit.
 */
export async function recordAudit(ctx: ServiceContext, input: AuditInput): Promise<void> {
  await withTx(ctx, async (tx) => {
    // Locks the head row until commit: appends queue up here, and the row they read is always
    // the newest committed one (an UPDATE in READ COMMITTED re-reads a row it waited for).
    const head = await repo.lockHead(tx.db, GENESIS_HASH);
    const summary = JSON.parse(
      JSON.stringify({
        ...(input.summary ?? {}),
        ...(ctx.actor.kind === 'system' ? { by: ctx.actor.label } : {}),
      }),
    ) as Record<string, unknown>;
    const fields: HashedFields = {
      id: randomUUID(),
      at: new Date(),
      actorId: actorUserId(ctx.actor),
      actorRole: actorRole(ctx.actor),
      action: input.action,
      entityType: input.entityType,
      entityId: input.entityId ?? null,
      summary,
      requestId: ctx.requestId ?? null,
      prevHash: head.lastHash,
    };
    const hash = hashAuditEvent(fields);
    await repo.appendEvent(tx.db, { ...fields, hash }, head.count + 1);
  });
}

export interface ChainVerification {
  ok: boolean;
  checked: number;
  firstBadEventId: string | null;
  reason: string | null;
}

/** Recomputes every hash in order; the first event that does not match is reported. */
export async function verifyAuditChain(ctx: ServiceContext, batchSize = 1_000): Promise<ChainVerification> {
  if (ctx.inTx) return verifyChainIn(ctx.db, batchSize);
  // One snapshot for the events and the head: an event appended (with its head update) between
  // reading the last batch and reading the head would otherwise look like removed events.
  return ctx.db.transaction((tx) => verifyChainIn(tx as unknown as Db, batchSize), {
    isolationLevel: 'repeatable read',
    accessMode: 'read only',
  });
}

async function verifyChainIn(db: Db, batchSize: number): Promise<ChainVerification> {
  let expectedPrev = GENESIS_HASH;
  let checked = 0;
  let afterSeq = 0;
  let lastSeq = 0;
  for (;;) {
    const batch = await repo.eventsAfter(db, afterSeq, batchSize);
    for (const event of batch) {
      checked++;
      if (event.prevHash !== expectedPrev) {
        return { ok: false, checked, firstBadEventId: event.id, reason: 'the event does not link to the one before it (an event was removed or edited)' };
      }
      if (hashAuditEvent(event) !== event.hash) {
        return { ok: false, checked, firstBadEventId: event.id, reason: 'the event was altered after it was written' };
      }
      expectedPrev = event.hash;
      lastSeq = event.seq;
    }
    if (batch.length < batchSize) break;
    afterSeq = batch[batch.length - 1]!.seq;
  }
  const head = await repo.findHead(db);
  const headMatches = head
    ? head.lastHash === expectedPrev && head.lastSeq === lastSeq && head.count === checked
    : checked === 0;
  if (!headMatches) {
    return { ok: false, checked, firstBadEventId: null, reason: 'the newest events were removed: the chain ends before its recorded head' };
  }
  return { ok: true, checked, firstBadEventId: null, reason: null };
}
