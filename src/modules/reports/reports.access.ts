import type { Actor } from '../../lib/actor.js';
import { actsAsSecretariat, requireSignedIn } from '../../lib/authorize.js';
import { NotFoundError } from '../../lib/errors.js';
import type { ServiceContext } from '../context.js';
import { findVisiblePledge } from '../pledges/index.js';
import * as repo from './reports.repository.js';

// The reports' policy: who may read the reports of which pledge, over which cities, and which
// frozen reports (snapshots) they see and may download. Every decision about reports is made here.

/** The cities a report covers for its reader: every one, or a reviewer's network's members only. */
export interface ReportScope {
  onlyNetworkId?: string;
}

/**
 * Reports are the secretariat's (and the system's, for `npm run export`); a reviewer gets the
 * same, limited to their network's member cities; for anyone else they do not exist (undefined).
 */
function reportScopeOf(actor: Actor): ReportScope | undefined {
  requireSignedIn(actor);
  if (actsAsSecretariat(actor)) return {};
  if (actor.kind === 'network_reviewer') return { onlyNetworkId: actor.networkId };
  return undefined;
}

/**
 * The pledge whose reports the actor asks for, and the scope of what they may read of it. A pledge
 * the actor may not see (findVisiblePledge: a reviewer does not see a pledge that is all drafts) has
 * no reports for them either: NotFound, as for every other pledge route.
 */
export async function findReportablePledge(ctx: ServiceContext, pledgeRef: string) {
  const scope = reportScopeOf(ctx.actor);
  if (!scope) throw new NotFoundError('Pledge');
  const { pledge } = await findVisiblePledge(ctx.db, ctx.actor, pledgeRef);
  return { pledge, scope };
}

/**
 * Which snapshots a reader sees of a pledge they may read: the secretariat every one; a reviewer
 * those made within their network's scope (by a reviewer of the same network), not the
 * secretariat's, which cover every city. The filter for repo.listSnapshots.
 */
export function visibleSnapshotsNetwork(scope: ReportScope): string | undefined {
  return scope.onlyNetworkId;
}

/**
 * A snapshot the actor may download: one they would see in the list of its pledge's snapshots, so
 * of a pledge they may see today. Anything else does not exist for them.
 */
export async function findVisibleSnapshot(ctx: ServiceContext, id: string) {
  const scope = reportScopeOf(ctx.actor);
  if (!scope) throw new NotFoundError('Snapshot');
  const snapshot = await repo.findSnapshot(ctx.db, id);
  const network = visibleSnapshotsNetwork(scope);
  if (!snapshot || (network !== undefined && snapshot.networkId !== network)) throw new NotFoundError('Snapshot');
  await findVisiblePledge(ctx.db, ctx.actor, snapshot.pledgeId).catch((err: unknown) => {
    throw err instanceof NotFoundError ? new NotFoundError('Snapshot') : err;
  });
  return snapshot;
}
