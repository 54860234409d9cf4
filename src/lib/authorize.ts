import type { Actor } from './actor.js';
import { ForbiddenError, UnauthenticatedError } from './errors.js';

type SignedIn = Exclude<Actor, { kind: 'anonymous' }>;

export function requireSignedIn(actor: Actor): asserts actor is SignedIn {
  if (actor.kind === 'anonymous') throw new UnauthenticatedError();
}

/** Secretariat-only operations; trusted command-line tools act as the system. */
export function requireSecretariat(actor: Actor): asserts actor is Extract<Actor, { kind: 'secretariat' | 'system' }> {
  requireSignedIn(actor);
  if (actor.kind !== 'secretariat' && actor.kind !== 'system') {
    throw new ForbiddenError('Only the secretariat may do this.');
  }
}
