import type { Actor } from '../../lib/actor.js';
import type { ServiceContext } from '../context.js';
import { actsAsSecretariat, requireSignedIn } from '../../lib/authorize.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors.js';
import { isCityInNetwork } from '../cities/index.js';
import * as repo from './endorsements.repository.js';

// The endorsements' policy: who may endorse for which city, see an endorsement, have its
// documents, change it, report its progress. Every decision about endorsements is made here.

/**
 * The city an actor endorses for: a city official for their own city only (naming it is optional);
 * the secretariat on behalf of the city it names. Anyone else may not endorse.
 */
export function endorsingCity(actor: Actor, requestedCityId: string | undefined): string {
  requireSignedIn(actor);
  if (actor.kind === 'city_official') {
    if (requestedCityId && requestedCityId.toLowerCase() !== actor.cityId) {
      throw new ForbiddenError('A city official endorses for their own city only.');
    }
    return actor.cityId;
  }
  if (actsAsSecretariat(actor)) {
    if (!requestedCityId) {
      throw new ValidationError('Name the city endorsing.', [
        { path: 'cityId', message: 'is required when the secretariat endorses on behalf of a city' },
      ]);
    }
    return requestedCityId.toLowerCase();
  }
  throw new ForbiddenError('Only a city official or the secretariat may endorse.');
}

/** Which endorsements a list shows the actor: all, their own city's, or their network's members'. */
export function endorsementScopeOf(actor: Actor): { onlyCityId?: string; onlyNetworkId?: string } {
  requireSignedIn(actor);
  if (actor.kind === 'city_official') return { onlyCityId: actor.cityId };
  if (actor.kind === 'network_reviewer') return { onlyNetworkId: actor.networkId };
  return {};
}

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
    (actsAsSecretariat(actor) ||
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
  if (ctx.actor.kind === 'network_reviewer') {
    throw new ForbiddenError('Network reviewers can read endorsements but not change them.');
  }
  return row;
}

/** Progress is reported by the endorsing city itself, not on its behalf. */
export function requireReportingCity(actor: Actor): void {
  if (actor.kind !== 'city_official') throw new ForbiddenError('Progress is reported by the endorsing city.');
}
