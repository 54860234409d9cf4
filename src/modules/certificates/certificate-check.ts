import { type KeyObject, verify } from 'node:crypto';
import type { Db } from '../../db/client.js';
import type { ServiceContext } from '../context.js';
import type { Language } from '../../lib/countries.js';
import { AppError, NotFoundError, ValidationError } from '../../lib/errors.js';
import { canonicalJson } from '../../lib/hash.js';
import { findOwnCityEndorsement } from '../endorsements/index.js';
import { type EmbeddedProof, extractProof } from './certificate.pdf.js';
import { type CertificatePrinter, renderOnWorker } from './certificate.render.js';
import * as repo from './certificates.repository.js';
import { getCertificate, type CertificatePayload } from './certificates.service.js';
import { checkPdfSignature, type PdfSignatureOutcome } from './pdf-signature.js';
import { activePdfSigner, fingerprintOf, trustedSigningCertificates } from './signing-certificates.js';
import { findPublicKey } from './signing-keys.js';

export const MAX_CERTIFICATE_PDF_BYTES = 5 * 1024 * 1024;

/** What the check of the embedded certificate data (payload and its Ed25519 signature) found. */
export type CertificateDataOutcome = 'valid' | 'malformed' | 'forged' | 'unknown_key' | 'differs';

/** The two checks a PDF alone allows (the third, the registry's status, needs the service). */
export interface PdfChecks {
  pdfSignature: {
    outcome: PdfSignatureOutcome;
    signer: { subject: string; fingerprint: string } | null;
    signedAt: Date | null;
  };
  certificateData: { outcome: CertificateDataOutcome };
}

export interface CheckResult extends PdfChecks {
  /** Both checks passed: the document is the one the platform issued, unchanged. */
  ok: boolean;
  /** In English, one line: the first thing wrong, or that both checks passed. */
  reason: string;
}

const pdfReasons: Record<Exclude<PdfSignatureOutcome, 'valid'>, string> = {
  unsigned: 'the PDF carries no PDF signature',
  malformed: 'the PDF signature cannot be read',
  altered: 'the document was altered after it was signed (its bytes differ from the signed ones)',
  unknown_signer: 'the PDF was signed by a certificate that is not one of the published signing certificates',
};
const dataReasons: Record<Exclude<CertificateDataOutcome, 'valid'>, string> = {
  malformed: 'the certificate data cannot be checked (malformed)',
  forged: 'the signature does not match the certificate data (forged or altered)',
  unknown_key: 'the certificate names a signing key that is not ours',
  differs: 'the certificate data differs from the one on record',
};

function resultOf(checks: PdfChecks): CheckResult {
  const pdf = checks.pdfSignature.outcome;
  const data = checks.certificateData.outcome;
  const reason =
    pdf !== 'valid'
      ? pdfReasons[pdf]
      : data !== 'valid'
        ? dataReasons[data]
        : 'the PDF signature and the signature of the certificate data check out';
  return { ...checks, ok: pdf === 'valid' && data === 'valid', reason };
}

function checkCertificateData(proof: EmbeddedProof, publicKey: KeyObject | undefined): CertificateDataOutcome {
  if (!publicKey) return 'unknown_key';
  try {
    const signed = verify(
      null,
      Buffer.from(canonicalJson(proof.payload)),
      publicKey,
      Buffer.from(proof.signature, 'base64url'),
    );
    return signed ? 'valid' : 'forged';
  } catch {
    return 'malformed';
  }
}

/**
 * Checks a certificate PDF with the published material alone (what the offline CLI has): its PDF
 * signature against the signing certificates (DER), and its embedded data's Ed25519 signature
 * against the key it names. Nothing is rendered again, so the check survives any change of the
 * layout, the fonts or the libraries that drew the PDF.
 */
export function checkPdfOffline(
  pdf: Buffer,
  proof: EmbeddedProof,
  trust: { signingCertificates: Buffer[]; publicKey: KeyObject | undefined },
): CheckResult {
  const signature = checkPdfSignature(pdf, trust.signingCertificates);
  return resultOf({
    pdfSignature:
      signature.outcome === 'valid'
        ? {
            outcome: 'valid',
            signer: {
              subject: signature.signer.subject.replace(/\n/g, ', '),
              fingerprint: fingerprintOf(signature.signer.raw),
            },
            signedAt: signature.signedAt ?? null,
          }
        : { outcome: signature.outcome, signer: null, signedAt: null },
    certificateData: { outcome: checkCertificateData(proof, trust.publicKey) },
  });
}

/**
 * POST /certificates/verify: the upload's PDF signature and certificate data checked against what
 * is published, the data compared with the record, and the record's status (valid, superseded,
 * revoked).
 */
export async function verifyUploadedPdf(db: Db, pdf: Buffer) {
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
  let check = checkPdfOffline(pdf, proof, {
    signingCertificates: await trustedSigningCertificates(db),
    publicKey: await findPublicKey(db, proof.keyId),
  });
  const onRecord =
    canonicalJson(stored.payload) === canonicalJson(proof.payload) &&
    stored.signature === proof.signature &&
    stored.keyId === proof.keyId;
  if (check.certificateData.outcome === 'valid' && !onRecord)
    check = resultOf({ ...check, certificateData: { outcome: 'differs' } });
  return { ...answer, matches: check.ok, reason: check.reason, checks: check };
}

/** The current certificate of an endorsement as a signed PDF, for its city officials and the secretariat. */
export async function endorsementCertificatePdf(
  ctx: ServiceContext,
  printer: CertificatePrinter,
  endorsementId: string,
  language?: Language,
) {
  const endorsement = await findOwnCityEndorsement(ctx, endorsementId, 'Certificate');
  // Only a valid certificate is current: a revoked or superseded one is not handed out again.
  const row = await repo.findValidOf(ctx.db, endorsement.id);
  if (!row)
    throw new NotFoundError('Certificate (the endorsement has no valid certificate: not verified yet, or withdrawn)');
  const payload = row.payload as CertificatePayload;
  const signer = await activePdfSigner(ctx.db, printer.documentSigner);
  const pdf = await renderOnWorker(
    printer.workers,
    { payload, signature: row.signature, keyId: row.keyId },
    { signer, signedAt: new Date() },
    language,
  );
  return { pdf, serial: row.serial };
}
