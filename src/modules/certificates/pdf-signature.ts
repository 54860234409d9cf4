import { createHash, createPrivateKey, type KeyObject, type X509Certificate } from 'node:crypto';
import { checkCadesDetached, signCadesDetached } from './cms-signature.js';
import type { PdfSigner } from './signing-certificates.js';

// A PDF signature (ISO 32000 12.8, PAdES baseline B): an invisible signature field whose value
// holds a CAdES signature of every byte of the file but the signature itself. Any PDF reader
// (Acrobat, Okular, pdfsig) checks it, and so does the service, without rendering anything again.

/** pdfkit writes this PDF name where the byte range goes; it is then overwritten, same length. */
const RANGE_PLACEHOLDER = '**********';
const RANGE_PATTERN = `/ByteRange [0 /${RANGE_PLACEHOLDER} /${RANGE_PLACEHOLDER} /${RANGE_PLACEHOLDER}]`;

/** The form pdfkit's initForm puts in the catalogue, which it offers no public way to reach. */
interface WithForm {
  _root: { data: { AcroForm: { data: Record<string, unknown> } } };
}

/** Room for the CMS signature: the certificates it carries, the signature and its attributes. */
const signatureRoom = (signer: PdfSigner) => signer.chain.reduce((n, c) => n + c.length, 0) + 1_500;

/**
 * Adds the signature field and its dictionary to a document being written, with room for the
 * signature; `signPdf` fills it in once the document is complete. Call it before `doc.end()`.
 */
export function addSignatureField(
  doc: PDFKit.PDFDocument,
  signer: PdfSigner,
  { signedAt, reason }: { signedAt: Date; reason: string },
) {
  const signature = doc.ref({
    Type: 'Sig',
    Filter: 'Adobe.PPKLite',
    SubFilter: 'ETSI.CAdES.detached',
    ByteRange: [0, RANGE_PLACEHOLDER, RANGE_PLACEHOLDER, RANGE_PLACEHOLDER],
    Contents: Buffer.alloc(signatureRoom(signer)),
    // The claimed signing time: PAdES puts it here, not in the CMS.
    M: signedAt,
    Reason: new String(reason),
  });
  signature.end(undefined);
  // Invisible (an empty rectangle), printed never, locked: only the reader's signature panel shows it.
  const widget = doc.ref({
    Type: 'Annot',
    Subtype: 'Widget',
    FT: 'Sig',
    Rect: [0, 0, 0, 0],
    F: 132,
    T: new String('Signature1'),
    V: signature,
    P: doc.page.dictionary,
  });
  widget.end(undefined);
  (doc.page.annotations as PDFKit.PDFKitReference[]).push(widget);
  // pdfkit writes the form when the document ends; only its font resources are kept of what
  // initForm puts there (no NeedAppearances: a reader must not redraw a signed document).
  const form = (doc.initForm() as PDFKit.PDFDocument & WithForm)._root.data.AcroForm;
  form.data = { Fields: [widget], SigFlags: 3, DR: form.data.DR }; // SigFlags: signatures exist, append only
}

/** Where the signature's hex string lies in the file: the gap the byte range leaves out. */
function placeholderIn(pdf: Buffer) {
  const range = pdf.indexOf(RANGE_PATTERN);
  if (range < 0 || pdf.indexOf(RANGE_PATTERN, range + 1) >= 0) throw new Error('expected one signature placeholder');
  const start = pdf.indexOf('/Contents <', range) + '/Contents '.length;
  const end = pdf.indexOf('>', start) + 1;
  return { range, start, end };
}

const parsedKeys = new Map<string, KeyObject>();
/** The key parsed once per thread: a thread renders many PDFs with the same key. */
function keyOf(pem: string): KeyObject {
  let key = parsedKeys.get(pem);
  if (!key) {
    parsedKeys.clear();
    parsedKeys.set(pem, (key = createPrivateKey(pem)));
  }
  return key;
}

/** Fills in the byte range and the signature of a PDF written with `addSignatureField`. */
export function signPdf(pdf: Buffer, signer: PdfSigner): Buffer {
  const { range, start, end } = placeholderIn(pdf);
  const byteRange = `/ByteRange [0 ${start} ${end} ${pdf.length - end}]`;
  const signed = Buffer.from(pdf);
  signed.write(byteRange.padEnd(RANGE_PATTERN.length, ' '), range, 'latin1');
  const digest = createHash('sha256').update(signed.subarray(0, start)).update(signed.subarray(end)).digest();
  const cms = signCadesDetached(digest, {
    privateKey: keyOf(signer.privateKeyPem),
    chain: signer.chain.map((c) => Buffer.from(c)),
  });
  const room = end - start - 2;
  if (cms.length * 2 > room) throw new Error(`the signature (${cms.length} bytes) does not fit in its room`);
  signed.write(cms.toString('hex'), start + 1, 'latin1');
  return signed;
}

/** What the check of a PDF's own signature found. */
export type PdfSignatureOutcome = 'valid' | 'unsigned' | 'malformed' | 'altered' | 'unknown_signer';
export type PdfSignatureCheck =
  { outcome: 'valid'; signer: X509Certificate; signedAt?: Date } | { outcome: Exclude<PdfSignatureOutcome, 'valid'> };

/** The length of the DER element at the start of `der` (the signature's hex is padded with zeros). */
function derElementLength(der: Buffer): number | undefined {
  if (der.length < 2) return undefined;
  const first = der[1]!;
  if (first < 0x80) return 2 + first;
  const bytes = first & 0x7f;
  if (bytes === 0 || bytes > 4 || der.length < 2 + bytes) return undefined;
  return 2 + bytes + der.subarray(2, 2 + bytes).reduce((n, b) => n * 256 + b, 0);
}

/**
 * Checks a PDF's signature: exactly one, covering the whole file but its own value (nothing
 * changed or appended after signing), made by one of the `trusted` certificates (DER) over exactly
 * those bytes.
 */
export function checkPdfSignature(pdf: Buffer, trusted: Buffer[]): PdfSignatureCheck {
  const text = pdf.toString('latin1');
  const ranges = [...text.matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)];
  if (ranges.length === 0) return { outcome: 'unsigned' };
  if (ranges.length > 1) return { outcome: 'malformed' };
  const [a, b, c, d] = ranges[0]!.slice(1).map(Number) as [number, number, number, number];
  // The whole file is signed only when the two ranges meet its two ends.
  if (a !== 0 || b <= 0 || c <= b || c + d !== pdf.length) return { outcome: 'altered' };
  const gap = text.slice(b, c);
  if (!/^<[0-9A-Fa-f]*>$/.test(gap)) return { outcome: 'altered' };
  const padded = Buffer.from(gap.slice(1, -1), 'hex');
  const length = derElementLength(padded);
  if (length === undefined || length > padded.length) return { outcome: 'malformed' };
  const digest = createHash('sha256').update(pdf.subarray(0, b)).update(pdf.subarray(c)).digest();
  const check = checkCadesDetached(padded.subarray(0, length), digest, trusted);
  if (check.ok) return { outcome: 'valid', signer: check.signer, signedAt: signingTimeIn(text) };
  if (check.problem === 'digest') return { outcome: 'altered' };
  if (check.problem === 'unknown_signer') return { outcome: 'unknown_signer' };
  return { outcome: 'malformed' };
}

/** The /M of the signature dictionary, "D:20261127100000Z", as a date. */
function signingTimeIn(text: string): Date | undefined {
  const m = /\/M \(D:(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z\)/.exec(text);
  return m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : undefined;
}
