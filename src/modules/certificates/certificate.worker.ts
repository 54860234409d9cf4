// Runs on a worker thread (lib/worker-pool.ts): a certificate's signed PDF from its signed data alone.
// It imports no database code, so a thread loads pdfkit and the fonts and little else.
import type { Language } from '../../lib/countries.js';
import { transferable } from '../../lib/worker-pool.js';
import { type PdfSigning, renderCertificatePdf, type RenderableCertificate } from './certificate.pdf.js';

export interface CertificateTask {
  certificate: RenderableCertificate;
  language: Language;
  signing: PdfSigning;
}

export default async function renderCertificate({ certificate, language, signing }: CertificateTask) {
  return transferable(await renderCertificatePdf(certificate, language, signing));
}
