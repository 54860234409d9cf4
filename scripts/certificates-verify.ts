// npm run certificates:verify -- FILE.pdf --key KEYFILE
// Checks a certificate PDF offline: no database, no network. KEYFILE is the saved answer of
// GET /api/v1/certificates/keys, or one PEM public key. Exit 0 valid, 1 not, with a one-line reason.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
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

function loadKey(file: string, keyId: string): KeyObject {
  const text = readFileSync(file, 'utf8');
  if (text.includes('BEGIN PUBLIC KEY')) return createPublicKey(text);
  let parsed: { keys?: Array<{ keyId: string; publicKey: string }> } | null;
  try {
    parsed = JSON.parse(text);
  } catch {
    fail(`the key file ${file} is neither a PEM public key nor the JSON of GET /certificates/keys`, 2);
  }
  const key = Array.isArray(parsed?.keys)
    ? parsed.keys.find((k) => k && k.keyId === keyId && typeof k.publicKey === 'string')
    : undefined;
  if (!key) fail(`the certificate was signed with key ${keyId}, which is not in ${file}`);
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: key.publicKey }, format: 'jwk' });
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
const result = await checkPdfOffline(pdf, proof, loadKey(keyFile, proof.keyId));
if (!result.ok) fail(result.reason);
const p = proof.payload;
const endorsed = p.scope === 'whole' ? 'the whole pledge' : `${p.areas.length} action area(s)`;
console.log(
  `VALID: certificate ${p.serial}, ${p.city.name} (${p.city.country}), ${endorsed} of "${p.pledge.title.en}" ` +
    `version ${p.version.number}, signed with ${proof.keyId}. ` +
    `Whether it was since superseded or revoked can only be checked online: ${p.verifyUrl}`,
);
process.exit(0);
