import { and, asc, desc, eq, inArray, isNull, lte, gt, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { preparedQuery } from '../../db/prepared.js';
import {
  networks,
  pledges,
  pledgeVersions,
  roundComments,
  roundNetworks,
  users,
  validationRounds,
} from '../../db/schema/index.js';

export type RoundRow = typeof validationRounds.$inferSelect;
export type CommentRow = typeof roundComments.$inferSelect;

export async function findRound(db: Db, id: string, forUpdate = false): Promise<RoundRow | undefined> {
  const query = db.select().from(validationRounds).where(eq(validationRounds.id, id));
  const [row] = forUpdate ? await query.for('update') : await query;
  return row;
}

export async function findOpenRoundOfVersion(db: Db, versionId: string): Promise<RoundRow | undefined> {
  const [row] = await db
    .select()
    .from(validationRounds)
    .where(and(eq(validationRounds.versionId, versionId), eq(validationRounds.status, 'open')));
  return row;
}

export async function insertRound(db: Db, values: typeof validationRounds.$inferInsert): Promise<RoundRow> {
  const [row] = await db.insert(validationRounds).values(values).returning();
  return row!;
}

export async function updateRound(
  db: Db,
  id: string,
  set: Partial<typeof validationRounds.$inferInsert>,
): Promise<RoundRow> {
  const [row] = await db.update(validationRounds).set(set).where(eq(validationRounds.id, id)).returning();
  return row!;
}

export async function insertRoundNetworks(db: Db, roundId: string, networkIds: string[]): Promise<void> {
  await db.insert(roundNetworks).values(networkIds.map((networkId) => ({ roundId, networkId })));
}

export async function roundNetworksOf(db: Db, roundId: string) {
  return db
    .select({
      networkId: roundNetworks.networkId,
      code: networks.code,
      name: networks.name,
      verdict: roundNetworks.verdict,
      summary: roundNetworks.summary,
      late: roundNetworks.late,
      decidedAt: roundNetworks.decidedAt,
    })
    .from(roundNetworks)
    .innerJoin(networks, eq(networks.id, roundNetworks.networkId))
    .where(eq(roundNetworks.roundId, roundId))
    .orderBy(asc(networks.code));
}

export async function setVerdict(
  db: Db,
  roundId: string,
  networkId: string,
  set: Partial<typeof roundNetworks.$inferInsert>,
): Promise<void> {
  await db
    .update(roundNetworks)
    .set(set)
    .where(and(eq(roundNetworks.roundId, roundId), eq(roundNetworks.networkId, networkId)));
}

export async function insertComment(db: Db, values: typeof roundComments.$inferInsert): Promise<CommentRow> {
  const [row] = await db.insert(roundComments).values(values).returning();
  return row!;
}

export async function findComment(db: Db, roundId: string, commentId: string): Promise<CommentRow | undefined> {
  const [row] = await db
    .select()
    .from(roundComments)
    .where(and(eq(roundComments.roundId, roundId), eq(roundComments.id, commentId)));
  return row;
}

export async function updateComment(
  db: Db,
  id: string,
  set: Partial<typeof roundComments.$inferInsert>,
): Promise<CommentRow> {
  const [row] = await db.update(roundComments).set(set).where(eq(roundComments.id, id)).returning();
  return row!;
}

export async function commentsOf(
  db: Db,
  roundId: string,
  f: { networkId?: string; areaKey?: string; resolved?: boolean } = {},
) {
  const conditions = [eq(roundComments.roundId, roundId)];
  if (f.networkId) conditions.push(eq(roundComments.networkId, f.networkId));
  if (f.areaKey !== undefined) conditions.push(eq(roundComments.areaKey, f.areaKey));
  if (f.resolved !== undefined)
    conditions.push(
      f.resolved ? sql`${roundComments.resolutionStatus} IS NOT NULL` : isNull(roundComments.resolutionStatus),
    );
  return db
    .select({ comment: roundComments, code: networks.code })
    .from(roundComments)
    .innerJoin(networks, eq(networks.id, roundComments.networkId))
    .where(and(...conditions))
    .orderBy(asc(roundComments.createdAt), asc(roundComments.id));
}

/**
 * The rounds that invite a network, with their pledge and version and that network's verdict: open
 * ones first, the nearest deadline first; then the closed ones, the latest closed first.
 */
export async function roundsInvitingNetwork(db: Db, networkId: string) {
  return db
    .select({
      id: validationRounds.id,
      status: validationRounds.status,
      deadline: validationRounds.deadline,
      outcome: validationRounds.outcome,
      openedAt: validationRounds.openedAt,
      closedAt: validationRounds.closedAt,
      versionNumber: pledgeVersions.number,
      pledgeSlug: pledges.slug,
      pledgeTitle: pledges.title,
      verdict: roundNetworks.verdict,
      late: roundNetworks.late,
      decidedAt: roundNetworks.decidedAt,
    })
    .from(roundNetworks)
    .innerJoin(validationRounds, eq(validationRounds.id, roundNetworks.roundId))
    .innerJoin(pledgeVersions, eq(pledgeVersions.id, validationRounds.versionId))
    .innerJoin(pledges, eq(pledges.id, pledgeVersions.pledgeId))
    .where(eq(roundNetworks.networkId, networkId))
    .orderBy(
      sql`${validationRounds.status} = 'open' DESC`,
      sql`CASE WHEN ${validationRounds.status} = 'open' THEN ${validationRounds.deadline} END ASC`,
      desc(validationRounds.closedAt),
      asc(validationRounds.id),
    );
}

/** Active accounts to notify: the reviewers of some networks, or the secretariat. */
export async function reviewersOf(db: Db, networkIds: string[]) {
  if (networkIds.length === 0) return [];
  return db
    .select({
      id: users.id,
      email: users.email,
      name: users.name,
      language: users.language,
      networkId: users.networkId,
    })
    .from(users)
    .where(and(eq(users.role, 'network_reviewer'), eq(users.active, true), inArray(users.networkId, networkIds)));
}

/** Open rounds whose deadline falls within the reminder window, with their silent networks. */
export async function silentNetworksNearDeadline(db: Db, now: Date, windowMs: number) {
  return db
    .select({
      roundId: validationRounds.id,
      deadline: validationRounds.deadline,
      versionId: validationRounds.versionId,
      networkId: roundNetworks.networkId,
    })
    .from(validationRounds)
    .innerJoin(roundNetworks, eq(roundNetworks.roundId, validationRounds.id))
    .where(
      and(
        eq(validationRounds.status, 'open'),
        isNull(roundNetworks.verdict),
        gt(validationRounds.deadline, now),
        lte(validationRounds.deadline, new Date(now.getTime() + windowMs)),
      ),
    );
}

/** Every round of these versions, newest first. */
export async function roundsOfVersions(db: Db, versionIds: string[]): Promise<RoundRow[]> {
  if (versionIds.length === 0) return [];
  return db
    .select()
    .from(validationRounds)
    .where(inArray(validationRounds.versionId, versionIds))
    .orderBy(desc(validationRounds.openedAt), asc(validationRounds.id));
}

/** The codes of the networks each of these rounds invites. */
export async function networkCodesOfRounds(db: Db, roundIds: string[]) {
  if (roundIds.length === 0) return [];
  return db
    .select({ roundId: roundNetworks.roundId, code: networks.code, verdict: roundNetworks.verdict })
    .from(roundNetworks)
    .innerJoin(networks, eq(networks.id, roundNetworks.networkId))
    .where(inArray(roundNetworks.roundId, roundIds))
    .orderBy(asc(networks.code));
}

/**
 * Open rounds whose deadline is before `until` (passed ones included) or in which every invited
 * network has given its verdict, soonest deadline first, with how many networks answered.
 */
const roundsNeedingAttention = preparedQuery('rounds_needing_attention', (db) => {
  const answered = sql<number>`count(${roundNetworks.verdict})::int`;
  const invited = sql<number>`count(*)::int`;
  return db
    .select({
      id: validationRounds.id,
      versionId: validationRounds.versionId,
      deadline: validationRounds.deadline,
      answered,
      invited,
    })
    .from(validationRounds)
    .innerJoin(roundNetworks, eq(roundNetworks.roundId, validationRounds.id))
    .where(eq(validationRounds.status, 'open'))
    .groupBy(validationRounds.id)
    .having(or(lte(validationRounds.deadline, sql.placeholder('until')), sql`${answered} = ${invited}`))
    .orderBy(asc(validationRounds.deadline), asc(validationRounds.id));
});

export async function openRoundsNeedingAttention(db: Db, until: Date) {
  return roundsNeedingAttention(db).execute({ until });
}
