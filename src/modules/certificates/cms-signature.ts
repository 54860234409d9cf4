import { createHash, type KeyObject, sign, verify, X509Certificate } from 'node:crypto';
import {
  Attribute,
  CertificateChoices,
  CertificateSet,
  ContentInfo,
  DigestAlgorithmIdentifier,
  DigestAlgorithmIdentifiers,
  EncapsulatedContentInfo,
  id_data,
  id_signedData,
  IssuerAndSerialNumber,
  SignedData,
  SignerIdentifier,
  SignerInfo,
  SignerInfos,
} from '@peculiar/asn1-cms';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, Certificate } from '@peculiar/asn1-x509';
import * as asn1js from 'asn1js';

// A CAdES detached signature (ETSI EN 319 122-1, baseline B): what a PDF's signature dictionary
// holds with SubFilter ETSI.CAdES.detached. The signed attributes are the content type, the
// digest of the signed bytes and the signer's certificate hash (signing-certificate-v2); the
// signing time is the signature dictionary's /M, as PAdES wants, not a CMS attribute.

const OID = {
  sha256: '2.16.840.1.101.3.4.2.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
} as const;

/** Who signs: the private key, and its certificate first, then any certificates that issued it. */
export interface CmsSigner {
  privateKey: KeyObject;
  chain: Buffer[];
}

const sha256 = (...parts: Uint8Array[]) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};
const der = (value: asn1js.BaseBlock) => value.toBER();

/** The signature algorithm a key signs SHA-256 digests with (only EC and RSA keys are accepted as signers). */
function signatureAlgorithmOf(key: KeyObject): AlgorithmIdentifier {
  if (key.asymmetricKeyType === 'ec') return new AlgorithmIdentifier({ algorithm: OID.ecdsaWithSha256 });
  if (key.asymmetricKeyType === 'rsa')
    return new AlgorithmIdentifier({ algorithm: OID.sha256WithRsa, parameters: der(new asn1js.Null()) });
  throw new Error(`a ${key.asymmetricKeyType} key cannot sign PDFs here (EC or RSA)`);
}

/** SET OF in DER: its elements sorted by their encodings, which readers that re-encode (NSS) expect. */
function derSetOf(elements: Buffer[]): Buffer {
  const body = Buffer.concat([...elements].sort(Buffer.compare));
  return Buffer.concat([Buffer.from([0x31]), derLength(body.length), body]);
}

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** The signed attributes, sorted as DER wants them (the order they are encoded in and signed). */
function signedAttributes(contentDigest: Buffer, signerCertificate: Buffer): Attribute[] {
  // SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 }, the hash algorithm left
  // at its default (SHA-256) and no issuerSerial, as the baseline profile recommends.
  const essCertIdV2 = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({
        value: [new asn1js.Sequence({ value: [new asn1js.OctetString({ valueHex: sha256(signerCertificate) })] })],
      }),
    ],
  });
  const attributes = [
    new Attribute({ attrType: OID.contentType, attrValues: [der(new asn1js.ObjectIdentifier({ value: id_data }))] }),
    new Attribute({
      attrType: OID.messageDigest,
      attrValues: [der(new asn1js.OctetString({ valueHex: contentDigest }))],
    }),
    new Attribute({ attrType: OID.signingCertificateV2, attrValues: [der(essCertIdV2)] }),
  ];
  const encoded = new Map(attributes.map((a) => [a, Buffer.from(AsnConvert.serialize(a))]));
  return attributes.sort((a, b) => Buffer.compare(encoded.get(a)!, encoded.get(b)!));
}

const encodedAttributes = (attributes: Attribute[]) =>
  derSetOf(attributes.map((a) => Buffer.from(AsnConvert.serialize(a))));

