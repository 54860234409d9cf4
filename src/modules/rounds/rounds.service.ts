import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { withTx } from '../../db/tx.js';
import { actorUserId } from '../../lib/actor.js';
import { nowOf, type ServiceContext } from '../context.js';
import { requireSecretariat } from '../../lib/authorize.js';
import { ConflictError, InvalidStateError, isUniqueViolation } from '../../lib/errors.js';
import { recordAudit } from '../audit/index.js';
import { resolveNetworkCodes } from '../networks/index.js';
import { beginReview, concludeReview, findPledge, findVersionById, findVisiblePledge } from '../pledges/index.js';
import { roundStateMachine } from './round.state.js';
import { notifyRoundClosed, notifyRoundOpened } from './rounds.mail.js';
import { findVisibleRound, reviewersNetwork } from './rounds.access.js';
import * as repo from './rounds.repository.js';
import type { RoundView } from './rounds.schemas.js';

export type RoundDeps = Pick<Config, 'publicBaseUrl'>;

export function toComment(row: repo.CommentRow, networkCode: string) {
  return {
    id: row.id,
    roundId: row.roundId,
    network: networkCode,
    areaKey: row.areaKey,
    body: row.body,
    late: row.late,
    authorId: row.authorId,
    createdAt: row.createdAt,
    resolution:
      row.resolutionStatus && row.resolvedAt
        ? {
            status: row.resolutionStatus,
            response: row.resolutionResponse ?? '',
            resolvedAt: row.resolvedAt,
            resolvedBy: row.resolvedBy,
          }
        : null,
  };
}

/** The answer about a round; pass its networks when the caller has just read them. */
export async function roundView(
  db: Db,
  round: repo.RoundRow,
  loadedNetworks?: Awaited<ReturnType<typeof repo.roundNetworksOf>>,
): Promise<RoundView> {
  const version = (await findVersionById(db, round.versionId))!;
  const pledge = (await findPledge(db, version.pledgeId))!;
  const networks = loadedNetworks ?? (await repo.roundNetworksOf(db, round.id));
  const comments = await repo.commentsOf(db, round.id);
  return {
    id: round.id,
    pledgeId: pledge.id,
    pledgeSlug: pledge.slug,
    versionNumber: version.number,
    status: round.status,
    deadline: round.deadline,
    outcome: round.outcome,
    forced: round.forced,
    openedAt: round.openedAt,
    closedAt: round.closedAt,
    networks: networks.map(({ networkId: _id, ...n }) => n),
    comments: comments.map((c) => toComment(c.comment, c.code)),
  };
}

export async function getRound(ctx: ServiceContext, roundId: string): Promise<RoundView> {
  const { round, networks } = await findVisibleRound(ctx, roundId);
  return roundView(ctx.db, round, networks);
}

/**
 * A reviewer's inbox: the rounds that invite their network (a network is invited to a few rounds a
 * year, so the list is whole), open ones first, each with the network's verdict so far.
 */
export async function listInvitingRounds(ctx: ServiceContext) {
  return repo.roundsInvitingNetwork(ctx.db, reviewersNetwork(ctx));
}

/** Opens a round on a draft: the version becomes in_review and its text is frozen and hashed. */
export async function openRound(
  ctx: ServiceContext,
  deps: RoundDeps,
  idOrSlug: string,
  number: number,
  input: { deadline: Date; networks: string[] },
): Promise<RoundView> {
  requireSecretariat(ctx.actor);
  return withTx(ctx, async (tx) => {
    const { pledge } = await findVisiblePledge(tx.db, tx.actor, idOrSlug);
    const networks = await resolveNetworkCodes(tx, input.networks);
    // The version's state decides first: one in review (it has its open round) is an invalid_state
    // like any other non-draft; the open-round check and the unique index stay as backstops.
    const { version, before, after, contentHash } = await beginReview(tx, pledge, number);
    if (await repo.findOpenRoundOfVersion(tx.db, version.id)) {
      throw new ConflictError(`Version ${number} already has an open round.`);
    }
    let round: repo.RoundRow;
    try {
      round = await repo.insertRound(tx.db, {
        versionId: version.id,
        deadline: input.deadline,
        openedBy: actorUserId(tx.actor),
        openedAt: nowOf(tx),
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`Version ${number} already has an open round.`);
      throw err;
    }
    await repo.insertRoundNetworks(
      tx.db,
      round.id,
      networks.map((n) => n.id),
    );
    await notifyRoundOpened(
      tx,
      {
        roundId: round.id,
        pledgeTitle: pledge.title,
        versionNumber: number,
        deadline: round.deadline,
        baseUrl: deps.publicBaseUrl,
      },
      networks.map((n) => n.id),
    );
    await recordAudit(tx, {
      action: 'round.opened',
      entityType: 'validation_round',
      entityId: round.id,
      summary: {
        pledge: pledge.slug,
        versionNumber: number,
        deadline: round.deadline,
        networks: networks.map((n) => n.code).sort(),
        version: { before, after, contentHash },
      },
    });
    return roundView(tx.db, round);
  });
}

/**
 * Closes a round: approved only when every invited network approved. A network that has not
 * answered blocks closing unless `force`; forced, its silence counts as not approving.
 */
export async function closeRound(
  ctx: ServiceContext,
  deps: RoundDeps,
  roundId: string,
  force = false,
): Promise<RoundView> {
  requireSecretariat(ctx.actor);
  return withTx(ctx, async (tx) => {
    const { round, networks } = await findVisibleRound(tx, roundId, true);
    roundStateMachine.assert('close', round.status);
    const silent = networks.filter((n) => n.verdict === null).map((n) => n.code);
    if (silent.length > 0 && !force) {
      throw new InvalidStateError(
        `Not every network has answered (${silent.join(', ')}); close with force: true to close anyway.`,
      );
    }
    const outcome = networks.every((n) => n.verdict === 'approve') ? 'approved' : 'changes_requested';
    const { version, pledge, status } = await concludeReview(tx, round.versionId, outcome);
    const closed = await repo.updateRound(tx.db, round.id, {
      status: 'closed',
      outcome,
      forced: silent.length > 0,
      closedAt: nowOf(tx),
      closedBy: actorUserId(tx.actor),
    });
    await notifyRoundClosed(
      tx,
      {
        roundId: round.id,
        pledgeTitle: pledge.title,
        versionNumber: version.number,
        deadline: round.deadline,
        baseUrl: deps.publicBaseUrl,
        outcome,
      },
      networks.map((n) => n.networkId),
    );
    await recordAudit(tx, {
      action: 'round.closed',
      entityType: 'validation_round',
      entityId: round.id,
      summary: {
        pledge: pledge.slug,
        versionNumber: version.number,
        outcome,
        forced: silent.length > 0,
        silentNetworks: silent,
        verdicts: Object.fromEntries(networks.map((n) => [n.code, n.verdict])),
        version: { before: version.status, after: status },
      },
    });
    return roundView(tx.db, closed);
  });
}
