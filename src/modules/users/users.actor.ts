import type { Db } from '../../db/client.js';
import type { Actor } from '../../lib/actor.js';
import { UnauthenticatedError } from '../../lib/errors.js';
import { findActiveUserScope } from './users.repository.js';

/** Turns a user row into the actor the services reason about. */
export function actorFromUser(user: {
  id: string;
  role: string;
  cityId: string | null;
  networkId: string | null;
}): Actor {
  if (user.role === 'secretariat') return { kind: 'secretariat', userId: user.id };
  if (user.role === 'network_reviewer' && user.networkId) {
    return { kind: 'network_reviewer', userId: user.id, networkId: user.networkId };
  }
  if (user.role === 'city_official' && user.cityId)
    return { kind: 'city_official', userId: user.id, cityId: user.cityId };
  throw new UnauthenticatedError('The account has no usable role.');
}

/**
 * The actor of an active user, read from their row (not from a token, so a deactivation or a
 * changed role takes effect at once); undefined for an unknown or inactive user.
 */
export async function findActiveActor(db: Db, userId: string): Promise<Actor | undefined> {
  const user = await findActiveUserScope(db, userId);
  return user && actorFromUser(user);
}
