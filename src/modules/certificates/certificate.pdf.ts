import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Language } from '../../lib/countries.js';
import { z } from 'zod';
import { templatesDir } from '../../lib/paths.js';
import { serialPattern } from '../../lib/serial.js';
import { loadPdfKit, sharedDejavuFont } from '../../lib/pdf-fonts.js';
import type { CertificatePayload } from './certificates.service.js';
import { addSignatureField, signPdf } from './pdf-signature.js';
import type { PdfSigner } from './signing-certificates.js';

type Strings = Record<
  | 'heading'
  | 'certifies'
  | 'endorsedWhole'
  | 'endorsedAreas'
  | 'signedBy'
  | 'issued'
  | 'version'
  | 'serial'
  | 'verify'
  | 'signatureReason',
  string
>;
interface Template {
  page: { margin: number };
  colors: Record<'ink' | 'accent' | 'muted' | 'frame', string>;
  fonts: Record<'regular' | 'bold' | 'serif' | 'serifBold', string>;
  qr: { size: number; right: number; bottom: number };
  strings: Record<Language, Strings>;
}

const template = JSON.parse(readFileSync(join(templatesDir, 'certificate.json'), 'utf8')) as Template;

export interface RenderableCertificate {
  payload: CertificatePayload;
  signature: string;
  keyId: string;
}

const fill = (s: string, values: Record<string, string | number>) =>
  s.replace(/\{(\w+)\}/g, (_, k: string) => String(values[k] ?? ''));
const local = (text: { en: string; es?: string; fr?: string }, language: Language) => text[language] ?? text.en;

/** The proof the PDF carries in its document information: enough to check it with no database. */
export const PROOF_KEYS = {
  payload: 'ApPayload',
  signature: 'ApSignature',
  keyId: 'ApKeyId',
  language: 'ApLanguage',
} as const;

/** Who signs the PDF, and when (the time a reader's signature panel shows). */
export interface PdfSigning {
  signer: PdfSigner;
  signedAt: Date;
}

/**
 * Renders a certificate, A4 landscape, in `language`, and signs it: a PDF signature over all of
 * its bytes, which is what a check relies on (the PDF is never rendered again to be compared).
 */
