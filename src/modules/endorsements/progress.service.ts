import { withTx } from '../../db/tx.js';
import { nowOf, type ServiceContext } from '../context.js';
import { actorUserId } from '../../lib/actor.js';
import { InvalidStateError, ValidationError } from '../../lib/errors.js';
import { runIdempotent } from '../../db/idempotency.js';
import { recordAudit } from '../audit/index.js';
import { endorsesArea, isLive } from './endorsement.rules.js';
import { findVisibleEndorsement, requireReportingCity } from './endorsements.access.js';
import * as repo from './endorsements.repository.js';

function toProgress(row: repo.ProgressRow) {
  return {
    id: row.id,
    endorsementId: row.endorsementId,
    areaKey: row.areaKey,
    stage: row.stage,
    narrative: row.narrative,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
  };
}

/** The endorsing city reports per endorsed area, on a live endorsement. */
export async function addProgress(
  ctx: ServiceContext,
  id: string,
  input: { areaKey: string; stage: 'planning' | 'in_progress' | 'fulfilled' | 'dropped'; narrative: string },
  idempotencyKey?: string,
) {
  return withTx(ctx, async (tx) => {
    const row = await findVisibleEndorsement(tx, id, true);
    requireReportingCity(tx.actor);
    return runIdempotent(
      tx.db,
      { userId: actorUserId(tx.actor), scope: `progress:${id}`, key: idempotencyKey, request: input },
      async () => {
        if (!isLive(row.status))
          throw new InvalidStateError(`The endorsement is ${row.status}: no progress can be reported on it.`);
        if (!endorsesArea(row.areaKeys, input.areaKey)) {
          throw new ValidationError(`${input.areaKey} is not an area this city endorsed.`, [
            { path: 'areaKey', message: `not endorsed; endorsed: ${row.areaKeys.join(', ')}` },
          ]);
        }
        const progress = await repo.insertProgress(tx.db, {
          endorsementId: row.id,
          ...input,
          createdBy: actorUserId(tx.actor),
          createdAt: nowOf(tx),
        });
        await recordAudit(tx, {
          action: 'endorsement.progress_reported',
          entityType: 'endorsement',
          entityId: row.id,
          summary: { progressId: progress.id, areaKey: input.areaKey, stage: input.stage },
        });
        return { status: 201, body: toProgress(progress) };
      },
    );
  });
}

export async function listProgress(ctx: ServiceContext, id: string) {
  const row = await findVisibleEndorsement(ctx, id);
  return (await repo.progressOf(ctx.db, row.id)).map(toProgress);
}
