import { and, desc, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { rowsOf } from '../../db/tx.js';
import { invitations, loginThrottle, refreshTokens } from '../../db/schema/index.js';

export type RefreshTokenRow = typeof refreshTokens.$inferSelect;
export type InvitationRow = typeof invitations.$inferSelect;

export async function insertRefreshToken(db: Db, values: typeof refreshTokens.$inferInsert): Promise<void> {
  await db.insert(refreshTokens).values(values);
}

export async function findRefreshTokenByHash(db: Db, tokenHash: string): Promise<RefreshTokenRow | undefined> {
  const [row] = await db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash));
  return row;
}

/** Marks a token spent; false when another request spent it first (which is a reuse). */
export async function markRefreshTokenUsed(db: Db, id: string): Promise<boolean> {
  const rows = await db
    .update(refreshTokens)
    .set({ usedAt: new Date() })
    .where(and(eq(refreshTokens.id, id), isNull(refreshTokens.usedAt), isNull(refreshTokens.revokedAt)))
    .returning({ id: refreshTokens.id });
  return rows.length === 1;
}

export async function revokeFamily(db: Db, familyId: string): Promise<void> {
  await db
    .update(refreshTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
}

export async function insertInvitation(db: Db, values: typeof invitations.$inferInsert): Promise<InvitationRow> {
  const [row] = await db.insert(invitations).values(values).returning();
  return row!;
}

export async function findInvitationByHash(db: Db, tokenHash: string): Promise<InvitationRow | undefined> {
  const [row] = await db.select().from(invitations).where(eq(invitations.tokenHash, tokenHash));
  return row;
}

/**
 * Invitations not yet accepted whose link still works, newest first, after a (createdAt, id)
 * position; one row more than `limit`, which only says that there is a next page.
 */
export async function listPendingInvitations(
  db: Db,
  f: { now: Date; before?: [Date, string]; limit: number },
): Promise<InvitationRow[]> {
  // Ordered by the time to the millisecond, as a cursor (a JavaScript date) can hold it: the
  // database's microseconds would make rows of the same millisecond fall between two pages.
  const created = sql`date_trunc('milliseconds', ${invitations.createdAt})`;
  const conditions = [isNull(invitations.acceptedAt), gt(invitations.expiresAt, f.now)];
  if (f.before) {
    const [at, id] = f.before;
    const cursorAt = sql`${at.toISOString()}::timestamptz`;
    conditions.push(or(lt(created, cursorAt), and(eq(created, cursorAt), lt(invitations.id, id)))!);
  }
  return db
    .select()
    .from(invitations)
    .where(and(...conditions))
    .orderBy(desc(created), desc(invitations.id))
    .limit(f.limit + 1);
}

/** One use: only the first acceptance changes the row. */
export async function markInvitationAccepted(db: Db, id: string, userId: string): Promise<boolean> {
  const rows = await db
    .update(invitations)
    .set({ acceptedAt: new Date(), acceptedUserId: userId })
    .where(and(eq(invitations.id, id), isNull(invitations.acceptedAt)))
    .returning({ id: invitations.id });
  return rows.length === 1;
}

export async function findThrottleLocks(
  db: Db,
  keys: string[],
): Promise<Array<{ key: string; retryAfterSeconds: number }>> {
  const rows = rowsOf<{ key: string; retry_after: number | string }>(
    await db.execute(sql`
      SELECT key, EXTRACT(EPOCH FROM (locked_until - now()))::float8 AS retry_after
      FROM ${loginThrottle}
      WHERE key IN (${sql.join(
        keys.map((k) => sql`${k}`),
        sql`, `,
      )}) AND locked_until > now()`),
  );
  return rows.map((r) => ({ key: r.key, retryAfterSeconds: Number(r.retry_after) }));
}

/** Counts one failure in a sliding window kept by the database clock (shared by all instances). */
export async function recordThrottleFailure(
  db: Db,
  key: string,
  limit: number,
  windowSeconds: number,
  lockSeconds: number,
): Promise<number> {
  const [row] = rowsOf<{ failures: number | string }>(
    await db.execute(sql`
    INSERT INTO ${loginThrottle} (key, failures, window_started_at, locked_until)
    VALUES (${key}, 1, now(), CASE WHEN 1 >= ${limit} THEN now() + make_interval(secs => ${lockSeconds}) END)
    ON CONFLICT (key) DO UPDATE SET
      failures = CASE WHEN login_throttle.window_started_at < now() - make_interval(secs => ${windowSeconds})
                      THEN 1 ELSE login_throttle.failures + 1 END,
      window_started_at = CASE WHEN login_throttle.window_started_at < now() - make_interval(secs => ${windowSeconds})
                      THEN now() ELSE login_throttle.window_started_at END,
      locked_until = CASE
        WHEN (CASE WHEN login_throttle.window_started_at < now() - make_interval(secs => ${windowSeconds})
                   THEN 1 ELSE login_throttle.failures + 1 END) >= ${limit}
        THEN now() + make_interval(secs => ${lockSeconds})
        ELSE login_throttle.locked_until END
    RETURNING failures`),
  );
  return Number(row?.failures ?? 0);
}

/** Takes back one counted attempt (it succeeded), lifting a lock it alone had caused. */
export async function forgiveThrottleAttempt(db: Db, key: string, limit: number): Promise<void> {
  await db.execute(sql`
    UPDATE ${loginThrottle} SET failures = greatest(failures - 1, 0),
      locked_until = CASE WHEN failures - 1 < ${limit} THEN NULL ELSE locked_until END
    WHERE key = ${key}`);
}

export async function clearThrottle(db: Db, key: string): Promise<void> {
  await db.delete(loginThrottle).where(eq(loginThrottle.key, key));
}
