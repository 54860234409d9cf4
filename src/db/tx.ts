import type { Db } from './client.js';
import { PendingWrites } from './writes.js';

/** What a service needs to touch the database; `inTx` marks a handle that is a transaction. */
export interface DbContext {
  db: Db;
  inTx?: boolean;
  /** Writes that nothing reads back before the change ends, queued to go out together (writes.ts). */
  pending?: PendingWrites;
}

/**
 * Runs `fn` with its own queue of writes, sent when it returns: so a service that joins its
 * caller's transaction has written everything by the time the caller reads on.
 */
async function withQueue<C extends DbContext, T>(ctx: C, fn: (ctx: C) => Promise<T>): Promise<T> {
  const pending = new PendingWrites();
  const result = await fn({ ...ctx, pending });
  await pending.flush(ctx.db, ctx.inTx === true);
  return result;
}

/**
 * A change made of writes alone (nothing read back or locked inside it): they are queued and sent
 * as one statement, which PostgreSQL runs atomically, with no BEGIN and COMMIT around it. Inside a
 * caller's transaction, they go out in it when `fn` returns.
 */
export async function inOneStatement<C extends DbContext, T>(ctx: C, fn: (ctx: C) => Promise<T>): Promise<T> {
  return withQueue(ctx, fn);
}

/**
 * Runs `fn` in a transaction, joining the caller's one when there is one, so that a service
 * calling another service still commits (or rolls back) everything together.
 */
export async function withTx<C extends DbContext, T>(ctx: C, fn: (txCtx: C) => Promise<T>): Promise<T> {
  if (ctx.inTx) return withQueue(ctx, fn);
  return ctx.db.transaction((tx) => withQueue({ ...ctx, db: tx, inTx: true }, fn));
}

/** Rows of a raw query, whichever driver ran it (both return `{ rows }`). */
export function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}

/** A json/jsonb column from a raw query: the drivers hand it back parsed, or (rarely) as text. */
export function jsonColumn<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}
