import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';

/** The certificate that signs certificate PDFs and its private key, as configured (PEM). */
export interface DocumentSignerPem {
  /** The signer's certificate, then the certificates that issued it, if any. */
  certificatePem: string;
  privateKeyPem: string;
}

export interface DocumentSigner {
  certificate: X509Certificate;
  /** DER: the signer's certificate first. */
  chain: Buffer[];
  privateKey: KeyObject;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every certificate in a PEM text, in order (DER). */
export function certificatesInPem(pem: string): X509Certificate[] {
  return (pem.match(PEM_CERTIFICATE) ?? []).map((block) => new X509Certificate(block));
}

/**
 * Parses and checks a document-signing certificate and its key (CERT_SIGNING_CERT and
 * CERT_SIGNING_CERT_KEY); throws a message naming the problem. The key must be ECDSA P-256 (or
 * P-384) or RSA of 2048 bits or more, what PDF readers check, and match the first certificate.
 */
export function parseDocumentSigner({ certificatePem, privateKeyPem }: DocumentSignerPem, now = new Date()) {
  const certificates = certificatesInPem(certificatePem);
  const [certificate] = certificates;
  if (!certificate) throw new Error('CERT_SIGNING_CERT holds no PEM certificate');
  const privateKey = createPrivateKey(privateKeyPem);
  const details = privateKey.asymmetricKeyDetails ?? {};
  const type = privateKey.asymmetricKeyType;
  const accepted =
    (type === 'ec' && ['prime256v1', 'secp384r1'].includes(details.namedCurve ?? '')) ||
    (type === 'rsa' && (details.modulusLength ?? 0) >= 2048);
  if (!accepted)
    throw new Error(
      `CERT_SIGNING_CERT_KEY must be an ECDSA P-256 or P-384 key or an RSA key of 2048 bits or more, not ${type}`,
    );
  if (!certificate.checkPrivateKey(privateKey))
    throw new Error('CERT_SIGNING_CERT_KEY is not the key of the first certificate in CERT_SIGNING_CERT');
  if (new Date(certificate.validTo) <= now)
    throw new Error(`CERT_SIGNING_CERT expired on ${new Date(certificate.validTo).toISOString()}`);
  return { certificate, chain: certificates.map((c) => c.raw), privateKey } satisfies DocumentSigner;
}
