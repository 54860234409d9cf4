import { withTx } from '../../db/tx.js';
import type { ServiceContext } from '../../lib/actor.js';
import { actorUserId } from '../../lib/actor.js';
import { requireSignedIn } from '../../lib/authorize.js';
import { ConflictError, ForbiddenError, InvalidStateError, isUniqueViolation, NotFoundError, ValidationError } from '../../lib/errors.js';
import { runIdempotent } from '../../lib/idempotency.js';
import { recordAudit } from '../audit/audit.service.js';
import { tellSecretariat } from './endorsements.mail.js';
import * as repo from './endorsements.repository.js';
import type { CreateEndorsementInput, EndorsementView } from './endorsements.schemas.js';
import { toEndorsementView } from './endorsements.view.js';

/** The keys a scope stands for: every area of the version, or the chosen ones (all must exist). */
export function resolveAreaKeys(versionKeys: string[], scope: 'whole' | 'areas', chosen: string[] | undefined, path = 'areaKeys'): string[] {
  if (scope === 'whole') return versionKeys;
  const unknown = (chosen ?? []).filter((k) => !versionKeys.includes(k));
  if (unknown.length > 0) {
    throw new ValidationError(`Unknown area key(s) for this version: ${unknown.join(', ')}.`, [{ path, message: `unknown area key(s): ${unknown.join(', ')}` }]);
  }
  // Keep the version's order, whatever order the city listed them in.
  return versionKeys.filter((k) => chosen!.includes(k));
}

export interface EndorseDeps {
  publicBaseUrl: string;
}

/**
 * A city endorses the published version, whole or by area. The request names the version it
 * read, so nobody endorses a text they did not see; the stored endorsement keeps its hash.
 */
export async function createEndorsement(
  ctx: ServiceContext,
  deps: EndorseDeps,
  pledgeRef: string,
  input: CreateEndorsementInput,
  idempotencyKey?: string,
): Promise<{ status: number; body: EndorsementView; replayed: boolean }> {
  requireSignedIn(ctx.actor);
  const actor = ctx.actor;
  let cityId: string;
  if (actor.kind === 'city_official') {
    if (input.cityId && input.cityId !== actor.cityId) throw new ForbiddenError('A city official endorses for their own city only.');
    cityId = actor.cityId;
  } else if (actor.kind === 'secretariat' || actor.kind === 'system') {
    if (!input.cityId) throw new ValidationError('Name the city endorsing.', [{ path: 'cityId', message: 'is required when the secretariat endorses on behalf of a city' }]);
    cityId = input.cityId;
  } else {
    throw new ForbiddenError('Only a city official or the secretariat may endorse.');
  }
  return withTx(ctx, async (tx) => {
    // The key is scoped by the pledge's id, so /pledges/<slug> and /pledges/<id> are one request.
    // One round trip loads the pledge, its published version with its areas, and the city.
    const loaded = await repo.loadEndorseContext(tx.db, pledgeRef, cityId);
    if (!loaded) throw new NotFoundError('Published pledge');
    const { pledge, published, city } = loaded;
    return runIdempotent(tx.db, { userId: actorUserId(actor), scope: `endorse:${pledge.id}`, key: idempotencyKey, request: input }, async () => {
      if (!published) throw new NotFoundError('Published pledge');
      if (input.versionNumber !== published.number) {
        throw new InvalidStateError(`Version ${input.versionNumber} is not the published version of this pledge (${published.number}); read it and endorse that one.`);
      }
      if (!city) throw new ValidationError('Unknown city.', [{ path: 'cityId', message: 'no such city' }]);
      const areaKeys = resolveAreaKeys(published.areaKeys, input.scope, input.areaKeys);
      const now = new Date();
      let row: repo.EndorsementRow;
      try {
        row = await repo.insertEndorsement(tx.db, {
          pledgeId: pledge.id,
          cityId,
          versionId: published.id,
          versionNumber: published.number,
          contentHash: published.contentHash,
          scope: input.scope,
          areaKeys,
          signatoryName: input.signatory.name,
          signatoryTitle: input.signatory.title,
          signatoryEmail: input.signatory.email ?? null,
          statement: input.statement ?? null,
          language: input.language,
          onBehalf: actor.kind !== 'city_official',
          createdBy: actorUserId(actor),
          createdAt: now,
          updatedAt: now,
          submittedAt: now,
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw new ConflictError(`${city.name} already has a live endorsement of this pledge; amend or withdraw it instead.`);
        throw err;
      }
      await repo.insertRevision(tx.db, {
        endorsementId: row.id,
        revision: 1,
        at: now,
        actorId: actorUserId(actor),
        actorRole: actor.kind,
        action: actor.kind === 'city_official' ? 'submitted' : 'submitted_on_behalf',
        status: 'submitted',
        scope: row.scope,
        areaKeys,
        versionNumber: row.versionNumber,
        contentHash: row.contentHash,
        reason: null,
      });
      await tellSecretariat(tx.db, { endorsementId: row.id, revision: 1, cityName: city.name, pledgeTitle: pledge.title.en, versionNumber: row.versionNumber, baseUrl: deps.publicBaseUrl }, 'submitted');
      await recordAudit(tx, {
        action: 'endorsement.submitted',
        entityType: 'endorsement',
        entityId: row.id,
        summary: { pledge: pledge.slug, cityId, versionNumber: row.versionNumber, scope: row.scope, areaKeys, onBehalf: row.onBehalf },
      });
      return { status: 201, body: toEndorsementView(row, city, pledge.slug, undefined) };
    });
  });
}
