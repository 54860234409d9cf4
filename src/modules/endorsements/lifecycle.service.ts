import { withTx } from '../../db/tx.js';
import type { EndorsementStatus } from '../../db/schema/index.js';
import { nowOf, type ServiceContext } from '../context.js';
import { actorUserId } from '../../lib/actor.js';
import { requireSecretariat } from '../../lib/authorize.js';
import { ConflictError, InvalidStateError, NotFoundError } from '../../lib/errors.js';
import { recordAudit } from '../audit/index.js';
import { issueCertificate, revokeCertificate } from '../certificates/index.js';
import { findCityById } from '../cities/index.js';
import { areasOf, findPledge, findPublishedVersion, findVersionById } from '../pledges/index.js';
import type { EndorseDeps } from './endorse.service.js';
import { resolveAreaKeys } from './endorsement.rules.js';
import { endorsementStateMachine } from './endorsement.state.js';
import { findChangeableEndorsement, findVisibleEndorsement } from './endorsements.access.js';
import { tellCity, tellSecretariat } from './endorsements.mail.js';
import * as repo from './endorsements.repository.js';
import { endorsementDetail } from './endorsements.view.js';

interface Change {
  action: string;
  status: EndorsementStatus;
  reason?: string | null;
  set?: Partial<Parameters<typeof repo.updateEndorsement>[2]>;
}

/** Every change is a new revision: the row moves on, the history keeps who, when, what and why. */
async function recordChange(ctx: ServiceContext, row: repo.EndorsementRow, change: Change) {
  const now = nowOf(ctx);
  const revision = row.revision + 1;
  const updated = await repo.updateEndorsement(ctx.db, row.id, {
    ...change.set,
    status: change.status,
    revision,
    updatedAt: now,
  });
  await repo.insertRevision(ctx.db, {
    endorsementId: row.id,
    revision,
    at: now,
    actorId: actorUserId(ctx.actor),
    actorRole: ctx.actor.kind,
    action: change.action,
    status: change.status,
    scope: updated.scope,
    areaKeys: updated.areaKeys,
    versionNumber: updated.versionNumber,
    contentHash: updated.contentHash,
    reason: change.reason ?? null,
  });
  const pledge = (await findPledge(ctx.db, row.pledgeId))!;
  const city = (await findCityById(ctx.db, row.cityId))!;
  await recordAudit(ctx, {
    action: `endorsement.${change.action}`,
    entityType: 'endorsement',
    entityId: row.id,
    summary: {
      pledge: pledge.slug,
      cityId: row.cityId,
      revision,
      reason: change.reason ?? null,
      before: { status: row.status, scope: row.scope, areaKeys: row.areaKeys, versionNumber: row.versionNumber },
      after: {
        status: updated.status,
        scope: updated.scope,
        areaKeys: updated.areaKeys,
        versionNumber: updated.versionNumber,
      },
    },
  });
  const facts = {
    endorsementId: row.id,
    revision,
    cityName: city.name,
    pledgeTitle: pledge.title,
    versionNumber: updated.versionNumber,
  };
  return { updated, pledge, facts };
}

export async function getEndorsement(ctx: ServiceContext, id: string) {
  const row = await findVisibleEndorsement(ctx, id);
  const pledge = (await findPledge(ctx.db, row.pledgeId))!;
  return endorsementDetail(ctx.db, row, pledge.slug);
}

/** Changes the endorsed areas; a verified endorsement goes back to submitted for verification. */
export async function amendEndorsement(
  ctx: ServiceContext,
  deps: EndorseDeps,
  id: string,
  input: { scope: 'whole' | 'areas'; areaKeys?: string[]; reason?: string },
) {
  return withTx(ctx, async (tx) => {
    const row = await findChangeableEndorsement(tx, id);
    const status = endorsementStateMachine.assert('amend', row.status);
    const versionKeys = (await areasOf(tx.db, row.versionId)).map((a) => a.key);
    const areaKeys = resolveAreaKeys(versionKeys, input.scope, input.areaKeys);
    const { updated, pledge, facts } = await recordChange(tx, row, {
      action: 'amended',
      status,
      reason: input.reason,
      set: { scope: input.scope, areaKeys, submittedAt: nowOf(tx), verifiedAt: null, decisionNote: null },
    });
    await tellSecretariat(tx, { ...facts, baseUrl: deps.publicBaseUrl }, 'amended', input.reason);
    return endorsementDetail(tx.db, updated, pledge.slug);
  });
}

/**
 * Moves a live endorsement to the newer published version. Areas map by key; those the new
 * version no longer has are dropped, and the answer lists them.
 */
