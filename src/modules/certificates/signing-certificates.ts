import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  BasicConstraints,
  Certificate,
  Extension,
  Extensions,
  id_ce_basicConstraints,
  id_ce_keyUsage,
  id_ce_subjectKeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { documentSigningCertificates } from '../../db/schema/index.js';
import { type DocumentSignerPem, parseDocumentSigner } from '../../lib/document-signer.js';

/** What signs a PDF, in a form a worker thread receives: the key in PEM, the certificates in DER. */
export interface PdfSigner {
  privateKeyPem: string;
  chain: Uint8Array[];
}

/** A certificate's SHA-256 fingerprint, hex: how a reader compares it with the one in their PDF reader. */
export const fingerprintOf = (der: Uint8Array) => createHash('sha256').update(der).digest('hex');

/** A certificate in PEM, as `openssl x509` writes it. */
export const toPem = (der: Uint8Array) =>
  `-----BEGIN CERTIFICATE-----\n${Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;

const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';

/** The bytes as the ArrayBuffer that the ASN.1 classes hold. */
const arrayBuffer = (bytes: Uint8Array) => new Uint8Array(bytes).buffer;

/**
 * A self-signed ECDSA P-256 document-signing certificate, for development and tests (production
 * configures one, ideally issued by a CA that PDF readers already trust). Valid for ten years.
 */
export function generateDocumentSigner(now = new Date()): DocumentSignerPem {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = AsnConvert.parse(publicKey.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo);
  const name = new Name(
    [
      ['2.5.4.3', 'Action Pledge certificates (development signer)'],
      ['2.5.4.10', 'Action Pledge platform'],
    ].map(
      ([type, value]) =>
        new RelativeDistinguishedName([
          new AttributeTypeAndValue({ type, value: new AttributeValue({ utf8String: value }) }),
        ]),
    ),
  );
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f; // a positive INTEGER
  const extension = (extnID: string, critical: boolean, value: object) =>
    new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: arrayBuffer(serial),
    signature: new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA256 }),
    issuer: name,
    subject: name,
    // A minute back, so that a PDF signed at once is within it whatever the clocks of two instances.
    validity: new Validity({
      notBefore: new Date(now.getTime() - 60_000),
      notAfter: new Date(now.getTime() + 10 * 365 * 86_400_000),
    }),
    subjectPublicKeyInfo: spki,
    extensions: new Extensions([
      // Its own trust anchor: a reader trusts it as a root (NSS, so Okular and pdfsig, accept only a
      // CA there), which may sign PDFs and no other certificate (path length 0).
      extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: true, pathLenConstraint: 0 })),
      extension(
        id_ce_keyUsage,
        true,
        new KeyUsage(KeyUsageFlags.digitalSignature | KeyUsageFlags.nonRepudiation | KeyUsageFlags.keyCertSign),
      ),
      extension(
        id_ce_subjectKeyIdentifier,
        false,
        new SubjectKeyIdentifier(createHash('sha1').update(Buffer.from(spki.subjectPublicKey)).digest()),
      ),
    ]),
  });
  const tbsDer = Buffer.from(AsnConvert.serialize(tbs));
  const certificate = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA256 }),
    signatureValue: arrayBuffer(sign('sha256', tbsDer, privateKey)),
  });
  return {
    certificatePem: toPem(new Uint8Array(AsnConvert.serialize(certificate))),
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
  };
}

/**
 * The signer of certificate PDFs: CERT_SIGNING_CERT when configured (its certificate recorded, so
 * that it stays published after a change), otherwise the one generated once and kept in the
 * database, so that every instance signs with the same certificate.
 */
export async function activePdfSigner(db: Db, configured: DocumentSignerPem | undefined): Promise<PdfSigner> {
  if (configured) {
    const { chain } = parseDocumentSigner(configured);
    await db
      .insert(documentSigningCertificates)
      .values({ fingerprint: fingerprintOf(chain[0]!), certificatePem: toPem(chain[0]!), source: 'configured' })
      .onConflictDoNothing({ target: documentSigningCertificates.fingerprint });
    return { privateKeyPem: configured.privateKeyPem, chain };
  }
  const existing = await findActiveGenerated(db);
  if (existing) return existing;
  const generated = generateDocumentSigner();
  const der = new X509Certificate(generated.certificatePem).raw;
  // Two instances may race here: the partial unique index lets one certificate in; both then use it.
  await db
    .insert(documentSigningCertificates)
    .values({
      fingerprint: fingerprintOf(der),
      certificatePem: generated.certificatePem,
      privateKeyPem: generated.privateKeyPem,
      source: 'generated',
    })
    .onConflictDoNothing();
  const active = await findActiveGenerated(db);
  if (!active) throw new Error('no PDF signing certificate could be created');
  return active;
}

async function findActiveGenerated(db: Db): Promise<PdfSigner | undefined> {
  const [row] = await db
    .select()
    .from(documentSigningCertificates)
    .where(and(eq(documentSigningCertificates.source, 'generated'), isNull(documentSigningCertificates.retiredAt)));
  if (!row?.privateKeyPem) return undefined;
  // Read back through crypto, so that a PEM damaged in the database fails here, not in a worker.
  createPrivateKey(row.privateKeyPem);
  return { privateKeyPem: row.privateKeyPem, chain: [new X509Certificate(row.certificatePem).raw] };
}

/** Every certificate that has signed PDFs here, oldest first: what GET /certificates/keys publishes. */
export async function publishedSigningCertificates(db: Db) {
  const rows = await db
    .select()
    .from(documentSigningCertificates)
    .orderBy(asc(documentSigningCertificates.createdAt), asc(documentSigningCertificates.fingerprint));
  return rows.map((r) => {
    const certificate = new X509Certificate(r.certificatePem);
    return {
      fingerprint: r.fingerprint,
      subject: certificate.subject.replace(/\n/g, ', '),
      notBefore: new Date(certificate.validFrom),
      notAfter: new Date(certificate.validTo),
      certificate: r.certificatePem,
      createdAt: r.createdAt,
      retiredAt: r.retiredAt,
    };
  });
}

/** The published certificates in DER: the only signers a certificate PDF's signature is accepted from. */
export async function trustedSigningCertificates(db: Db): Promise<Buffer[]> {
  const rows = await db.select({ pem: documentSigningCertificates.certificatePem }).from(documentSigningCertificates);
  return rows.map((r) => new X509Certificate(r.pem).raw);
}
