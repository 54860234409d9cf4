import { withTx } from '../../db/tx.js';
import type { Localised } from '../../db/schema/index.js';
import { actorUserId } from '../../lib/actor.js';
import { nowOf, type ServiceContext } from '../context.js';
import { requireSecretariat, requireSignedIn } from '../../lib/authorize.js';
import { ConflictError, InvalidStateError, isUniqueViolation, NotFoundError } from '../../lib/errors.js';
import { recordAudit } from '../audit/index.js';
import { assertIfMatch, diffVersions, toArea, toVersion, versionEtag } from './content.js';
import { canSeePledge, canSeeVersion, findVisiblePledge, findVisibleVersion } from './pledges.access.js';
import * as repo from './pledges.repository.js';
import { isEditable } from './version.state.js';

function toPledge(pledge: repo.PledgeRow, visible: repo.VersionRow[]) {
  const published = visible.find((v) => v.status === 'published');
  return {
    id: pledge.id,
    slug: pledge.slug,
    title: pledge.title,
    status: published ? ('published' as const) : ('draft' as const),
    publishedVersion: published?.number ?? null,
    requireMandateDocument: pledge.requireMandateDocument,
    versions: visible.map((v) => ({ number: v.number, status: v.status, contentHash: v.contentHash })),
    createdAt: pledge.createdAt,
    updatedAt: pledge.updatedAt,
  };
}

