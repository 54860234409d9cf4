import { requireSecretariat } from '../../lib/authorize.js';
import type { ServiceContext } from '../context.js';
import { findVisiblePledge } from '../pledges/index.js';
import * as repo from './rounds.repository.js';

/**
 * The validation rounds of every version of a pledge, newest first, with the networks each invites
 * and their verdicts so far: the secretariat's view of a pledge's validation (its drafting page).
 */
export async function listPledgeRounds(ctx: ServiceContext, idOrSlug: string) {
  requireSecretariat(ctx.actor);
  const { versions } = await findVisiblePledge(ctx.db, ctx.actor, idOrSlug);
  const numberOf = new Map(versions.map((v) => [v.id, v.number]));
  const rounds = await repo.roundsOfVersions(
    ctx.db,
    versions.map((v) => v.id),
  );
  const invited = await repo.networkCodesOfRounds(
    ctx.db,
    rounds.map((r) => r.id),
  );
  return rounds.map((round) => ({
    id: round.id,
    versionNumber: numberOf.get(round.versionId)!,
    status: round.status,
    deadline: round.deadline,
    outcome: round.outcome,
    forced: round.forced,
    openedAt: round.openedAt,
    closedAt: round.closedAt,
    networks: invited.filter((n) => n.roundId === round.id).map(({ code, verdict }) => ({ code, verdict })),
  }));
}
