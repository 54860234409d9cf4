import type { Language } from '../../lib/countries.js';
import type { DocumentSignerPem } from '../../lib/document-signer.js';
import { asBuffer, type TaskRunner, type WorkerPool, workerFile } from '../../lib/worker-pool.js';
import type { PdfSigning, RenderableCertificate } from './certificate.pdf.js';
import type { CertificateTask } from './certificate.worker.js';

/** What makes certificate PDFs: the worker threads, and the PDF signer as configured (absent: generated). */
export interface CertificatePrinter {
  workers: WorkerPool;
  documentSigner: DocumentSignerPem | undefined;
}

/** What renders and signs certificates in this process: its worker threads and its configured signer. */
export function printerOf(app: {
  workers: WorkerPool;
  config: { documentSigner?: DocumentSignerPem };
}): CertificatePrinter {
  return { workers: app.workers, documentSigner: app.config.documentSigner };
}

const worker = workerFile(import.meta.url, 'certificate.worker');

/**
 * A certificate's signed PDF made on a worker thread, as renderCertificatePdf makes it on this
 * one, without holding the event loop while it is drawn and signed.
 */
export async function renderOnWorker(
  runner: TaskRunner,
  certificate: RenderableCertificate,
  signing: PdfSigning,
  language: Language = certificate.payload.language,
  signal?: AbortSignal,
): Promise<Buffer> {
  const data: CertificateTask = { certificate, language, signing };
  return asBuffer(await runner.run<Uint8Array>({ file: worker, data }, signal));
}