/** A detached CMS signature (DER) over content whose SHA-256 is `contentDigest`. */
export function signCadesDetached(contentDigest: Buffer, signer: CmsSigner): Buffer {
  const [signerDer] = signer.chain;
  if (!signerDer) throw new Error('a signer needs its certificate');
  const certificate = AsnConvert.parse(signerDer, Certificate);
  const attributes = signedAttributes(contentDigest, signerDer);
  const signature = sign('sha256', encodedAttributes(attributes), signer.privateKey);
  const signerInfo = new SignerInfo({
    version: 1,
    sid: new SignerIdentifier({
      issuerAndSerialNumber: new IssuerAndSerialNumber({
        issuer: certificate.tbsCertificate.issuer,
        serialNumber: certificate.tbsCertificate.serialNumber,
      }),
    }),
    digestAlgorithm: new DigestAlgorithmIdentifier({ algorithm: OID.sha256 }),
    signedAttrs: attributes,
    signatureAlgorithm: signatureAlgorithmOf(signer.privateKey),
    signature: new OctetString(signature),
  });
  const signedData = new SignedData({
    version: 1,
    digestAlgorithms: new DigestAlgorithmIdentifiers([new DigestAlgorithmIdentifier({ algorithm: OID.sha256 })]),
    encapContentInfo: new EncapsulatedContentInfo({ eContentType: id_data }),
    certificates: new CertificateSet(
      signer.chain.map((c) => new CertificateChoices({ certificate: AsnConvert.parse(c, Certificate) })),
    ),
    signerInfos: new SignerInfos([signerInfo]),
  });
  return Buffer.from(
    AsnConvert.serialize(new ContentInfo({ contentType: id_signedData, content: AsnConvert.serialize(signedData) })),
  );
}

/** Why a CMS signature was refused, or that it checked out (with the certificate that made it). */
export type CmsCheck =
  | { ok: true; signer: X509Certificate }
  | { ok: false; problem: 'malformed' | 'digest' | 'unknown_signer' | 'signature' };

const attributeValue = (attributes: Attribute[], type: string) =>
  attributes.find((a) => a.attrType === type)?.attrValues[0];

/**
 * Checks a detached CMS signature over content whose SHA-256 is `contentDigest`: signed by one of
 * `trusted` (DER certificates: the signer is found by its issuer and serial number, never taken
 * from the signature itself), over exactly that digest.
 */
export function checkCadesDetached(cms: Buffer, contentDigest: Buffer, trusted: Buffer[]): CmsCheck {
  let signerInfo: SignerInfo;
  try {
    const info = AsnConvert.parse(cms, ContentInfo);
    if (info.contentType !== id_signedData) return { ok: false, problem: 'malformed' };
    const signedData = AsnConvert.parse(info.content, SignedData);
    if (signedData.signerInfos.length !== 1) return { ok: false, problem: 'malformed' };
    signerInfo = signedData.signerInfos[0]!;
  } catch {
    return { ok: false, problem: 'malformed' };
  }
  const attributes = signerInfo.signedAttrs;
  const digestValue = attributes && attributeValue(attributes, OID.messageDigest);
  if (!attributes || !digestValue || signerInfo.digestAlgorithm.algorithm !== OID.sha256)
    return { ok: false, problem: 'malformed' };
  let signedDigest: Buffer;
  try {
    signedDigest = Buffer.from(AsnConvert.parse(digestValue, OctetString).buffer);
  } catch {
    return { ok: false, problem: 'malformed' };
  }
  if (!signedDigest.equals(contentDigest)) return { ok: false, problem: 'digest' };

  const sid = signerInfo.sid.issuerAndSerialNumber;
  const signerDer =
    sid &&
    trusted.find((candidate) => {
      const tbs = AsnConvert.parse(candidate, Certificate).tbsCertificate;
      return (
        Buffer.from(tbs.serialNumber).equals(Buffer.from(sid.serialNumber)) &&
        Buffer.from(AsnConvert.serialize(tbs.issuer)).equals(Buffer.from(AsnConvert.serialize(sid.issuer)))
      );
    });
  if (!signerDer) return { ok: false, problem: 'unknown_signer' };
  const essValue = attributeValue(attributes, OID.signingCertificateV2);
  if (essValue && !Buffer.from(essValue).includes(sha256(signerDer))) return { ok: false, problem: 'unknown_signer' };

  const signer = new X509Certificate(signerDer);
  let valid: boolean;
  try {
    valid = verify('sha256', encodedAttributes(attributes), signer.publicKey, Buffer.from(signerInfo.signature.buffer));
  } catch {
    valid = false;
  }
  return valid ? { ok: true, signer } : { ok: false, problem: 'signature' };
}
