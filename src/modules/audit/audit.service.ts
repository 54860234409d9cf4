import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import type { Actor } from '../../lib/actor.js';
import { nowOf, type ServiceContext } from '../context.js';
import { actorUserId } from '../../lib/actor.js';
import { requireSecretariat } from '../../lib/authorize.js';
import { canonicalSha256 } from '../../lib/hash.js';
import { decodeCursor, toPage } from '../../lib/pagination.js';
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
 * Writes one event in the caller's transaction (or its own), so the event exists exactly when
 * the change it records does. It is one INSERT with no lock: the event joins the hash chain when
 * `sealAuditChain` runs (right after, from the background job, and before any audit read).
 */
export async function recordAudit(ctx: ServiceContext, input: AuditInput): Promise<void> {
  await repo.insertEvent(ctx, auditEventRow(ctx, input));
}

/** The row `recordAudit` writes. */
function auditEventRow(ctx: Pick<ServiceContext, 'actor' | 'requestId' | 'now'>, input: AuditInput) {
  const summary = JSON.parse(
    JSON.stringify({
      ...(input.summary ?? {}),
      ...(ctx.actor.kind === 'system' ? { by: ctx.actor.label } : {}),
    }),
  ) as Record<string, unknown>;
  return {
    id: randomUUID(),
    at: nowOf(ctx),
    actorId: actorUserId(ctx.actor),
    actorRole: actorRole(ctx.actor),
    action: input.action,
    entityType: input.entityType,
    entityId: input.entityId ?? null,
    summary,
    requestId: ctx.requestId ?? null,
  };
}

/**
 * Links every committed, unsealed event into the chain, oldest first, in batches. Sealers on
 * several instances queue on the head row's lock; each seals whatever is pending when it gets
 * it, so one transaction seals many events and no request waits for the chain.
 */
export async function sealAuditChain(db: Db, batchSize = 500): Promise<number> {
  let total = 0;
  for (;;) {
    const sealed = await db.transaction(async (tx) => {
      const head = await repo.lockHead(tx, GENESIS_HASH);
      const pending = await repo.unsealedEvents(tx, batchSize);
      if (pending.length === 0) return 0;
      let prevHash = head.lastHash;
      let chainSeq = head.lastSeq;
      const updates = pending.map((event) => {
        chainSeq++;
        const hash = hashAuditEvent({ ...event, prevHash });
        const update = { id: event.id, chainSeq, prevHash, hash };
        prevHash = hash;
        return update;
      });
      await repo.sealEvents(tx, updates, { lastSeq: chainSeq, lastHash: prevHash, count: head.count + pending.length });
      return pending.length;
    });
    total += sealed;
    if (sealed < batchSize) return total;
  }
}

/** The audit log's filters (GET /audit's query, the portal's form). */
export const auditQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
  action: z.string().trim().min(1).max(100).optional(),
  entityType: z.string().trim().min(1).max(100).optional(),
  entityId: z.string().trim().min(1).max(200).optional(),
  actor: z.uuid().optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
});
export type AuditQuery = z.infer<typeof auditQuerySchema>;

/** The audit events, newest first, for the secretariat. */
export async function listAuditEvents(ctx: ServiceContext, q: AuditQuery) {
  requireSecretariat(ctx.actor);
  // What the secretariat reads is chained: seal what the background job has not reached yet.
  await sealAuditChain(ctx.db);
  const [beforeSeq] = (decodeCursor(q.cursor, z.tuple([z.number().int()])) ?? []) as [number?];
  const rows = await repo.listEvents(ctx.db, { ...q, beforeSeq });
  return toPage(
    rows,
    q.limit,
    ({ actorId, actorRole, ...e }) => ({ ...e, actor: { id: actorId, role: actorRole } }),
    (e) => [e.seq],
  );
}

/** Where a chain breaks: a link missing, an event altered, or its newest events removed. */
export type ChainBreak = 'unlinked' | 'altered' | 'truncated';

export interface ChainVerification {
  ok: boolean;
  checked: number;
  firstBadEventId: string | null;
  reason: string | null;
  /** `reason` as a kind, for a reader in any language; null when the chain is intact. */
  breaks: ChainBreak | null;
  /** Events committed after the last seal, not yet in the chain. */
  pending: number;
}

/** Seals what is pending, then recomputes every hash in chain order; reports the first bad event. */
export async function verifyAuditChain(ctx: ServiceContext, batchSize = 1_000): Promise<ChainVerification> {
  requireSecretariat(ctx.actor);
  if (ctx.inTx) return verifyChainIn(ctx.db, batchSize);
  await sealAuditChain(ctx.db);
  // One snapshot for the events and the head: an event sealed (with its head update) between
  // reading the last batch and reading the head would otherwise look like removed events.
  return ctx.db.transaction((tx) => verifyChainIn(tx, batchSize), {
    isolationLevel: 'repeatable read',
    accessMode: 'read only',
  });
}

async function verifyChainIn(db: Db, batchSize: number): Promise<ChainVerification> {
  let expectedPrev = GENESIS_HASH;
  let checked = 0;
  let afterChainSeq = 0;
  let lastChainSeq = 0;
  const pending = await repo.countUnsealed(db);
  for (;;) {
    const batch = await repo.chainAfter(db, afterChainSeq, batchSize);
    for (const event of batch) {
      checked++;
      if (event.prevHash !== expectedPrev || event.chainSeq !== lastChainSeq + 1) {
        return {
          ok: false,
          checked,
          pending,
          firstBadEventId: event.id,
          reason: 'the event does not link to the one before it (an event was removed or edited)',
          breaks: 'unlinked',
        };
      }
      if (hashAuditEvent({ ...event, prevHash: event.prevHash }) !== event.hash) {
        return {
          ok: false,
          checked,
          pending,
          firstBadEventId: event.id,
          reason: 'the event was altered after it was written',
          breaks: 'altered',
        };
      }
      expectedPrev = event.hash!;
      lastChainSeq = event.chainSeq;
    }
    if (batch.length < batchSize) break;
    afterChainSeq = batch[batch.length - 1]!.chainSeq!;
  }
  const head = await repo.findHead(db);
  const headMatches = head
    ? head.lastHash === expectedPrev && head.lastSeq === lastChainSeq && head.count === checked
    : checked === 0;
  if (!headMatches) {
    return {
      ok: false,
      checked,
      pending,
      firstBadEventId: null,
      reason: 'the newest events were removed: the chain ends before its recorded head',
      breaks: 'truncated',
    };
  }
  return { ok: true, checked, pending, firstBadEventId: null, reason: null, breaks: null };
}
