import { and, asc, eq, exists, gt, ilike, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { preparedQuery } from '../../db/prepared.js';
import { isUuid } from '../../lib/ids.js';
import { refreshTokens, users, type Role } from '../../db/schema/index.js';

export type UserRow = typeof users.$inferSelect;

// Every authenticated request runs this. A session is a refresh-token family: signing out, a
// reused refresh token or a deactivation revokes every token of it, and with them its access
// tokens, read here in the same statement as the user.
const activeSessionScope = preparedQuery('user_active_session_scope', (db) =>
  db
    .select({ id: users.id, role: users.role, cityId: users.cityId, networkId: users.networkId })
    .from(users)
    .where(
      and(
        eq(users.id, sql.placeholder('id')),
        eq(users.active, true),
        exists(
          db
            .select({ one: sql`1` })
            .from(refreshTokens)
            .where(
              and(
                eq(refreshTokens.familyId, sql.placeholder('sessionId')),
                eq(refreshTokens.userId, users.id),
                isNull(refreshTokens.revokedAt),
              ),
            ),
        ),
      ),
    ),
);

/** The scope of an active user whose session is still live; undefined otherwise. */
export async function findActiveSessionScope(db: Db, id: string, sessionId: string) {
  if (!isUuid(id) || !isUuid(sessionId)) return undefined;
  const [row] = await activeSessionScope(db).execute({ id, sessionId });
  return row;
}

export async function findUserById(db: Db, id: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, id));
  return row;
}

export async function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  const [row] = await db
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = ${email.toLowerCase()}`);
  return row;
}

export async function insertUser(db: Db, values: typeof users.$inferInsert): Promise<UserRow> {
  const [row] = await db.insert(users).values(values).returning();
  return row!;
}

export async function updateUser(
  db: Db,
  id: string,
  set: Partial<typeof users.$inferInsert>,
): Promise<UserRow | undefined> {
  const [row] = await db
    .update(users)
    .set({ ...set, updatedAt: new Date() })
    .where(eq(users.id, id))
    .returning();
  return row;
}

export async function revokeAllRefreshTokensOfUser(db: Db, userId: string): Promise<void> {
  await db
    .update(refreshTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(refreshTokens.userId, userId), sql`${refreshTokens.revokedAt} IS NULL`));
}

export interface UserFilters {
  role?: Role;
  active?: boolean;
  q?: string;
  after?: [string, string];
  limit: number;
}

export async function listUsers(db: Db, f: UserFilters): Promise<UserRow[]> {
  const conditions: SQL[] = [];
  if (f.role) conditions.push(eq(users.role, f.role));
  if (f.active !== undefined) conditions.push(eq(users.active, f.active));
  if (f.q) {
    const like = `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conditions.push(or(ilike(users.name, like), ilike(users.email, like))!);
  }
  if (f.after) {
    const [email, id] = f.after;
    conditions.push(
      or(gt(sql`lower(${users.email})`, email), and(eq(sql`lower(${users.email})`, email), gt(users.id, id)))!,
    );
  }
  return db
    .select()
    .from(users)
    .where(and(...conditions))
    .orderBy(asc(sql`lower(${users.email})`), asc(users.id))
    .limit(f.limit + 1);
}
