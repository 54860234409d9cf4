import { sign, verify } from 'node:crypto';
import type { Db } from '../../db/client.js';
import { nowOf, type ServiceContext } from '../context.js';
import { countryNames } from '../../lib/countries.js';
import type { Download } from '../../lib/download.js';
import { isUniqueViolation, NotFoundError } from '../../lib/errors.js';
import { canonicalJson } from '../../lib/hash.js';
import { generateSerial, normaliseSerial } from '../../lib/serial.js';
import { recordAudit } from '../audit/index.js';
import type { EndorsementRow } from '../endorsements/index.js';
import { findCityById } from '../cities/index.js';
import { areasOf, findPledge } from '../pledges/index.js';
import { requireSecretariat } from '../../lib/authorize.js';
import * as repo from './certificates.repository.js';
import type { CertificatePrinter } from './certificate.render.js';
import { certificatesZip } from './certificates.zip.js';
import { activePdfSigner } from './signing-certificates.js';
import { activeSigningKey, findPublicKey } from './signing-keys.js';

export interface CertificateDeps {
  certSigningKey?: string;
  publicBaseUrl: string;
}

export type CertificatePayload = ReturnType<typeof certificatePayload>;

/**
 * What a certificate states and signs; the PDF prints it (in any of the three languages, so the
 * texts are all here) and embeds it, so the PDF alone carries its proof.
 */
export function certificatePayload(p: {
  serial: string;
  verifyUrl: string;
  pledge: { slug: string; title: { en: string; es?: string; fr?: string } };
  endorsement: EndorsementRow;
  city: { name: string; country: string };
  areas: Array<{ key: string; title: { en: string; es?: string; fr?: string } }>;
  issuedAt: Date;
}) {
  return {
    serial: p.serial,
    verifyUrl: p.verifyUrl,
    pledge: { slug: p.pledge.slug, title: p.pledge.title },
    version: { number: p.endorsement.versionNumber, contentHash: p.endorsement.contentHash },
    city: { name: p.city.name, country: p.city.country, countryName: countryNames(p.city.country) },
    scope: p.endorsement.scope,
    areas: p.endorsement.areaKeys.map((key) => ({
      key,
      title: p.areas.find((a) => a.key === key)?.title ?? { en: key },
    })),
    signatory: { name: p.endorsement.signatoryName, title: p.endorsement.signatoryTitle },
    language: p.endorsement.language,
    endorsementId: p.endorsement.id,
    revision: p.endorsement.revision,
    issuedAt: p.issuedAt.toISOString(),
  };
}

/**
 * Issues the certificate of a just-verified endorsement, in the caller's transaction: the
 * payload's canonical form signed with Ed25519. A valid certificate of an earlier revision is
 * superseded by it.
 */
export async function issueCertificate(ctx: ServiceContext, deps: CertificateDeps, endorsement: EndorsementRow) {
  const key = await activeSigningKey(ctx.db, deps.certSigningKey);
  const pledge = (await findPledge(ctx.db, endorsement.pledgeId))!;
  const city = (await findCityById(ctx.db, endorsement.cityId))!;
  const areas = await areasOf(ctx.db, endorsement.versionId);
  const previous = await repo.findValidOf(ctx.db, endorsement.id);
  const issuedAt = nowOf(ctx);
  if (previous) await repo.setStatus(ctx.db, previous.id, { status: 'superseded', supersededAt: issuedAt });
  for (let attempt = 0; ; attempt++) {
    const serial = generateSerial();
    // The portal's page for the serial: what a person scanning the QR code can read. (The JSON
    // answer stays at /api/v1/certificates/:serial; certificates issued before say that address.)
    const verifyUrl = `${deps.publicBaseUrl}/certificates/${serial}`;
    const payload = certificatePayload({ serial, verifyUrl, pledge, endorsement, city, areas, issuedAt });
    const signature = sign(null, Buffer.from(canonicalJson(payload)), key.privateKey).toString('base64url');
    try {
      // In a savepoint: on PostgreSQL a failed INSERT would otherwise abort the whole transaction.
      const certificate = await ctx.db.transaction((sp) =>
        repo.insertCertificate(sp, {
          serial,
          endorsementId: endorsement.id,
          revision: endorsement.revision,
          payload,
          signature,
          keyId: key.keyId,
          issuedAt,
        }),
      );
      if (previous) {
        await recordAudit(ctx, {
          action: 'certificate.superseded',
          entityType: 'certificate',
          entityId: previous.serial,
          summary: { endorsementId: endorsement.id, by: serial },
        });
      }
      await recordAudit(ctx, {
        action: 'certificate.issued',
        entityType: 'certificate',
        entityId: serial,
        summary: { endorsementId: endorsement.id, revision: endorsement.revision, keyId: key.keyId },
      });
      return certificate;
    } catch (err) {
      // A serial collision (about one in 10^11) is retried with a new serial; nothing else is.
      if (!isUniqueViolation(err) || attempt >= 3) throw err;
    }
  }
}

