import type { ServiceContext } from '../context.js';
import { InvalidStateError, NotFoundError } from '../../lib/errors.js';
import { freezeVersion } from './publish.service.js';
import * as repo from './pledges.repository.js';
import { versionStateMachine } from './version.state.js';

// A version's life in review, for the rounds module: it calls these in its own transaction and
// never writes a version itself. The state machine (version.state.ts) decides every move.

/**
 * A draft goes into review: it must have areas; its text is frozen and hashed, and it becomes
 * in_review. The version row stays locked until the caller's transaction ends.
 */
export async function beginReview(ctx: ServiceContext, pledge: repo.PledgeRow, number: number) {
  const version = await repo.findVersion(ctx.db, pledge.id, number, true);
  if (!version) throw new NotFoundError('Version');
  const status = versionStateMachine.assert('open_round', version.status);
  if ((await repo.areasOf(ctx.db, version.id)).length === 0) {
    throw new InvalidStateError(`Version ${number} has no action areas yet: there is nothing to review.`);
  }
  const frozen = await freezeVersion(ctx, pledge, version);
  await repo.updateVersion(ctx.db, version.id, { status });
  return { version, before: version.status, after: status, contentHash: frozen.contentHash };
}

/** A round closed: the version becomes validated, or changes_requested. */
export async function concludeReview(
  ctx: ServiceContext,
  versionId: string,
  outcome: 'approved' | 'changes_requested',
) {
  const version = await repo.findVersionById(ctx.db, versionId);
  if (!version) throw new NotFoundError('Version');
  const pledge = (await repo.findPledge(ctx.db, version.pledgeId))!;
  const status = versionStateMachine.assert(outcome === 'approved' ? 'approve' : 'request_changes', version.status);
  await repo.updateVersion(ctx.db, version.id, { status });
  return { version, pledge, status };
}