export async function reconfirmEndorsement(
  ctx: ServiceContext,
  deps: EndorseDeps,
  id: string,
  input: { versionNumber: number; scope?: 'whole' | 'areas'; areaKeys?: string[] },
) {
  return withTx(ctx, async (tx) => {
    const row = await findChangeableEndorsement(tx, id);
    const status = endorsementStateMachine.assert('reconfirm', row.status);
    const published = await findPublishedVersion(tx.db, row.pledgeId);
    if (!published || published.number !== input.versionNumber) {
      throw new InvalidStateError(
        `Version ${input.versionNumber} is not the published version of this ` +
          `pledge${published ? ` (${published.number})` : ''}.`,
      );
    }
    if (published.number <= row.versionNumber) {
      throw new InvalidStateError(
        `The endorsement is already on version ${row.versionNumber}; re-confirm only on a newer published version.`,
      );
    }
    const newKeys = (await areasOf(tx.db, published.id)).map((a) => a.key);
    const scope = input.scope ?? row.scope;
    let areaKeys: string[];
    let dropped: string[] = [];
    if (input.areaKeys) {
      areaKeys = resolveAreaKeys(newKeys, 'areas', input.areaKeys);
    } else if (scope === 'whole') {
      areaKeys = newKeys;
    } else {
      areaKeys = newKeys.filter((k) => row.areaKeys.includes(k));
      dropped = row.areaKeys.filter((k) => !newKeys.includes(k));
      if (areaKeys.length === 0) {
        throw new InvalidStateError(
          `None of the endorsed areas exists in version ${published.number}; choose areas with areaKeys.`,
        );
      }
    }
    const { updated, pledge, facts } = await recordChange(tx, row, {
      action: 'reconfirmed',
      status,
      reason: dropped.length > 0 ? `areas no longer in version ${published.number}: ${dropped.join(', ')}` : null,
      set: {
        versionId: published.id,
        versionNumber: published.number,
        contentHash: published.contentHash!,
        scope,
        areaKeys,
        submittedAt: nowOf(tx),
        verifiedAt: null,
        decisionNote: null,
      },
    });
    await tellSecretariat(tx, { ...facts, baseUrl: deps.publicBaseUrl }, 'reconfirmed');
    return { ...(await endorsementDetail(tx.db, updated, pledge.slug)), droppedAreaKeys: dropped };
  });
}

export async function withdrawEndorsement(ctx: ServiceContext, deps: EndorseDeps, id: string, reason: string) {
  return withTx(ctx, async (tx) => {
    const row = await findChangeableEndorsement(tx, id);
    const status = endorsementStateMachine.assert('withdraw', row.status);
    const { updated, pledge, facts } = await recordChange(tx, row, {
      action: 'withdrawn',
      status,
      reason,
      set: { withdrawnAt: nowOf(tx) },
    });
    await revokeCertificate(tx, row.id, reason);
    await tellSecretariat(tx, { ...facts, baseUrl: deps.publicBaseUrl }, 'withdrawn', reason);
    return endorsementDetail(tx.db, updated, pledge.slug);
  });
}

/** The secretariat verifies or rejects a submitted endorsement. */
export async function decideEndorsement(
  ctx: ServiceContext,
  deps: EndorseDeps,
  id: string,
  input: { decision: 'verified' | 'rejected'; note?: string; revision?: number },
) {
  requireSecretariat(ctx.actor);
  return withTx(ctx, async (tx) => {
    const row = await findVisibleEndorsement(tx, id, true);
    const status = endorsementStateMachine.assert(input.decision === 'verified' ? 'verify' : 'reject', row.status);
    // A decision is on what was read: a change by the city since then is not decided unseen.
    if (input.revision !== undefined && input.revision !== row.revision) {
      throw new ConflictError(
        `The endorsement has changed since revision ${input.revision} (it is at revision ${row.revision}): ` +
          'read it again.',
      );
    }
    const pledge = await findPledge(tx.db, row.pledgeId);
    if (!pledge) throw new NotFoundError('Pledge');
    if (
      input.decision === 'verified' &&
      pledge.requireMandateDocument &&
      !(await repo.findMandateMeta(tx.db, row.id))
    ) {
      throw new InvalidStateError('This pledge requires a mandate document: upload it before verification.');
    }
    const version = await findVersionById(tx.db, row.versionId);
    const { updated, facts } = await recordChange(tx, row, {
      action: input.decision,
      status,
      reason: input.note,
      set: {
        decidedBy: actorUserId(tx.actor),
        decisionNote: input.note ?? null,
        ...(input.decision === 'verified' ? { verifiedAt: nowOf(tx) } : {}),
      },
    });
    // Verification and its certificate commit together, or neither does.
    let certificateSerial: string | undefined;
    if (input.decision === 'verified') certificateSerial = (await issueCertificate(tx, deps, updated)).serial;
    // A rejected amendment ends the endorsement: the certificate of its earlier revision goes too.
    else await revokeCertificate(tx, row.id, input.note ?? 'rejected');
    await tellCity(
      tx,
      row.cityId,
      {
        ...facts,
        versionNumber: version?.number ?? row.versionNumber,
        baseUrl: deps.publicBaseUrl,
        ...(certificateSerial ? { certificateSerial } : {}),
      },
      input.decision,
      input.note,
    );
    return endorsementDetail(tx.db, updated, pledge.slug);
  });
}
