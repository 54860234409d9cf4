import { withTx } from '../../db/tx.js';
import { actorUserId } from '../../lib/actor.js';
import { nowOf, type ServiceContext } from '../context.js';
import { requireSecretariat } from '../../lib/authorize.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors.js';
import { recordAudit } from '../audit/index.js';
import { findNetworkByCode } from '../networks/index.js';
import { areasOf, findPledge, findVersionById } from '../pledges/index.js';
import { roundStateMachine } from './round.state.js';
import { notifyVerdict } from './rounds.mail.js';
import * as repo from './rounds.repository.js';
import { findReviewersRound, findVisibleRound } from './rounds.access.js';
import { type RoundDeps, toComment } from './rounds.service.js';

export async function addComment(
  ctx: ServiceContext,
  roundId: string,
  input: { areaKey?: string | null; body: string },
) {
  return withTx(ctx, async (tx) => {
    const { round, mine } = await findReviewersRound(tx, roundId);
    roundStateMachine.assert('comment', round.status);
    const areaKey = input.areaKey ?? null;
    if (areaKey) {
      const areas = await areasOf(tx.db, round.versionId);
      if (!areas.some((a) => a.key === areaKey)) {
        throw new ValidationError(`The version under review has no area ${areaKey}.`, [
          { path: 'areaKey', message: `unknown area key ${areaKey}` },
        ]);
      }
    }
    const now = nowOf(tx);
    const comment = await repo.insertComment(tx.db, {
      roundId,
      networkId: mine.networkId,
      authorId: actorUserId(tx.actor),
      areaKey,
      body: input.body,
      late: now > round.deadline,
      createdAt: now,
    });
    await recordAudit(tx, {
      action: 'round.comment_added',
      entityType: 'validation_round',
      entityId: roundId,
      summary: { commentId: comment.id, network: mine.code, areaKey, late: comment.late },
    });
    return toComment(comment, mine.code);
  });
}

export async function listComments(
  ctx: ServiceContext,
  roundId: string,
  f: { network?: string; areaKey?: string; resolved?: boolean },
) {
  const { round } = await findVisibleRound(ctx, roundId);
  let networkId: string | undefined;
  if (f.network) {
    const network = await findNetworkByCode(ctx.db, f.network);
    if (!network) return [];
    networkId = network.id;
  }
  const rows = await repo.commentsOf(ctx.db, round.id, { networkId, areaKey: f.areaKey, resolved: f.resolved });
  return rows.map((r) => toComment(r.comment, r.code));
}

/** The secretariat answers a comment; it may revise its answer, and the audit log keeps each. */
export async function resolveComment(
  ctx: ServiceContext,
  roundId: string,
  commentId: string,
  input: { status: 'accepted' | 'rejected' | 'noted'; response: string },
) {
  requireSecretariat(ctx.actor);
  return withTx(ctx, async (tx) => {
    await findVisibleRound(tx, roundId);
    const comment = await repo.findComment(tx.db, roundId, commentId);
    if (!comment) throw new NotFoundError('Comment');
    const updated = await repo.updateComment(tx.db, comment.id, {
      resolutionStatus: input.status,
      resolutionResponse: input.response,
      resolvedAt: nowOf(tx),
      resolvedBy: actorUserId(tx.actor),
    });
    const [{ code } = { code: '' }] = (await repo.commentsOf(tx.db, roundId)).filter(
      (c) => c.comment.id === comment.id,
    );
    await recordAudit(tx, {
      action: 'round.comment_resolved',
      entityType: 'validation_round',
      entityId: roundId,
      summary: {
        commentId,
        before: comment.resolutionStatus
          ? { status: comment.resolutionStatus, response: comment.resolutionResponse }
          : null,
        after: { status: input.status, response: input.response },
      },
    });
    return toComment(updated, code);
  });
}

/** A reviewer sets (or changes) their own network's verdict while the round is open. */
export async function setVerdict(
  ctx: ServiceContext,
  deps: RoundDeps,
  roundId: string,
  networkCode: string,
  input: { verdict: 'approve' | 'request_changes'; summary?: string },
) {
  return withTx(ctx, async (tx) => {
    const { round, mine } = await findReviewersRound(tx, roundId);
    if (mine.code.toLowerCase() !== networkCode.toLowerCase()) {
      throw new ForbiddenError(`You review for ${mine.code}; you cannot give ${networkCode}'s verdict.`);
    }
    roundStateMachine.assert('give_verdict', round.status);
    const decidedAt = nowOf(tx);
    const late = decidedAt > round.deadline;
    await repo.setVerdict(tx.db, roundId, mine.networkId, {
      verdict: input.verdict,
      summary: input.summary ?? null,
      late,
      decidedAt,
      decidedBy: actorUserId(tx.actor),
    });
    const version = (await findVersionById(tx.db, round.versionId))!;
    const pledge = (await findPledge(tx.db, version.pledgeId))!;
    await notifyVerdict(tx, {
      roundId,
      pledgeTitle: pledge.title,
      versionNumber: version.number,
      deadline: round.deadline,
      baseUrl: deps.publicBaseUrl,
      networkCode: mine.code,
      verdict: input.verdict,
      decidedAt,
      summary: input.summary,
    });
    await recordAudit(tx, {
      action: 'round.verdict_given',
      entityType: 'validation_round',
      entityId: roundId,
      summary: { network: mine.code, before: { verdict: mine.verdict }, after: { verdict: input.verdict, late } },
    });
    return {
      code: mine.code,
      name: mine.name,
      verdict: input.verdict,
      summary: input.summary ?? null,
      late,
      decidedAt,
    };
  });
}