export async function createPledge(
  ctx: ServiceContext,
  input: { slug: string; title: Localised; requireMandateDocument?: boolean },
) {
  requireSecretariat(ctx.actor);
  return withTx(ctx, async (tx) => {
    if (await repo.findPledge(tx.db, input.slug))
      throw new ConflictError(`A pledge with slug ${input.slug} already exists.`);
    let pledge: repo.PledgeRow;
    try {
      pledge = await repo.insertPledge(tx.db, {
        slug: input.slug,
        title: input.title,
        requireMandateDocument: input.requireMandateDocument ?? false,
        createdBy: actorUserId(tx.actor),
        createdAt: nowOf(tx),
        updatedAt: nowOf(tx),
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`A pledge with slug ${input.slug} already exists.`);
      throw err;
    }
    const version = await repo.insertVersion(tx.db, {
      pledgeId: pledge.id,
      number: 1,
      preamble: { en: '' },
      createdAt: pledge.createdAt,
    });
    await recordAudit(tx, {
      action: 'pledge.created',
      entityType: 'pledge',
      entityId: pledge.id,
      summary: {
        after: {
          slug: pledge.slug,
          title: pledge.title,
          requireMandateDocument: pledge.requireMandateDocument,
          version: 1,
        },
      },
    });
    return toPledge(pledge, [version]);
  });
}

export async function listPledges(ctx: ServiceContext) {
  requireSignedIn(ctx.actor);
  const result = [];
  for (const pledge of await repo.listPledges(ctx.db)) {
    const versions = await repo.versionsOf(ctx.db, pledge.id);
    if (canSeePledge(ctx.actor, versions)) {
      result.push(
        toPledge(
          pledge,
          versions.filter((v) => canSeeVersion(ctx.actor, v.status)),
        ),
      );
    }
  }
  return result;
}

export async function getPledge(ctx: ServiceContext, idOrSlug: string) {
  requireSignedIn(ctx.actor);
  const { pledge, visible } = await findVisiblePledge(ctx.db, ctx.actor, idOrSlug);
  return toPledge(pledge, visible);
}

export async function updatePledge(
  ctx: ServiceContext,
  idOrSlug: string,
  input: { title?: Localised; requireMandateDocument?: boolean },
) {
  requireSecretariat(ctx.actor);
  return withTx(ctx, async (tx) => {
    const { pledge: before, versions } = await findVisiblePledge(tx.db, tx.actor, idOrSlug, true);
    const after = await repo.updatePledge(tx.db, before.id, input);
    const pick = (p: repo.PledgeRow) => ({ title: p.title, requireMandateDocument: p.requireMandateDocument });
    await recordAudit(tx, {
      action: 'pledge.updated',
      entityType: 'pledge',
      entityId: before.id,
      summary: { before: pick(before), after: pick(after) },
    });
    return toPledge(after, versions);
  });
}

export async function getVersion(ctx: ServiceContext, idOrSlug: string, number: number) {
  const { pledge, version } = await findVisibleVersion(ctx.db, ctx.actor, idOrSlug, number);
  return { version: toVersion(pledge, version, await repo.areasOf(ctx.db, version.id)), etag: versionEtag(version) };
}

/** A new draft copying `from` (default: the latest version), with the same area keys. */
export async function createVersion(ctx: ServiceContext, idOrSlug: string, from?: number) {
  requireSecretariat(ctx.actor);
  return withTx(ctx, async (tx) => {
    // Locking the pledge serialises version numbering.
    const { pledge } = await findVisiblePledge(tx.db, tx.actor, idOrSlug, true);
    const latest = await repo.maxVersionNumber(tx.db, pledge.id);
    const source = await repo.findVersion(tx.db, pledge.id, from ?? latest);
    if (!source) throw new NotFoundError(`Version ${from}`);
    const version = await repo.insertVersion(tx.db, {
      pledgeId: pledge.id,
      number: latest + 1,
      preamble: source.preamble,
      copiedFrom: source.number,
    });
    const areas = await repo.areasOf(tx.db, source.id);
    await repo.insertAreas(
      tx.db,
      areas.map(({ id: _id, versionId: _v, ...area }) => ({ ...area, versionId: version.id })),
    );
    await recordAudit(tx, {
      action: 'version.created',
      entityType: 'pledge_version',
      entityId: version.id,
      summary: { pledge: pledge.slug, number: version.number, copiedFrom: source.number },
    });
    return { version: toVersion(pledge, version, await repo.areasOf(tx.db, version.id)), etag: versionEtag(version) };
  });
}

/** Locks a version for a content edit: secretariat, draft only, current ETag. */
export async function lockDraftForEdit(
  ctx: ServiceContext,
  idOrSlug: string,
  number: number,
  ifMatch: string | undefined,
) {
  requireSecretariat(ctx.actor);
  const { pledge, version } = await findVisibleVersion(ctx.db, ctx.actor, idOrSlug, number, true);
  if (!isEditable(version.status)) {
    throw new InvalidStateError(
      `Version ${number} is ${version.status.replace('_', ' ')}: only a draft can be edited. Create a new ` +
        `version to change the text.`,
    );
  }
  assertIfMatch(ifMatch, versionEtag(version));
  return { pledge, version };
}

export async function updateVersion(
  ctx: ServiceContext,
  idOrSlug: string,
  number: number,
  input: { preamble?: Localised },
  ifMatch?: string,
) {
  return withTx(ctx, async (tx) => {
    const { pledge, version } = await lockDraftForEdit(tx, idOrSlug, number, ifMatch);
    if (input.preamble) await repo.updateVersion(tx.db, version.id, { preamble: input.preamble });
    const after = await repo.touchVersion(tx.db, version.id);
    await recordAudit(tx, {
      action: 'version.updated',
      entityType: 'pledge_version',
      entityId: version.id,
      summary: {
        pledge: pledge.slug,
        number,
        before: { preamble: version.preamble },
        after: { preamble: after.preamble },
      },
    });
    return { version: toVersion(pledge, after, await repo.areasOf(tx.db, version.id)), etag: versionEtag(after) };
  });
}

export async function diffVersion(ctx: ServiceContext, idOrSlug: string, number: number, against: number) {
  requireSignedIn(ctx.actor);
  const to = await findVisibleVersion(ctx.db, ctx.actor, idOrSlug, number);
  const from = await findVisibleVersion(ctx.db, ctx.actor, idOrSlug, against);
  const [fromAreas, toAreas] = await Promise.all([
    repo.areasOf(ctx.db, from.version.id),
    repo.areasOf(ctx.db, to.version.id),
  ]);
  return {
    from: against,
    to: number,
    ...diffVersions(
      { preamble: from.version.preamble, areas: fromAreas.map(toArea) },
      { preamble: to.version.preamble, areas: toAreas.map(toArea) },
    ),
  };
}
