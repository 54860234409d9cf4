import { randomUUID } from 'node:crypto';
import { withTx } from '../../db/tx.js';
import type { ServiceContext } from '../../lib/actor.js';
import { actorUserId } from '../../lib/actor.js';
import { requireSignedIn } from '../../lib/authorize.js';
import {
  ConflictError,
  ForbiddenError,
  InvalidStateError,
  isUniqueViolation,
  NotFoundError,
  ValidationError,
} from '../../lib/errors.js';
import { runIdempotent } from '../../lib/idempotency.js';
import { secretariatDedupePrefix, secretariatMessageTemplate } from './endorsements.mail.js';
import * as repo from './endorsements.repository.js';
import type { CreateEndorsementInput, EndorsementView } from './endorsements.schemas.js';
import { toEndorsementView } from './endorsements.view.js';

/** The keys a scope stands for: every area of the version, or the chosen ones (all must exist). */
export function resolveAreaKeys(
  versionKeys: string[],
  scope: 'whole' | 'areas',
  chosen: string[] | undefined,
  path = 'areaKeys',
): string[] {
  if (scope === 'whole') return versionKeys;
  const unknown = (chosen ?? []).filter((k) => !versionKeys.includes(k));
  if (unknown.length > 0) {
    throw new ValidationError(`Unknown area key(s) for this version: ${unknown.join(', ')}.`, [
      { path, message: `unknown area key(s): ${unknown.join(', ')}` },
    ]);
  }
  // Keep the version's order, whatever order the city listed them in.
  return versionKeys.filter((k) => chosen!.includes(k));
}

export interface EndorseDeps {
  publicBaseUrl: string;
  /** CERT_SIGNING_KEY, when configured: signs the certificates that verification issues. */
  certSigningKey?: string;
}

/** The statement's input for a request: everything but who submits. */
function submissionOf(
  deps: EndorseDeps,
  pledgeRef: string,
  input: CreateEndorsementInput,
  requestId: string | null,
  auditExtra: Record<string, unknown>,
) {
  const id = randomUUID();
  return {
    id,
    at: new Date(),
    pledgeRef,
    // Ids compare as uuids in the statement: lower-case, as the full path compares them.
    cityId: input.cityId?.toLowerCase() ?? null,
    versionNumber: input.versionNumber,
    scope: input.scope,
    areaKeys: input.scope === 'areas' ? (input.areaKeys ?? []) : null,
    signatory: { name: input.signatory.name, title: input.signatory.title, email: input.signatory.email ?? null },
    statement: input.statement ?? null,
    language: input.language,
    mail: {
      ...secretariatMessageTemplate(
        { revision: 1, versionNumber: input.versionNumber, baseUrl: deps.publicBaseUrl },
        'submitted',
      ),
      dedupePrefix: secretariatDedupePrefix(id, 1, 'submitted'),
    },
    audit: { id: randomUUID(), requestId, extra: auditExtra },
  } satisfies repo.Submission;
}

/** The answer to a submission: the endorsement as the statement wrote it. */
function submittedView(s: repo.Submission, w: repo.Submitted): EndorsementView {
  const row: repo.EndorsementRow = {
    id: s.id,
    pledgeId: w.pledgeId,
    cityId: w.city.id,
    versionId: w.versionId,
    versionNumber: w.versionNumber,
    contentHash: w.contentHash,
    scope: s.scope,
    areaKeys: w.areaKeys,
    signatoryName: s.signatory.name,
    signatoryTitle: s.signatory.title,
    signatoryEmail: s.signatory.email,
    statement: s.statement,
    language: s.language as repo.EndorsementRow['language'],
    status: 'submitted',
    revision: 1,
    onBehalf: w.actorRole !== 'city_official',
    createdBy: w.actorId,
    createdAt: s.at,
    updatedAt: s.at,
    submittedAt: s.at,
    verifiedAt: null,
    decidedBy: null,
    decisionNote: null,
    withdrawnAt: null,
  };
  return toEndorsementView(row, w.city, w.slug, undefined);
}

/**
 * The common case of endorsing, in one round trip: the signed-in user's row (active, a city
 * official for their own city or the secretariat), the published version, the city and the area
 * keys are all checked by the statement that writes. Answers `undefined` when any check fails or
 * the city already has a live endorsement; the caller then takes `createEndorsement`, which finds
 * out which and answers with the right error (or succeeds, if things changed in between).
 */
export async function endorseInOneStep(
  db: ServiceContext['db'],
  deps: EndorseDeps,
  userId: string,
  pledgeRef: string,
  input: CreateEndorsementInput,
  requestId: string | null,
): Promise<EndorsementView | undefined> {
  const submission = submissionOf(deps, pledgeRef, input, requestId, {});
  try {
    const written = await repo.submitEndorsement(db, { userId }, submission);
    return written && submittedView(submission, written);
  } catch (err) {
    if (isUniqueViolation(err)) return undefined;
    throw err;
  }
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
    if (input.cityId && input.cityId.toLowerCase() !== actor.cityId)
      throw new ForbiddenError('A city official endorses for their own city only.');
    cityId = actor.cityId;
  } else if (actor.kind === 'secretariat' || actor.kind === 'system') {
    if (!input.cityId)
      throw new ValidationError('Name the city endorsing.', [
        { path: 'cityId', message: 'is required when the secretariat endorses on behalf of a city' },
      ]);
    cityId = input.cityId;
  } else {
    throw new ForbiddenError('Only a city official or the secretariat may endorse.');
  }
  const submit = async (c: ServiceContext, loaded: repo.EndorseContext) => {
    const { published, city } = loaded;
    if (!published) throw new NotFoundError('Published pledge');
    if (input.versionNumber !== published.number) {
      throw new InvalidStateError(
        `Version ${input.versionNumber} is not the published version of this pledge (${published.number}); read it and endorse that one.`,
      );
    }
    if (!city) throw new ValidationError('Unknown city.', [{ path: 'cityId', message: 'no such city' }]);
    // 400 for an unknown key; the statement stores the keys in the version's order.
    resolveAreaKeys(published.areaKeys, input.scope, input.areaKeys);
    // Everything checked: the same statement as the one-step path writes it, for this actor.
    const submission = submissionOf(
      deps,
      loaded.pledge.id,
      { ...input, cityId },
      c.requestId ?? null,
      actor.kind === 'system' ? { by: actor.label } : {},
    );
    let written: repo.Submitted | undefined;
    try {
      written = await repo.submitEndorsement(
        c.db,
        {
          checked: {
            id: actorUserId(actor),
            role: actor.kind,
            cityId: actor.kind === 'city_official' ? actor.cityId : null,
          },
        },
        submission,
      );
    } catch (err) {
      if (isUniqueViolation(err))
        throw new ConflictError(
          `${city.name} already has a live endorsement of this pledge; amend or withdraw it instead.`,
        );
      throw err;
    }
    // Everything was checked just before: the published version (or the city) changed in between.
    if (!written)
      throw new InvalidStateError(
        'The pledge or the city changed a moment ago (a newer version may have been published); read it again and resubmit.',
      );
    return { status: 201, body: submittedView(submission, written) };
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
    return runIdempotent(
      tx.db,
      { userId: actorUserId(actor), scope: `endorse:${loaded.pledge.id}`, key: idempotencyKey, request: input },
      () => submit(tx, loaded),
    );
  });
}
