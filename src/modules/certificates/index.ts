// What other modules and the command line may use of the certificates module. Its repository is
// its own; the read below checks no permission (for services that have decided what their actor
// may see).
export {
  certificatesZipDownload,
  certificateWithSuccessor,
  type CertificatePayload,
  issueCertificate,
  pledgeCertificatesZip,
  revokeCertificate,
} from './certificates.service.js';
export { latestOf as latestCertificatesOf } from './certificates.repository.js';
export {
  type CertificateDataOutcome,
  checkPdfOffline,
  endorsementCertificatePdf,
  MAX_CERTIFICATE_PDF_BYTES,
  verifyUploadedPdf,
} from './certificate-check.js';
export { extractProof } from './certificate.pdf.js';
export { type CertificatePrinter, printerOf } from './certificate.render.js';
export type { PdfSignatureOutcome } from './pdf-signature.js';
