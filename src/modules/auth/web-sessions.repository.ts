import { and, eq, gt, lte, ne, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { preparedQuery } from '../../db/prepared.js';
import { users, webSessions } from '../../db/schema/index.js';
import type { Language } from '../../lib/countries.js';

export async function insertWebSession(db: Db, values: typeof webSessions.$inferInsert): Promise<void> {
  await db.insert(webSessions).values(values);
}

// Every page a signed-in person opens runs this: the session, if unexpired, with its user, if active.
const sessionWithUser = preparedQuery('web_session_with_user', (db) =>
  db
    .select({
      userId: users.id,
      name: users.name,
      email: users.email,
      role: users.role,
      cityId: users.cityId,
      networkId: users.networkId,
      userLanguage: users.language,
      sessionLanguage: webSessions.language,
      expiresAt: webSessions.expiresAt,
    })
    .from(webSessions)
    .innerJoin(users, eq(users.id, webSessions.userId))
    .where(
      and(
        eq(webSessions.idHash, sql.placeholder('idHash')),
        gt(webSessions.expiresAt, sql`now()`),
        eq(users.active, true),
      ),
    ),
);

export async function findLiveWebSession(db: Db, idHash: string) {
  const [row] = await sessionWithUser(db).execute({ idHash });
  return row;
}

/** Deletes a session; its user's id when there was one. */
export async function deleteWebSession(db: Db, idHash: string): Promise<string | undefined> {
  const [row] = await db
    .delete(webSessions)
    .where(eq(webSessions.idHash, idHash))
    .returning({ userId: webSessions.userId });
  return row?.userId;
}

/** Every session of a user but one (a changed password signs out the other browsers). */
export async function deleteOtherWebSessions(db: Db, userId: string, keepIdHash: string): Promise<void> {
  await db.delete(webSessions).where(and(eq(webSessions.userId, userId), ne(webSessions.idHash, keepIdHash)));
}

export async function deleteExpiredWebSessions(db: Db): Promise<void> {
  await db.delete(webSessions).where(lte(webSessions.expiresAt, sql`now()`));
}

export async function setWebSessionLanguage(db: Db, idHash: string, language: Language | null): Promise<void> {
  await db.update(webSessions).set({ language }).where(eq(webSessions.idHash, idHash));
}
