import type { Db } from '../../db/client.js';
import type { Actor } from '../../lib/actor.js';
import { UnauthenticatedError } from '../../lib/errors.js';
import { findActiveSessionScope } from './users.repository.js';

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
 * The actor of an active user in a live session, read from their row (not from a token, so a
 * deactivation, a changed role or the end of the session takes effect at once); undefined for an
 * unknown or inactive user or an ended session.
 */
export async function findSessionActor(db: Db, userId: string, sessionId: string): Promise<Actor | undefined> {
  const user = await findActiveSessionScope(db, userId, sessionId);
  return user && actorFromUser(user);
}
