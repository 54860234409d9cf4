import { type KeyObject, verify } from 'node:crypto';
import type { Db } from '../../db/client.js';
import type { ServiceContext } from '../context.js';
import type { Language } from '../../lib/countries.js';
import { AppError, NotFoundError, ValidationError } from '../../lib/errors.js';
import { canonicalJson } from '../../lib/hash.js';
import type { TaskRunner } from '../../lib/worker-pool.js';
import { findOwnCityEndorsement } from '../endorsements/index.js';
import {
  extractProof,
  renderCertificatePdf,
  type EmbeddedProof,
  type RenderableCertificate,
} from './certificate.pdf.js';
import { renderOnWorker } from './certificate.render.js';
import * as repo from './certificates.repository.js';
import { getCertificate, type CertificatePayload } from './certificates.service.js';
import { findPublicKey } from './signing-keys.js';

export const MAX_CERTIFICATE_PDF_BYTES = 5 * 1024 * 1024;

/** Why a check failed (or that it passed), for a reader's language; `reason` says it in English. */
export type CheckOutcome = 'genuine' | 'malformed' | 'forged' | 'altered' | 'unknown_key' | 'differs';

export interface CheckResult {
  ok: boolean;
  outcome: CheckOutcome;
  reason: string;
}

type Render = (certificate: RenderableCertificate, language: Language) => Promise<Buffer>;

/**
 * Checks a certificate PDF against a public key alone (what the offline CLI can do): the
 * signature must cover the embedded payload, and re-rendering that payload must give exactly the
 * uploaded bytes, so an edit of the printed text is caught as surely as an edit of the payload.
 * The service re-renders on its worker threads; the CLI, with nothing else to do, on its own.
 */
export async function checkPdfOffline(
  pdf: Buffer,
  proof: EmbeddedProof,
  publicKey: KeyObject,
  render: Render = renderCertificatePdf,
): Promise<CheckResult> {
  let signed: boolean;
  try {
    signed = verify(
      null,
      Buffer.from(canonicalJson(proof.payload)),
      publicKey,
      Buffer.from(proof.signature, 'base64url'),
    );
  } catch {
    return { ok: false, outcome: 'malformed', reason: 'the certificate data cannot be checked (malformed)' };
  }
  if (!signed)
    return {
      ok: false,
      outcome: 'forged',
      reason: 'the signature does not match the certificate data (forged or altered)',
    };
  const rendered = await render(
    { payload: proof.payload, signature: proof.signature, keyId: proof.keyId },
    proof.language,
  );
  if (!rendered.equals(pdf))
    return {
      ok: false,
      outcome: 'altered',
      reason: 'the document was altered after it was issued (its content differs from the signed certificate)',
    };
  return { ok: true, outcome: 'genuine', reason: 'the signature and the document check out' };
}

/** POST /certificates/verify: the upload checked against the key and the stored certificate. */
export async function verifyUploadedPdf(db: Db, workers: TaskRunner, pdf: Buffer) {
  if (pdf.length === 0 || pdf.subarray(0, 5).toString('latin1') !== '%PDF-') {
    throw new AppError(415, 'unsupported_media_type', 'Upload the certificate as a PDF file.');
  }
  const proof = extractProof(pdf);
  if (!proof)
    throw new ValidationError('This PDF is not an Action Pledge certificate (it carries no certificate data).', [
      { path: 'body', message: 'no embedded certificate' },
    ]);
  const stored = await repo.findBySerial(db, proof.payload.serial);
  if (!stored) throw new NotFoundError('Certificate');
  const answer = await getCertificate(db, stored.serial);
  const publicKey = await findPublicKey(db, proof.keyId);
  let check: CheckResult = {
    ok: false,
    outcome: 'unknown_key',
    reason: 'the certificate names a signing key that is not ours',
  };
  if (publicKey)
    check = await checkPdfOffline(pdf, proof, publicKey, (c, language) => renderOnWorker(workers, c, language));
  if (
    check.ok &&
    (canonicalJson(stored.payload) !== canonicalJson(proof.payload) ||
      stored.signature !== proof.signature ||
      stored.keyId !== proof.keyId)
  ) {
    check = { ok: false, outcome: 'differs', reason: 'the certificate data differs from the one on record' };
  }
  return { ...answer, matches: check.ok, reason: check.reason, outcome: check.outcome };
}

/** The current certificate of an endorsement as a PDF, for its city officials and the secretariat. */
export async function endorsementCertificatePdf(
  ctx: ServiceContext,
  workers: TaskRunner,
  endorsementId: string,
  language?: Language,
) {
  const endorsement = await findOwnCityEndorsement(ctx, endorsementId, 'Certificate');
  // Only a valid certificate is current: a revoked or superseded one is not handed out again.
  const row = await repo.findValidOf(ctx.db, endorsement.id);
  if (!row)
    throw new NotFoundError('Certificate (the endorsement has no valid certificate: not verified yet, or withdrawn)');
  const payload = row.payload as CertificatePayload;
  const pdf = await renderOnWorker(workers, { payload, signature: row.signature, keyId: row.keyId }, language);
  return { pdf, serial: row.serial };
}
