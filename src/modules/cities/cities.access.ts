import type { ServiceContext } from '../context.js';
import { actsAsSecretariat, requireSignedIn } from '../../lib/authorize.js';
import { ForbiddenError, NotFoundError } from '../../lib/errors.js';
import type { Actor } from '../../lib/actor.js';
import * as repo from './cities.repository.js';
import type { UpdateCityInput } from './cities.schemas.js';

// The cities' policy: who sees a city and who may change what of it. Adding and importing cities
// is the secretariat's (requireSecretariat); listing them is for anyone signed in.

/**
 * The secretariat sees every city; a city official their own; a reviewer their network's
 * members. A city the actor may not see does not exist for them (404, never 403).
 */
export async function findVisibleCity(ctx: ServiceContext, id: string): Promise<repo.CityRow> {
  requireSignedIn(ctx.actor);
  const row = await repo.findCityById(ctx.db, id);
  const actor = ctx.actor;
  const visible =
    row !== undefined &&
    (actsAsSecretariat(actor) ||
      (actor.kind === 'city_official' && actor.cityId === id) ||
      (actor.kind === 'network_reviewer' && (await repo.isCityInNetwork(ctx.db, id, actor.networkId))));
  if (!visible) throw new NotFoundError('City');
  return row;
}

/** The secretariat changes anything; a city official their city's details but not its country or networks. */
export function assertMayChangeCity(actor: Actor, input: UpdateCityInput): void {
  if (actor.kind === 'network_reviewer') throw new ForbiddenError('Network reviewers cannot change cities.');
  if (actor.kind === 'city_official' && (input.country !== undefined || input.networks !== undefined)) {
    throw new ForbiddenError('A city official cannot change the country or the networks of their city.');
  }
}
