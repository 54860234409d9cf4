import { and, asc, eq, gt, ilike, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { preparedQuery } from '../../db/prepared.js';
import { isUuid } from '../../lib/ids.js';
import { refreshTokens, users, type Role } from '../../db/schema/index.js';

export type UserRow = typeof users.$inferSelect;

// Every authenticated request runs this.
const activeUserScope = preparedQuery('user_active_scope', (db) =>
  db
    .select({ id: users.id, role: users.role, cityId: users.cityId, networkId: users.networkId })
    .from(users)
    .where(and(eq(users.id, sql.placeholder('id')), eq(users.active, true))),
);

export async function findActiveUserScope(db: Db, id: string) {
  if (!isUuid(id)) return undefined;
  const [row] = await activeUserScope(db).execute({ id });
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
