import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { endorsements } from './endorsements.js';

export const certificateStatuses = ['valid', 'superseded', 'revoked'] as const;
export type CertificateStatus = (typeof certificateStatuses)[number];

/**
 * Ed25519 keys that sign certificates. Public keys stay forever (old certificates keep
 * verifying); a private key is kept only for a key generated here (CERT_SIGNING_KEY unset).
 */
export const signingKeys = pgTable(
  'signing_keys',
  {
    keyId: text('key_id').primaryKey(),
    algorithm: text('algorithm').notNull().default('Ed25519'),
    /** Raw 32-byte public key, base64url. */
    publicKey: text('public_key').notNull(),
    /** PKCS#8 PEM, only for a generated key; never leaves the service. */
    privateKeyPem: text('private_key_pem'),
    source: text('source', { enum: ['generated', 'configured'] }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    retiredAt: timestamp('retired_at', { withTimezone: true, mode: 'date' }),
  },
  // One active generated key, even when several instances start at once.
  (t) => [
    uniqueIndex('signing_keys_one_active_generated')
      .on(t.source)
      .where(sql`source = 'generated' AND retired_at IS NULL`),
  ],
);

export const certificates = pgTable(
  'certificates',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    serial: text('serial').notNull().unique(),
    endorsementId: uuid('endorsement_id')
      .notNull()
      .references(() => endorsements.id, { onDelete: 'restrict' }),
    /** The endorsement revision this certificate attests. */
    revision: integer('revision').notNull(),
    payload: jsonb('payload').notNull(),
    /** Ed25519 signature of the payload's RFC 8785 canonical form, base64url. */
    signature: text('signature').notNull(),
    keyId: text('key_id')
      .notNull()
      .references(() => signingKeys.keyId, { onDelete: 'restrict' }),
    status: text('status', { enum: certificateStatuses }).notNull().default('valid'),
    issuedAt: timestamp('issued_at', { withTimezone: true, mode: 'date' }).notNull(),
    supersededAt: timestamp('superseded_at', { withTimezone: true, mode: 'date' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    index('certificates_endorsement').on(t.endorsementId),
    // At most one valid certificate per endorsement.
    uniqueIndex('certificates_one_valid')
      .on(t.endorsementId)
      .where(sql`status = 'valid'`),
  ],
);

/**
 * X.509 certificates that sign certificate PDFs (a PAdES signature any PDF reader checks). Like the
 * Ed25519 keys, each stays published so that PDFs it signed keep verifying; a private key is kept
 * only for one generated here (CERT_SIGNING_CERT unset, never in production).
 */
export const documentSigningCertificates = pgTable(
  'document_signing_certificates',
  {
    /** SHA-256 of the certificate's DER, hex. */
    fingerprint: text('fingerprint').primaryKey(),
    certificatePem: text('certificate_pem').notNull(),
    /** PKCS#8 PEM, only for a generated certificate; never leaves the service. */
    privateKeyPem: text('private_key_pem'),
    source: text('source', { enum: ['generated', 'configured'] }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    retiredAt: timestamp('retired_at', { withTimezone: true, mode: 'date' }),
  },
  // One active generated certificate, even when several instances start at once.
  (t) => [
    uniqueIndex('document_signing_certificates_one_active_generated')
      .on(t.source)
      .where(sql`source = 'generated' AND retired_at IS NULL`),
  ],
);
