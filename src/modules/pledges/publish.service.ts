import { withTx } from '../../db/tx.js';
import { nowOf, type ServiceContext } from '../context.js';
import { requireSecretariat } from '../../lib/authorize.js';
import { ConflictError, InvalidStateError, isUniqueViolation, NotFoundError } from '../../lib/errors.js';
import { recordAudit } from '../audit/index.js';
import { computeContentHash, toArea, toVersion, versionEtag } from './content.js';
import { findVisiblePledge } from './pledges.access.js';
import * as repo from './pledges.repository.js';
import { versionStateMachine } from './version.state.js';

/** Fixes the text for good: computes the content hash once, when the version leaves draft. */
export async function freezeVersion(ctx: ServiceContext, pledge: repo.PledgeRow, version: repo.VersionRow) {
  if (version.contentHash) return version;
  const areas = (await repo.areasOf(ctx.db, version.id)).map(toArea);
  return repo.updateVersion(ctx.db, version.id, {
    contentHash: computeContentHash(pledge.slug, version.number, version.preamble, areas),
    frozenAt: nowOf(ctx),
  });
}

/**
 * Publishes a version and supersedes the one published before. A version that was not
 * validated needs an override with a reason, kept in the audit log. The pledge row is locked
 * so concurrent publishes run one after the other; a partial unique index is the backstop.
 */
export async function publishVersion(
  ctx: ServiceContext,
  idOrSlug: string,
  number: number,
  override?: { reason: string },
) {
  requireSecretariat(ctx.actor);
  return withTx(ctx, async (tx) => {
    const { pledge } = await findVisiblePledge(tx.db, tx.actor, idOrSlug, true);
    const version = await repo.findVersion(tx.db, pledge.id, number, true);
    if (!version) throw new NotFoundError('Version');
    const needsOverride = !versionStateMachine.can('publish', version.status);
    if (needsOverride) {
      versionStateMachine.assert('publish_with_override', version.status);
      if (!override) {
        throw new InvalidStateError(
          `Version ${number} is ${version.status.replace('_', ' ')}, not validated: publishing it needs ` +
            `override: { reason }.`,
        );
      }
    }
    const previous = await repo.findPublishedVersion(tx.db, pledge.id);
    // Only a later version supersedes the published one: going back would strand endorsements.
    if (previous && previous.number > version.number) {
      throw new InvalidStateError(
        `Version ${previous.number} is published; an earlier version (${version.number}) cannot replace it.`,
      );
    }
    if (previous) {
      await repo.updateVersion(tx.db, previous.id, {
        status: versionStateMachine.assert('supersede', previous.status),
      });
    }
    const frozen = await freezeVersion(tx, pledge, version);
    let published: repo.VersionRow;
    try {
      published = await repo.updateVersion(tx.db, frozen.id, {
        status: 'published',
        publishedAt: nowOf(tx),
        publishOverrideReason: needsOverride ? override!.reason : null,
      });
    } catch (err) {
      if (isUniqueViolation(err))
        throw new ConflictError('Another version of this pledge was published at the same moment; reload and retry.');
      throw err;
    }
    await recordAudit(tx, {
      action: needsOverride ? 'version.published_with_override' : 'version.published',
      entityType: 'pledge_version',
      entityId: version.id,
      summary: {
        pledge: pledge.slug,
        number,
        before: { status: version.status },
        after: { status: 'published', contentHash: published.contentHash },
        supersededVersion: previous?.number ?? null,
        ...(needsOverride ? { overrideReason: override!.reason } : {}),
      },
    });
    return {
      version: toVersion(pledge, published, await repo.areasOf(tx.db, version.id)),
      etag: versionEtag(published),
    };
  });
}
