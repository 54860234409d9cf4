import type { Db } from '../../db/client.js';
import type { VersionStatus } from '../../db/schema/index.js';
import type { Actor } from '../../lib/actor.js';
import { NotFoundError } from '../../lib/errors.js';
import * as repo from './pledges.repository.js';

/**
 * Who may read which version: drafts are the secretariat's; reviewers read everything that has
 * left draft (they review it); city officials and the public read what was published.
 */
export function canSeeVersion(actor: Actor, status: VersionStatus): boolean {
  switch (actor.kind) {
    case 'secretariat':
    case 'system':
      return true;
    case 'network_reviewer':
      return status !== 'draft';
    default:
      return status === 'published' || status === 'superseded';
  }
}

/** The pledge, if the actor can see at least one of its versions (or is the secretariat). */
export async function findVisiblePledge(db: Db, actor: Actor, idOrSlug: string, forUpdate = false) {
  const pledge = await repo.findPledge(db, idOrSlug, forUpdate);
  if (!pledge) throw new NotFoundError('Pledge');
  const versions = await repo.versionsOf(db, pledge.id);
  const visible = versions.filter((v) => canSeeVersion(actor, v.status));
  if (visible.length === 0 && actor.kind !== 'secretariat' && actor.kind !== 'system')
    throw new NotFoundError('Pledge');
  return { pledge, versions, visible };
}

export async function findVisibleVersion(db: Db, actor: Actor, idOrSlug: string, number: number, forUpdate = false) {
  const { pledge } = await findVisiblePledge(db, actor, idOrSlug);
  const version = await repo.findVersion(db, pledge.id, number, forUpdate);
  if (!version || !canSeeVersion(actor, version.status)) throw new NotFoundError('Version');
  return { pledge, version };
}
