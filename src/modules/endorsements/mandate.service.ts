import { withTx } from '../../db/tx.js';
import type { ServiceContext } from '../context.js';
import { actorUserId } from '../../lib/actor.js';
import { AppError, InvalidStateError, NotFoundError } from '../../lib/errors.js';
import { sha256Hex } from '../../lib/hash.js';
import { recordAudit } from '../audit/index.js';
import { findChangeableEndorsement, findOwnCityEndorsement } from './endorsements.access.js';
import * as repo from './endorsements.repository.js';

export const MAX_MANDATE_BYTES = 10 * 1024 * 1024;

/** The type of a file from its first bytes; the Content-Type header is not trusted. */
export function sniffMediaType(bytes: Buffer): 'application/pdf' | 'image/png' | 'image/jpeg' | undefined {
  if (bytes.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  return undefined;
}

export async function uploadMandate(ctx: ServiceContext, id: string, bytes: Buffer) {
  const mediaType = sniffMediaType(bytes);
  if (!mediaType)
    throw new AppError(
      415,
      'unsupported_media_type',
      'The mandate document must be a PDF, PNG or JPEG file (checked from its content).',
    );
  if (bytes.length > MAX_MANDATE_BYTES)
    throw new AppError(413, 'payload_too_large', 'The mandate document may be 10 MB at most.');
  return withTx(ctx, async (tx) => {
    const row = await findChangeableEndorsement(tx, id);
    // The mandate is part of what the secretariat verifies: it can change only while submitted.
    if (row.status !== 'submitted') {
      throw new InvalidStateError(
        row.status === 'verified'
          ? 'The endorsement is verified: amend it to send it back for verification before replacing its mandate.'
          : `The endorsement is ${row.status}: a mandate document can only be added while it awaits verification.`,
      );
    }
    const meta = { sha256: sha256Hex(bytes), size: bytes.length, mediaType };
    const previous = await repo.findMandateMeta(tx.db, row.id);
    await repo.upsertMandate(tx.db, {
      endorsementId: row.id,
      content: bytes,
      ...meta,
      uploadedBy: actorUserId(tx.actor),
      uploadedAt: new Date(),
    });
    await recordAudit(tx, {
      action: 'endorsement.mandate_uploaded',
      entityType: 'endorsement',
      entityId: row.id,
      summary: { before: previous ? { sha256: previous.sha256, size: previous.size } : null, after: meta },
    });
    return meta;
  });
}

/** Only the endorsing city's officials and the secretariat may read the mandate. */
export async function downloadMandate(ctx: ServiceContext, id: string) {
  const row = await findOwnCityEndorsement(ctx, id, 'Mandate document');
  const doc = await repo.findMandate(ctx.db, row.id);
  if (!doc) throw new NotFoundError('Mandate document');
  return doc;
}
