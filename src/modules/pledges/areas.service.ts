import { withTx } from '../../db/tx.js';
import type { ServiceContext } from '../context.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import { recordAudit } from '../audit/index.js';
import { toArea, toVersion, versionEtag } from './content.js';
import * as repo from './pledges.repository.js';
import { lockDraftForEdit } from './pledges.service.js';
import type { CreateAreaInput, UpdateAreaInput } from './pledges.schemas.js';

function areaResult(pledge: repo.PledgeRow, version: repo.VersionRow, areas: repo.AreaRow[], key: string) {
  const area = areas.find((a) => a.key === key);
  if (!area) throw new Error(`area ${key} vanished inside its own transaction`);
  return { area: toArea(area), version: toVersion(pledge, version, areas), etag: versionEtag(version) };
}

/** Adds an area at `position` (1-based; default: last), shifting the ones after it. */
export async function addArea(
  ctx: ServiceContext,
  idOrSlug: string,
  number: number,
  input: CreateAreaInput,
  ifMatch?: string,
) {
  return withTx(ctx, async (tx) => {
    const { pledge, version } = await lockDraftForEdit(tx, idOrSlug, number, ifMatch);
    const areas = await repo.areasOf(tx.db, version.id);
    if (areas.some((a) => a.key === input.key))
      throw new ConflictError(`Version ${number} already has an area with key ${input.key}.`);
    const position = Math.min(input.position ?? areas.length + 1, areas.length + 1);
    await repo.shiftAreasFrom(tx.db, version.id, position);
    await repo.insertAreas(tx.db, [
      {
        versionId: version.id,
        key: input.key,
        position,
        title: input.title,
        description: input.description,
        commitments: input.commitments ?? [],
        gcmObjectives: input.gcmObjectives ?? [],
        gcrAreas: input.gcrAreas ?? [],
        sdgTargets: input.sdgTargets ?? [],
      },
    ]);
    const after = await repo.touchVersion(tx.db, version.id);
    const result = areaResult(pledge, after, await repo.areasOf(tx.db, version.id), input.key);
    await recordAudit(tx, {
      action: 'area.added',
      entityType: 'pledge_version',
      entityId: version.id,
      summary: { pledge: pledge.slug, number, key: input.key, after: result.area },
    });
    return result;
  });
}

export async function updateArea(
  ctx: ServiceContext,
  idOrSlug: string,
  number: number,
  key: string,
  input: UpdateAreaInput,
  ifMatch?: string,
) {
  return withTx(ctx, async (tx) => {
    const { pledge, version } = await lockDraftForEdit(tx, idOrSlug, number, ifMatch);
    const areas = await repo.areasOf(tx.db, version.id);
    const current = areas.find((a) => a.key === key);
    if (!current) throw new NotFoundError(`Area ${key}`);
    const { position, ...fields } = input;
    if (position !== undefined && position !== current.position) {
      // Reorder: take the area out, close the gap, make room at the new place.
      const target = Math.min(position, areas.length);
      await repo.updateArea(tx.db, current.id, { position: 0 });
      await repo.compactAreasAfter(tx.db, version.id, current.position);
      await repo.shiftAreasFrom(tx.db, version.id, target);
      await repo.updateArea(tx.db, current.id, { position: target });
    }
    if (Object.keys(fields).length > 0) await repo.updateArea(tx.db, current.id, fields);
    const after = await repo.touchVersion(tx.db, version.id);
    const result = areaResult(pledge, after, await repo.areasOf(tx.db, version.id), key);
    await recordAudit(tx, {
      action: 'area.updated',
      entityType: 'pledge_version',
      entityId: version.id,
      summary: { pledge: pledge.slug, number, key, before: toArea(current), after: result.area },
    });
    return result;
  });
}

export async function deleteArea(ctx: ServiceContext, idOrSlug: string, number: number, key: string, ifMatch?: string) {
  return withTx(ctx, async (tx) => {
    const { pledge, version } = await lockDraftForEdit(tx, idOrSlug, number, ifMatch);
    const current = (await repo.areasOf(tx.db, version.id)).find((a) => a.key === key);
    if (!current) throw new NotFoundError(`Area ${key}`);
    await repo.deleteArea(tx.db, current.id);
    await repo.compactAreasAfter(tx.db, version.id, current.position);
    const after = await repo.touchVersion(tx.db, version.id);
    await recordAudit(tx, {
      action: 'area.removed',
      entityType: 'pledge_version',
      entityId: version.id,
      summary: { pledge: pledge.slug, number, key, before: toArea(current) },
    });
    return { etag: versionEtag(after) };
  });
}