export async function renderCertificatePdf(
  cert: RenderableCertificate,
  language: Language,
  signing: PdfSigning,
): Promise<Buffer> {
  const [PDFDocument, { default: QRCode }] = await Promise.all([loadPdfKit(), import('qrcode')]);
  const { payload } = cert;
  const t = template.strings[language];
  const issuedAt = new Date(payload.issuedAt);
  const doc = new PDFDocument({
    size: 'A4',
    layout: 'landscape',
    margin: template.page.margin,
    compress: true,
    info: {
      Title: `${t.heading}: ${payload.city.name}, ${local(payload.pledge.title, language)}`,
      Author: 'Action Pledge secretariat',
      Subject: payload.serial,
      Producer: 'Action Pledge platform',
      Creator: 'Action Pledge platform',
      CreationDate: issuedAt,
      ModDate: issuedAt,
      [PROOF_KEYS.payload]: Buffer.from(JSON.stringify(payload)).toString('base64url'),
      [PROOF_KEYS.signature]: cert.signature,
      [PROOF_KEYS.keyId]: cert.keyId,
      [PROOF_KEYS.language]: language,
    } as PDFKit.DocumentInfo,
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  for (const [name, file] of Object.entries(template.fonts)) doc.registerFont(name, sharedDejavuFont(file));

  const { width: W, height: H } = doc.page;
  const c = template.colors;
  doc
    .lineWidth(3)
    .strokeColor(c.frame)
    .rect(22, 22, W - 44, H - 44)
    .stroke();
  doc
    .lineWidth(0.75)
    .rect(30, 30, W - 60, H - 60)
    .stroke();

  const inner = { x: 70, width: W - 140 };
  const centred = (text: string, font: keyof Template['fonts'], size: number, color: string, gap = 6) => {
    doc.font(font).fontSize(size).fillColor(color).text(text, inner.x, doc.y, { width: inner.width, align: 'center' });
    doc.y += gap;
  };
  doc.y = 66;
  centred(local(payload.pledge.title, language), 'serif', 15, c.muted, 12);
  centred(t.heading, 'serifBold', 36, c.accent, 8);
  doc
    .lineWidth(1)
    .strokeColor(c.accent)
    .moveTo(W / 2 - 90, doc.y)
    .lineTo(W / 2 + 90, doc.y)
    .stroke();
  doc.y += 18;
  centred(t.certifies, 'regular', 13, c.ink, 6);
  centred(payload.city.name, 'serifBold', 34, c.ink, 2);
  centred(local(payload.city.countryName, language), 'regular', 14, c.muted, 16);
  centred(payload.scope === 'whole' ? t.endorsedWhole : t.endorsedAreas, 'regular', 13, c.ink, 4);
  centred(local(payload.pledge.title, language), 'bold', 16, c.ink, 10);
  if (payload.scope === 'areas') {
    // Many areas share the space in two columns' worth of smaller type.
    const size = payload.areas.length > 6 ? 10 : 12;
    for (const area of payload.areas) centred(`•  ${local(area.title, language)}`, 'regular', size, c.ink, 2);
    doc.y += 8;
  } else {
    doc.y += 6;
  }
  const date = new Intl.DateTimeFormat(language, { dateStyle: 'long', timeZone: 'UTC' }).format(issuedAt);
  centred(fill(t.signedBy, { name: payload.signatory.name, title: payload.signatory.title }), 'regular', 13, c.ink, 4);
  centred(fill(t.issued, { date }), 'regular', 13, c.ink, 0);

  // Footer: the text it certifies, the serial, and where to check it.
  const shortHash = payload.version.contentHash.slice(0, 16).replace(/(.{4})(?=.)/g, '$1 ');
  const footerY = H - 118;
  doc
    .font('regular')
    .fontSize(9)
    .fillColor(c.muted)
    .text(fill(t.version, { number: payload.version.number, hash: `${shortHash}…` }), 56, footerY, { width: W - 300 });
  doc
    .font('bold')
    .fontSize(13)
    .fillColor(c.ink)
    .text(fill(t.serial, { serial: payload.serial }), 56, footerY + 16, { width: W - 300 });
  doc
    .font('regular')
    .fontSize(9)
    .fillColor(c.muted)
    .text(t.verify, 56, footerY + 38, { width: W - 300 });
  doc
    .font('regular')
    .fontSize(9)
    .fillColor(c.accent)
    .text(payload.verifyUrl, 56, footerY + 50, { width: W - 300, link: payload.verifyUrl });

  const qr = QRCode.create(payload.verifyUrl, { errorCorrectionLevel: 'M' });
  const modules = qr.modules.size;
  const cell = template.qr.size / modules;
  const qx = W - template.qr.right - template.qr.size;
  const qy = H - template.qr.bottom - template.qr.size;
  for (let row = 0; row < modules; row++) {
    for (let col = 0; col < modules; col++)
      if (qr.modules.get(row, col)) doc.rect(qx + col * cell, qy + row * cell, cell, cell);
  }
  doc.fillColor(c.ink).fill();
  doc.link(qx, qy, template.qr.size, template.qr.size, payload.verifyUrl);
  addSignatureField(doc, signing.signer, {
    signedAt: signing.signedAt,
    reason: fill(t.signatureReason, { serial: payload.serial }),
  });
  doc.end();
  return signPdf(await done, signing.signer);
}

const localised = z.object({ en: z.string(), es: z.string().optional(), fr: z.string().optional() });
const proofPayloadSchema = z.object({
  serial: z.string().regex(serialPattern),
  verifyUrl: z.string().max(2_000),
  pledge: z.object({ slug: z.string(), title: localised }),
  version: z.object({ number: z.number().int().min(1), contentHash: z.string() }),
  city: z.object({ name: z.string(), country: z.string(), countryName: localised }),
  scope: z.enum(['whole', 'areas']),
  areas: z.array(z.object({ key: z.string(), title: localised })),
  signatory: z.object({ name: z.string(), title: z.string() }),
  language: z.enum(['en', 'es', 'fr']),
  endorsementId: z.string(),
  revision: z.number().int(),
  issuedAt: z.iso.datetime(),
});

export interface EmbeddedProof {
  payload: CertificatePayload;
  payloadJson: string;
  signature: string;
  keyId: string;
  language: Language;
}

/** Reads the proof back from a PDF's document information; undefined when it carries none. */
export function extractProof(pdf: Buffer): EmbeddedProof | undefined {
  const text = pdf.toString('latin1');
  // The information dictionary refers to each value as an object ("/ApKeyId 26 0 R"); read the
  // literal string of that object. Only the base64url alphabet is accepted.
  const read = (key: string) => {
    // Anchored to the start of a line: pdfkit writes one key a line, and text in the title
    // (escaped, on its own line) can never pass for a key.
    const ref = new RegExp(`\\n/${key} (\\d+) 0 R\\n`).exec(text)?.[1];
    const direct = new RegExp(`\\n/${key} \\(([A-Za-z0-9_-]{1,200000})\\)\\n`).exec(text)?.[1];
    if (!ref) return direct;
    return new RegExp(`(?:^|\\n)${ref} 0 obj\\s*\\(([A-Za-z0-9_-]{1,200000})\\)\\s*endobj`).exec(text)?.[1];
  };
  const payloadB64 = read(PROOF_KEYS.payload);
  const signature = read(PROOF_KEYS.signature);
  const keyId = read(PROOF_KEYS.keyId);
  const language = read(PROOF_KEYS.language);
  if (!payloadB64 || !signature || !keyId || !language || !['en', 'es', 'fr'].includes(language)) return undefined;
  try {
    const payloadJson = Buffer.from(payloadB64, 'base64url').toString('utf8');
    const payload: unknown = JSON.parse(payloadJson);
    // Only something shaped like a certificate goes further; the original object is kept, as signed.
    if (!proofPayloadSchema.safeParse(payload).success) return undefined;
    return { payload: payload as CertificatePayload, payloadJson, signature, keyId, language: language as Language };
  } catch {
    return undefined;
  }
}
