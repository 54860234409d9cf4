import type { Db } from './client.js';

/** What a service needs to touch the database; `inTx` marks a handle that is a transaction. */
export interface DbContext {
  db: Db;
  inTx?: boolean;
}

/**
 * Runs `fn` in a transaction, joining the caller's one when there is one, so that a service
 * calling another service still commits (or rolls back) everything together.
 */
export async function withTx<C extends DbContext, T>(ctx: C, fn: (txCtx: C) => Promise<T>): Promise<T> {
  if (ctx.inTx) return fn(ctx);
  return ctx.db.transaction(async (tx) => fn({ ...ctx, db: tx, inTx: true }));
}

/** Rows of a raw query, whichever driver ran it (both return `{ rows }`). */
export function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}

/** A json/jsonb column from a raw query: the drivers hand it back parsed, or (rarely) as text. */
export function jsonColumn<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}
