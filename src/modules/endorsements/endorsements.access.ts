import type { ServiceContext } from '../../lib/actor.js';
import { requireSignedIn } from '../../lib/authorize.js';
import { ForbiddenError, NotFoundError } from '../../lib/errors.js';
import { isCityInNetwork } from '../cities/cities.repository.js';
import * as repo from './endorsements.repository.js';

/**
 * The secretariat sees every endorsement; a reviewer those of their network's member cities
 * (read-only); a city official their own city's. Anything else does not exist for the caller.
 */
export async function findVisibleEndorsement(
  ctx: ServiceContext,
  id: string,
  forUpdate = false,
): Promise<repo.EndorsementRow> {
  requireSignedIn(ctx.actor);
  const row = await repo.findEndorsement(ctx.db, id, forUpdate);
  const actor = ctx.actor;
  const visible =
    row !== undefined &&
    (actor.kind === 'secretariat' ||
      actor.kind === 'system' ||
      (actor.kind === 'city_official' && actor.cityId === row.cityId) ||
      (actor.kind === 'network_reviewer' && (await isCityInNetwork(ctx.db, row.cityId, actor.networkId))));
  if (!visible) throw new NotFoundError('Endorsement');
  return row;
}

/**
 * What only the endorsing city and the secretariat may have (its mandate document, its
 * certificate PDF): a reviewer, who can read the endorsement itself, is told it does not exist.
 */
export async function findOwnCityEndorsement(
  ctx: ServiceContext,
  id: string,
  what: string,
): Promise<repo.EndorsementRow> {
  const row = await findVisibleEndorsement(ctx, id);
  if (ctx.actor.kind === 'network_reviewer') throw new NotFoundError(what);
  return row;
}

/** Changing an endorsement is for its city's officials and the secretariat; reviewers only read. */
export async function findChangeableEndorsement(ctx: ServiceContext, id: string): Promise<repo.EndorsementRow> {
  const row = await findVisibleEndorsement(ctx, id, true);
  if (ctx.actor.kind === 'network_reviewer')
    throw new ForbiddenError('Network reviewers can read endorsements but not change them.');
  return row;
}
