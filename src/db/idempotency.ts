import { and, eq } from 'drizzle-orm';
import type { Db } from './client.js';
import { idempotencyKeys } from './schema/index.js';
import { ConflictError, ValidationError } from '../lib/errors.js';
import { canonicalSha256 } from '../lib/hash.js';

export interface StoredResponse<T> {
  status: number;
  body: T;
  replayed: boolean;
}

/**
 * Runs a create at most once per (user, scope, Idempotency-Key), inside the caller's
 * transaction. The key row is inserted first: a concurrent retry waits on its unique index
 * until this transaction ends, then replays the stored answer. The same key with another body
 * is a 409. If the create fails, the transaction rolls back and the key is free again.
 */
export async function runIdempotent<T>(
  db: Db,
  opts: { userId: string | null; scope: string; key: string | undefined; request: unknown },
  create: () => Promise<{ status: number; body: T }>,
): Promise<StoredResponse<T>> {
  if (!opts.key || !opts.userId) return { ...(await create()), replayed: false };
  if (!/^[\x21-\x7e]{1,200}$/.test(opts.key)) {
    throw new ValidationError('Invalid Idempotency-Key.', [
      { path: 'headers.idempotency-key', message: '1–200 visible ASCII characters' },
    ]);
  }
  const requestHash = canonicalSha256(opts.request ?? null);
  const inserted = await db
    .insert(idempotencyKeys)
    .values({ userId: opts.userId, scope: opts.scope, key: opts.key, requestHash })
    .onConflictDoNothing()
    .returning({ id: idempotencyKeys.id });
  if (inserted.length === 0) {
    const [existing] = await db
      .select()
      .from(idempotencyKeys)
      .where(
        and(
          eq(idempotencyKeys.userId, opts.userId),
          eq(idempotencyKeys.scope, opts.scope),
          eq(idempotencyKeys.key, opts.key),
        ),
      );
    if (!existing || existing.requestHash !== requestHash || existing.responseStatus === null) {
      throw new ConflictError('This Idempotency-Key was already used with a different request.');
    }
    return { status: existing.responseStatus, body: existing.responseBody as T, replayed: true };
  }
  const result = await create();
  await db
    .update(idempotencyKeys)
    .set({ responseStatus: result.status, responseBody: result.body as never })
    .where(eq(idempotencyKeys.id, inserted[0]!.id));
  return { ...result, replayed: false };
}
