import { Readable } from 'node:stream';
import yazl from 'yazl';
import type { Db } from '../../db/client.js';
import { renderCertificatePdf } from './certificate.pdf.js';
import * as repo from './certificates.repository.js';
import type { CertificatePayload } from './certificates.service.js';

const BATCH = 100;

/** A file name a person can read: the serial, then the city (letters of any script kept). */
export function certificateFileName(payload: CertificatePayload): string {
  const city = payload.city.name
    .normalize('NFC')
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-|-$/g, '');
  return `${payload.serial}-${city || 'city'}.pdf`;
}

/** A stream that renders its PDF only when the ZIP writer gets to it. */
function lazyPdf(render: () => Promise<Buffer>, onFirstRead: () => void): Readable {
  let started = false;
  return new Readable({
    read() {
      if (started) return;
      started = true;
      onFirstRead();
      render().then(
        (pdf) => {
          this.push(pdf);
          this.push(null);
        },
        (err: Error) => this.destroy(err),
      );
    },
  });
}

/**
 * Every valid certificate of a pledge as PDFs in one ZIP, streamed: certificates are read from
 * the database a hundred at a time and each PDF is rendered only when the writer reaches it, so
 * memory stays flat whatever the number of certificates and however slow the reader.
 */
export function certificatesZip(
  db: Db,
  pledgeId: string,
  onEntry?: (done: number) => void,
  batchSize = BATCH,
): Readable {
  const zip = new yazl.ZipFile();
  // @types/yazl declares the output as the bare NodeJS.ReadableStream interface; yazl makes a PassThrough.
  const output = zip.outputStream as Readable;
  let rendered = 0;
  const addBatch = async (after?: { issuedAt: Date; id: string }) => {
    const rows = await repo.validCertificatesOfPledge(db, pledgeId, after, batchSize);
    rows.forEach((row, i) => {
      const payload = row.payload as CertificatePayload;
      const isLast = i === rows.length - 1;
      const stream = lazyPdf(
        async () => {
          const pdf = await renderCertificatePdf({ payload, signature: row.signature, keyId: row.keyId });
          onEntry?.(++rendered);
          return pdf;
        },
        // Reaching the last entry of a batch fetches the next one: never more than a batch ahead.
        () => {
          if (isLast && rows.length === batchSize)
            void addBatch({ issuedAt: row.issuedAt, id: row.id }).catch((err: Error) => output.destroy(err));
        },
      );
      // PDFs are compressed already; storing them keeps the ZIP fast to write.
      zip.addReadStream(stream, certificateFileName(payload), { mtime: row.issuedAt, compress: false });
    });
    if (rows.length < batchSize) zip.end();
  };
  addBatch().catch((err: Error) => output.destroy(err));
  return output;
}
