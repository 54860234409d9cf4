import type { Db } from '../../db/client.js';
import type { VersionStatus } from '../../db/schema/index.js';
import type { Actor } from '../../lib/actor.js';
import { actsAsSecretariat } from '../../lib/authorize.js';
import { NotFoundError } from '../../lib/errors.js';
import * as repo from './pledges.repository.js';

/**
 * Who may read which version: drafts are the secretariat's; reviewers read everything that has
 * left draft (they review it); city officials and the public read what was published.
 */
export function canSeeVersion(actor: Actor, status: VersionStatus): boolean {
  if (actsAsSecretariat(actor)) return true;
  if (actor.kind === 'network_reviewer') return status !== 'draft';
  return status === 'published' || status === 'superseded';
}

/** A pledge exists for an actor who can see one of its versions; the secretariat sees every pledge. */
export function canSeePledge(actor: Actor, versions: Array<{ status: VersionStatus }>): boolean {
  return actsAsSecretariat(actor) || versions.some((v) => canSeeVersion(actor, v.status));
}

/** The pledge, if the actor can see at least one of its versions (or is the secretariat). */
export async function findVisiblePledge(db: Db, actor: Actor, idOrSlug: string, forUpdate = false) {
  const pledge = await repo.findPledge(db, idOrSlug, forUpdate);
  if (!pledge) throw new NotFoundError('Pledge');
  const versions = await repo.versionsOf(db, pledge.id);
  const visible = versions.filter((v) => canSeeVersion(actor, v.status));
  if (!canSeePledge(actor, versions)) throw new NotFoundError('Pledge');
  return { pledge, versions, visible };
}

export async function findVisibleVersion(db: Db, actor: Actor, idOrSlug: string, number: number, forUpdate = false) {
  const { pledge } = await findVisiblePledge(db, actor, idOrSlug);
  const version = await repo.findVersion(db, pledge.id, number, forUpdate);
  if (!version || !canSeeVersion(actor, version.status)) throw new NotFoundError('Version');
  return { pledge, version };
}
