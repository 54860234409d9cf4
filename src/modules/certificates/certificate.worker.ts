// Runs on a worker thread (lib/worker-pool.ts): a certificate's PDF from its signed data alone.
// It imports no database code, so a thread loads pdfkit and the fonts and little else.
import type { Language } from '../../lib/countries.js';
import { transferable } from '../../lib/worker-pool.js';
import { renderCertificatePdf, type RenderableCertificate } from './certificate.pdf.js';

export interface CertificateTask {
  certificate: RenderableCertificate;
  language: Language;
}

export default async function renderCertificate({ certificate, language }: CertificateTask) {
  return transferable(await renderCertificatePdf(certificate, language));
}
