import type { ServiceContext } from '../context.js';
import { actsAsSecretariat, requireSignedIn } from '../../lib/authorize.js';
import { ForbiddenError, NotFoundError } from '../../lib/errors.js';
import * as repo from './rounds.repository.js';

// The rounds' policy: who sees a round and who speaks for a network in it. Opening, answering and
// closing rounds is the secretariat's (requireSecretariat).

/**
 * A round is visible to the secretariat and to the reviewers of the networks it invites; to
 * everyone else it does not exist. With `forUpdate`, the round row stays locked until the
 * transaction ends.
 */
export async function findVisibleRound(ctx: ServiceContext, roundId: string, forUpdate = false) {
  requireSignedIn(ctx.actor);
  const round = await repo.findRound(ctx.db, roundId, forUpdate);
  if (!round) throw new NotFoundError('Round');
  const networks = await repo.roundNetworksOf(ctx.db, round.id);
  const actor = ctx.actor;
  const visible =
    actsAsSecretariat(actor) ||
    (actor.kind === 'network_reviewer' && networks.some((n) => n.networkId === actor.networkId));
  if (!visible) throw new NotFoundError('Round');
  return { round, networks };
}

/**
 * Comments and verdicts are a reviewer's, for their own network, which the round must invite (else
 * the round does not exist for them); the secretariat reads them but does not speak for a network.
 */
export async function findReviewersRound(ctx: ServiceContext, roundId: string) {
  const { round, networks } = await findVisibleRound(ctx, roundId, true);
  const actor = ctx.actor;
  if (actor.kind !== 'network_reviewer')
    throw new ForbiddenError('Only reviewers of the invited networks may do this.');
  const mine = networks.find((n) => n.networkId === actor.networkId)!;
  return { round, mine };
}

/** The network whose rounds a reviewer follows; the inbox of rounds is a reviewer's alone. */
export function reviewersNetwork(ctx: ServiceContext): string {
  requireSignedIn(ctx.actor);
  if (ctx.actor.kind !== 'network_reviewer')
    throw new ForbiddenError('Only network reviewers have an inbox of rounds.');
  return ctx.actor.networkId;
}
