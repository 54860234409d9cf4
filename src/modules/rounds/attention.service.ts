import type { ServiceContext } from '../context.js';
import { requireSecretariat } from '../../lib/authorize.js';
import { findPledge, findVersionById } from '../pledges/index.js';
import * as repo from './rounds.repository.js';

/** A round is near its deadline when that falls within this many days (or has passed). */
export const ROUND_ATTENTION_DAYS = 7;

/**
 * The open rounds the secretariat should look at: those near or past their deadline, and those in
 * which every invited network has answered (ready to close), soonest deadline first.
 */
export async function roundsNeedingAttention(ctx: ServiceContext, now = new Date()) {
  requireSecretariat(ctx.actor);
  const until = new Date(now.getTime() + ROUND_ATTENTION_DAYS * 86_400_000);
  const rows = await repo.openRoundsNeedingAttention(ctx.db, until);
  const rounds = [];
  for (const row of rows) {
    const version = await findVersionById(ctx.db, row.versionId);
    const pledge = version ? await findPledge(ctx.db, version.pledgeId) : undefined;
    if (!version || !pledge) continue;
    rounds.push({
      id: row.id,
      pledge: { slug: pledge.slug, title: pledge.title },
      versionNumber: version.number,
      deadline: row.deadline,
      invited: row.invited,
      answered: row.answered,
      everyVerdictIn: row.answered === row.invited,
    });
  }
  return rounds;
}