/** A withdrawal revokes the endorsement's valid certificate, in the caller's transaction. */
export async function revokeCertificate(ctx: ServiceContext, endorsementId: string, reason: string) {
  const valid = await repo.findValidOf(ctx.db, endorsementId);
  if (!valid) return;
  await repo.setStatus(ctx.db, valid.id, { status: 'revoked', revokedAt: nowOf(ctx) });
  await recordAudit(ctx, {
    action: 'certificate.revoked',
    entityType: 'certificate',
    entityId: valid.serial,
    summary: { endorsementId, reason },
  });
}

/** The public answer about a serial; anyone may ask. */
export async function getCertificate(db: Db, serialInput: string) {
  const row = await repo.findBySerial(db, normaliseSerial(serialInput));
  if (!row) throw new NotFoundError('Certificate');
  const publicKey = await findPublicKey(db, row.keyId);
  const signatureValid = Boolean(
    publicKey &&
    verify(null, Buffer.from(canonicalJson(row.payload)), publicKey, Buffer.from(row.signature, 'base64url')),
  );
  return {
    serial: row.serial,
    status: row.status,
    payload: row.payload as Record<string, unknown>,
    signature: row.signature,
    keyId: row.keyId,
    algorithm: 'Ed25519' as const,
    issuedAt: row.issuedAt,
    supersededAt: row.supersededAt,
    revokedAt: row.revokedAt,
    signatureValid,
  };
}

/**
 * A certificate for the page that shows it to anyone: the public answer, and the newest certificate
 * of the same endorsement when that is another one (the one that superseded it).
 */
export async function certificateWithSuccessor(db: Db, serialInput: string) {
  const certificate = await getCertificate(db, serialInput);
  const endorsementId = (certificate.payload as { endorsementId?: unknown }).endorsementId;
  const newest =
    typeof endorsementId === 'string' ? (await repo.latestOf(db, [endorsementId])).get(endorsementId) : undefined;
  return { certificate, successor: newest && newest.serial !== certificate.serial ? newest : undefined };
}

/**
 * Every current certificate of a pledge as one streamed ZIP, for the secretariat (and the command
 * line): the pledge's slug, the stream (rendered and signed by `printer`), and how many certificates
 * it will hold.
 */
export async function pledgeCertificatesZip(
  ctx: ServiceContext,
  printer: CertificatePrinter,
  pledgeRef: string,
  onEntry?: (done: number) => void,
) {
  requireSecretariat(ctx.actor);
  const pledge = await findPledge(ctx.db, pledgeRef);
  if (!pledge) throw new NotFoundError('Pledge');
  const signer = await activePdfSigner(ctx.db, printer.documentSigner);
  return {
    slug: pledge.slug,
    count: () => repo.countValidOfPledge(ctx.db, pledge.id),
    /** The ZIP, its rendering reserved on the worker pool (503 when the pool is full). */
    stream: () => certificatesZip(ctx.db, printer.workers, signer, pledge.id, onEntry),
  };
}

/** The ZIP as a file to save, for the API's route and the portal's alike (sendDownload). */
export async function certificatesZipDownload(
  ctx: ServiceContext,
  printer: CertificatePrinter,
  pledgeRef: string,
): Promise<Download> {
  const zip = await pledgeCertificatesZip(ctx, printer, pledgeRef);
  return { contentType: 'application/zip', filename: `${zip.slug}-certificates.zip`, body: zip.stream() };
}
