// npm run certificates:verify -- FILE.pdf --key KEYFILE
// Checks a certificate PDF offline: no database, no network. KEYFILE is the saved answer of
// GET /api/v1/certificates/keys (the Ed25519 keys and the PDF signing certificates), or a PEM file
// with the Ed25519 public key and the signing certificate. Two checks: the PDF signature (every
// byte as signed, by a published certificate) and the embedded data's signature. Exit 0 valid, 1
// not, with a one-line reason.
import { createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { certificatesInPem } from '../src/lib/document-signer.js';
import { checkPdfOffline, extractProof } from '../src/modules/certificates/index.js';
import { isParseArgsError } from './cli.js';

function fail(reason: string, code = 1): never {
  console.log(`NOT VALID: ${reason}`);
  process.exit(code);
}

function usage(problem?: string): never {
  if (problem) console.error(`Error: ${problem}`);
  console.error('Usage: npm run certificates:verify -- FILE.pdf --key KEYFILE');
  process.exit(2);
}

interface Trust {
  signingCertificates: Buffer[];
  publicKey: KeyObject | undefined;
}

const noCertificates = (file: string) =>
  fail(
    `${file} holds no PDF signing certificate: save GET /api/v1/certificates/keys again, or add the ` +
      'signing certificate (GET /api/v1/certificates/signing-certificate.pem) to the PEM file',
    2,
  );

/** The published material in the key file: the signing certificates, and the Ed25519 key named `keyId`. */
function loadTrust(file: string, keyId: string): Trust {
  const text = readFileSync(file, 'utf8');
  if (!text.trimStart().startsWith('{')) {
    let certificates: X509Certificate[] = [];
    try {
      certificates = certificatesInPem(text);
    } catch {
      fail(`a certificate in ${file} cannot be read`, 2);
    }
    if (certificates.length === 0) noCertificates(file);
    const key = /-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/.exec(text)?.[0];
    if (!key) fail(`${file} holds no PEM public key (the Ed25519 key of GET /api/v1/certificates/keys)`, 2);
    return { signingCertificates: certificates.map((c) => c.raw), publicKey: createPublicKey(key) };
  }
  let parsed: {
    keys?: Array<{ keyId: string; publicKey: string }>;
    signingCertificates?: Array<{ certificate: string }>;
  };
  try {
    parsed = JSON.parse(text);
  } catch {
    fail(`the key file ${file} is neither PEM nor the JSON of GET /certificates/keys`, 2);
  }
  const certificates = Array.isArray(parsed?.signingCertificates) ? parsed.signingCertificates : [];
  let signingCertificates: Buffer[];
  try {
    signingCertificates = certificates.map((c) => new X509Certificate(c.certificate).raw);
  } catch {
    fail(`a signing certificate in ${file} cannot be read`, 2);
  }
  if (signingCertificates.length === 0) noCertificates(file);
  const key = Array.isArray(parsed?.keys)
    ? parsed.keys.find((k) => k && k.keyId === keyId && typeof k.publicKey === 'string')
    : undefined;
  if (!key) return { signingCertificates, publicKey: undefined };
  try {
    return {
      signingCertificates,
      publicKey: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: key.publicKey }, format: 'jwk' }),
    };
  } catch {
    fail(`the key ${keyId} in ${file} is not an Ed25519 public key`, 2);
  }
}

let args: { values: { key?: string }; positionals: string[] };
try {
  args = parseArgs({ args: process.argv.slice(2), options: { key: { type: 'string' } }, allowPositionals: true });
} catch (err) {
  if (isParseArgsError(err)) usage(err.message);
  throw err;
}
const keyFile = args.values.key;
const [pdfFile, ...extra] = args.positionals;
if (extra.length > 0) usage(`Unexpected argument '${extra[0]}': one PDF file at a time`);
if (!pdfFile || !keyFile) usage();

let pdf: Buffer;
try {
  pdf = readFileSync(pdfFile);
} catch {
  fail(`cannot read ${pdfFile}`, 2);
}
if (pdf.subarray(0, 5).toString('latin1') !== '%PDF-') fail(`${pdfFile} is not a PDF`);
const proof = extractProof(pdf);
if (!proof) fail('the PDF carries no Action Pledge certificate data');
const result = checkPdfOffline(pdf, proof, loadTrust(keyFile, proof.keyId));
if (!result.ok) fail(result.reason);
const p = proof.payload;
const endorsed = p.scope === 'whole' ? 'the whole pledge' : `${p.areas.length} action area(s)`;
console.log(
  `VALID: certificate ${p.serial}, ${p.city.name} (${p.city.country}), ${endorsed} of "${p.pledge.title.en}" ` +
    `version ${p.version.number}, signed with ${proof.keyId}; the PDF signed by ` +
    `${result.pdfSignature.signer?.subject.split(', ')[0]} (SHA-256 ${result.pdfSignature.signer?.fingerprint}). ` +
    `Whether it was since superseded or revoked can only be checked online: ${p.verifyUrl}`,
);
process.exit(0);
