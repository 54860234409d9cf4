import { withTx } from '../../db/tx.js';
import type { ServiceContext } from '../../lib/actor.js';
import { requireSecretariat } from '../../lib/authorize.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors.js';
import { recordAudit } from '../audit/audit.service.js';
import { findNetworkByCode } from '../networks/networks.repository.js';
import * as pledgesRepo from '../pledges/pledges.repository.js';
import { roundStateMachine } from './round.state.js';
import { notifyVerdict } from './rounds.mail.js';
import * as repo from './rounds.repository.js';
import { findVisibleRound, type RoundDeps, toComment } from './rounds.service.js';

/** The reviewer's own network, which must be invited (else the round does not exist for them). */
async function reviewerNetwork(ctx: ServiceContext, roundId: string) {
  const { round, networks } = await findVisibleRound(ctx, roundId, true);
  const actor = ctx.actor;
  if (actor.kind !== 'network_reviewer')
    throw new ForbiddenError('Only reviewers of the invited networks may do this.');
  const mine = networks.find((n) => n.networkId === actor.networkId)!;
  return { round, mine };
}

export async function addComment(
  ctx: ServiceContext,
  roundId: string,
  input: { areaKey?: string | null; body: string },
) {
  return withTx(ctx, async (tx) => {
    const { round, mine } = await reviewerNetwork(tx, roundId);
    roundStateMachine.assert('comment', round.status);
    const areaKey = input.areaKey ?? null;
    if (areaKey) {
      const areas = await pledgesRepo.areasOf(tx.db, round.versionId);
      if (!areas.some((a) => a.key === areaKey)) {
        throw new ValidationError(`The version under review has no area ${areaKey}.`, [
          { path: 'areaKey', message: `unknown area key ${areaKey}` },
        ]);
      }
    }
    const now = new Date();
    const comment = await repo.insertComment(tx.db, {
      roundId,
      networkId: mine.networkId,
      authorId: 'userId' in tx.actor ? tx.actor.userId : null,
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
      resolvedAt: new Date(),
      resolvedBy: 'userId' in tx.actor ? tx.actor.userId : null,
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
    const { round, mine } = await reviewerNetwork(tx, roundId);
    if (mine.code.toLowerCase() !== networkCode.toLowerCase()) {
      throw new ForbiddenError(`You review for ${mine.code}; you cannot give ${networkCode}'s verdict.`);
    }
    roundStateMachine.assert('give_verdict', round.status);
    const decidedAt = new Date();
    const late = decidedAt > round.deadline;
    await repo.setVerdict(tx.db, roundId, mine.networkId, {
      verdict: input.verdict,
      summary: input.summary ?? null,
      late,
      decidedAt,
      decidedBy: 'userId' in tx.actor ? tx.actor.userId : null,
    });
    const version = (await pledgesRepo.findVersionById(tx.db, round.versionId))!;
    const pledge = (await pledgesRepo.findPledge(tx.db, version.pledgeId))!;
    await notifyVerdict(tx.db, {
      roundId,
      pledgeTitle: pledge.title.en,
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
