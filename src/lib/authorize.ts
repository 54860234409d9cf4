import type { Actor } from './actor.js';
import { ForbiddenError, UnauthenticatedError } from './errors.js';

type SignedIn = Exclude<Actor, { kind: 'anonymous' }>;
/** The secretariat, or a trusted command-line tool (the seed, admin:create) acting as the system. */
export type SecretariatActor = Extract<Actor, { kind: 'secretariat' | 'system' }>;

export function requireSignedIn(actor: Actor): asserts actor is SignedIn {
  if (actor.kind === 'anonymous') throw new UnauthenticatedError();
}

/** Whether the actor has the secretariat's powers: the one place that says who does. */
export function actsAsSecretariat(actor: Actor): actor is SecretariatActor {
  return actor.kind === 'secretariat' || actor.kind === 'system';
}

/** Secretariat-only operations; trusted command-line tools act as the system. */
export function requireSecretariat(actor: Actor): asserts actor is SecretariatActor {
  requireSignedIn(actor);
  if (!actsAsSecretariat(actor)) throw new ForbiddenError('Only the secretariat may do this.');
}
