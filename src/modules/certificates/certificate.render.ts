import type { Language } from '../../lib/countries.js';
import { asBuffer, type TaskRunner, workerFile } from '../../lib/worker-pool.js';
import type { RenderableCertificate } from './certificate.pdf.js';
import type { CertificateTask } from './certificate.worker.js';

const worker = workerFile(import.meta.url, 'certificate.worker');

/**
 * A certificate's PDF rendered on a worker thread: the same bytes as renderCertificatePdf on this
 * thread (what a check compares against), without holding the event loop for the 60 ms it takes.
 */
export async function renderOnWorker(
  runner: TaskRunner,
  certificate: RenderableCertificate,
  language: Language = certificate.payload.language,
  signal?: AbortSignal,
): Promise<Buffer> {
  const data: CertificateTask = { certificate, language };
  return asBuffer(await runner.run<Uint8Array>({ file: worker, data }, signal));
}
