import { randomUUID } from 'node:crypto';
import { inOneStatement, withTx } from '../../db/tx.js';
import { actorUserId } from '../../lib/actor.js';
import { nowOf, type ServiceContext } from '../context.js';
import {
  ConflictError,
  InvalidStateError,
  isUniqueViolation,
  NotFoundError,
  ValidationError,
} from '../../lib/errors.js';
import { runIdempotent } from '../../db/idempotency.js';
import { recordAudit } from '../audit/index.js';
import { resolveAreaKeys } from './endorsement.rules.js';
import { endorsingCity } from './endorsements.access.js';
import { tellSecretariat } from './endorsements.mail.js';
import * as repo from './endorsements.repository.js';
import type { CreateEndorsementInput, EndorsementView } from './endorsements.schemas.js';
import { toEndorsementView } from './endorsements.view.js';

export interface EndorseDeps {
  publicBaseUrl: string;
  /** CERT_SIGNING_KEY, when configured: signs the certificates that verification issues. */
  certSigningKey?: string;
}

/**
 * A city endorses the published version, whole or by area. The request names the version it
 * read, so nobody endorses a text they did not see; the stored endorsement keeps its hash. The
 * endorsement, its first revision, the audit event and the secretariat's mail commit together.
 */
export async function createEndorsement(
  ctx: ServiceContext,
  deps: EndorseDeps,
  pledgeRef: string,
  input: CreateEndorsementInput,
  idempotencyKey?: string,
): Promise<{ status: number; body: EndorsementView; replayed: boolean }> {
  const cityId = endorsingCity(ctx.actor, input.cityId);
  // Read before the transaction: at READ COMMITTED a read inside it would see the same.
  const loaded = await repo.loadEndorseContext(ctx.db, pledgeRef, cityId);
  const { published, city } = loaded ?? {};
  if (!loaded || !published) throw new NotFoundError('Published pledge');
  if (input.versionNumber !== published.number) {
    throw new InvalidStateError(
      `Version ${input.versionNumber} is not the published version of this pledge (${published.number}); read it ` +
        `and endorse that one.`,
    );
  }
  if (!city) throw new ValidationError('Unknown city.', [{ path: 'cityId', message: 'no such city' }]);
  const areaKeys = resolveAreaKeys(published.areaKeys, input.scope, input.areaKeys);

  const submit = async (tx: ServiceContext) => {
    const at = nowOf(tx);
    const id = randomUUID();
    const actorId = actorUserId(tx.actor);
    const onBehalf = tx.actor.kind !== 'city_official';
    const written = {
      id,
      pledgeId: loaded.pledge.id,
      cityId: city.id,
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
      onBehalf,
      createdBy: actorId,
      at,
    };
    await repo.queueNewEndorsement(tx, written, {
      endorsementId: id,
      revision: 1,
      at,
      actorId,
      actorRole: tx.actor.kind,
      action: onBehalf ? 'submitted_on_behalf' : 'submitted',
      status: 'submitted',
      scope: input.scope,
      areaKeys,
      versionNumber: published.number,
      contentHash: published.contentHash,
      reason: null,
    });
    await recordAudit(tx, {
      action: 'endorsement.submitted',
      entityType: 'endorsement',
      entityId: id,
      summary: {
        pledge: loaded.pledge.slug,
        cityId: city.id,
        versionNumber: published.number,
        scope: input.scope,
        areaKeys,
        onBehalf,
      },
    });
    const facts = {
      endorsementId: id,
      revision: 1,
      cityName: city.name,
      pledgeTitle: loaded.pledge.title,
      versionNumber: published.number,
      baseUrl: deps.publicBaseUrl,
    };
    await tellSecretariat(tx, facts, 'submitted');
    const row: repo.EndorsementRow = {
      ...written,
      status: 'submitted',
      revision: 1,
      createdAt: at,
      updatedAt: at,
      submittedAt: at,
      verifiedAt: null,
      decidedBy: null,
      decisionNote: null,
      withdrawnAt: null,
    };
    return { status: 201, body: toEndorsementView(row, city, loaded.pledge.slug, undefined) };
  };

  try {
    // Without a key nothing is read or locked inside the change: its four rows go as one statement.
    if (!idempotencyKey) return { ...(await inOneStatement(ctx, submit)), replayed: false };
    return await withTx(ctx, (tx) =>
      // The key is scoped by the pledge's id, so /pledges/<slug> and /pledges/<id> are one request.
      runIdempotent(
        tx.db,
        { userId: actorUserId(tx.actor), scope: `endorse:${loaded.pledge.id}`, key: idempotencyKey, request: input },
        () => submit(tx),
      ),
    );
  } catch (err) {
    // The partial unique index: one live endorsement per city and pledge, however many race.
    if (isUniqueViolation(err, 'endorsements_one_live_per_city')) {
      throw new ConflictError(
        `${city.name} already has a live endorsement of this pledge; amend or withdraw it instead.`,
      );
    }
    throw err;
  }
}
