import { randomUUID } from 'node:crypto';
import { withTx } from '../../db/tx.js';
import type { ServiceContext } from '../../lib/actor.js';
import { actorUserId } from '../../lib/actor.js';
import { requireSignedIn } from '../../lib/authorize.js';
import { ConflictError, ForbiddenError, InvalidStateError, isUniqueViolation, NotFoundError, ValidationError } from '../../lib/errors.js';
import { runIdempotent } from '../../lib/idempotency.js';
import { auditEventRow } from '../audit/audit.service.js';
import { secretariatMessage } from './endorsements.mail.js';
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
  /** CERT_SIGNING_KEY, when configured: signs the certificates that verification issues. */
  certSigningKey?: string;
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
  const submit = async (c: ServiceContext, loaded: repo.EndorseContext) => {
    const { pledge, published, city } = loaded;
    if (!published) throw new NotFoundError('Published pledge');
    if (input.versionNumber !== published.number) {
      throw new InvalidStateError(`Version ${input.versionNumber} is not the published version of this pledge (${published.number}); read it and endorse that one.`);
    }
    if (!city) throw new ValidationError('Unknown city.', [{ path: 'cityId', message: 'no such city' }]);
    const areaKeys = resolveAreaKeys(published.areaKeys, input.scope, input.areaKeys);
    const now = new Date();
    const row: repo.EndorsementRow = {
      id: randomUUID(),
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
      status: 'submitted',
      revision: 1,
      onBehalf: actor.kind !== 'city_official',
      createdBy: actorUserId(actor),
      createdAt: now,
      updatedAt: now,
      submittedAt: now,
      verifiedAt: null,
      decidedBy: null,
      decisionNote: null,
      withdrawnAt: null,
    };
    const facts = { endorsementId: row.id, revision: 1, cityName: city.name, pledgeTitle: pledge.title.en, versionNumber: row.versionNumber, baseUrl: deps.publicBaseUrl };
    const audit = auditEventRow(c, {
      action: 'endorsement.submitted',
      entityType: 'endorsement',
      entityId: row.id,
      summary: { pledge: pledge.slug, cityId, versionNumber: row.versionNumber, scope: row.scope, areaKeys, onBehalf: row.onBehalf },
    });
    let inserted: boolean;
    try {
      // One statement: endorsement, first revision, the secretariat's mail and the audit event.
      inserted = await repo.submitEndorsement(
        c.db,
        row,
        { actorId: actorUserId(actor), actorRole: actor.kind, action: actor.kind === 'city_official' ? 'submitted' : 'submitted_on_behalf' },
        secretariatMessage(facts, 'submitted'),
        audit,
      );
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`${city.name} already has a live endorsement of this pledge; amend or withdraw it instead.`);
      throw err;
    }
    if (!inserted) throw new InvalidStateError('A newer version of this pledge was published a moment ago; read it and endorse that one.');
    return { status: 201, body: toEndorsementView(row, city, pledge.slug, undefined) };
  };

  if (!idempotencyKey) {
    // Without a key the submission is one read and one atomic write: no transaction needed.
    const loaded = await repo.loadEndorseContext(ctx.db, pledgeRef, cityId);
    if (!loaded) throw new NotFoundError('Published pledge');
    return { ...(await submit(ctx, loaded)), replayed: false };
  }
  return withTx(ctx, async (tx) => {
    const loaded = await repo.loadEndorseContext(tx.db, pledgeRef, cityId);
    if (!loaded) throw new NotFoundError('Published pledge');
    // The key is scoped by the pledge's id, so /pledges/<slug> and /pledges/<id> are one request.
    return runIdempotent(tx.db, { userId: actorUserId(actor), scope: `endorse:${loaded.pledge.id}`, key: idempotencyKey, request: input }, () => submit(tx, loaded));
  });
}
