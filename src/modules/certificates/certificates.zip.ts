import { Readable } from 'node:stream';
import yazl from 'yazl';
import type { Db } from '../../db/client.js';
import type { WorkerPool } from '../../lib/worker-pool.js';
import { renderOnWorker } from './certificate.render.js';
import type { PdfSigner } from './signing-certificates.js';
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

type CertificateRow = Awaited<ReturnType<typeof repo.validCertificatesOfPledge>>[number];

/**
 * Every valid certificate of a pledge as PDFs in one ZIP, each signed by `signer`, streamed. Certificates are read from
 * the database a hundred at a time; their PDFs are rendered on the worker threads, in order, a few
 * ahead of the entry the ZIP writer is at (as many as the threads take at once), and the writer
 * moves to the next entry only when the reader has taken the last: memory stays flat whatever the
 * number of certificates and however slow the reader. The pool's units are reserved at once (a
 * 503 before any byte when it is full) and given back when the stream closes; a reader that
 * leaves stops the work: nothing more is read or rendered, and what waits for a thread is dropped.
 */
export function certificatesZip(
  db: Db,
  workers: WorkerPool,
  signer: PdfSigner,
  pledgeId: string,
  onEntry?: (done: number) => void,
  batchSize = BATCH,
): Readable {
  const ahead = workers.slots;
  const lease = workers.reserve(ahead);
  const stop = new AbortController();
  const zip = new yazl.ZipFile();
  // @types/yazl declares the output as the bare NodeJS.ReadableStream interface; yazl makes a PassThrough.
  const output = zip.outputStream as Readable;
  output.once('close', () => {
    stop.abort();
    lease.release();
  });

  // Entries read from the database and not yet written, by position; a written one is let go.
  const entries = new Map<number, { row: CertificateRow; pdf?: Promise<Buffer> }>();
  let loaded = 0;
  let last: CertificateRow | undefined;
  let exhausted = false;
  let loading = false;
  let writing = 0;
  let rendered = 0;

  const render = (entry: { row: CertificateRow; pdf?: Promise<Buffer> }) => {
    if (!entry.pdf) {
      const { row } = entry;
      const certificate = { payload: row.payload as CertificatePayload, signature: row.signature, keyId: row.keyId };
      const signing = { signer, signedAt: new Date() };
      entry.pdf = renderOnWorker(lease, certificate, signing, undefined, stop.signal).then((pdf) => {
        onEntry?.(++rendered);
        return pdf;
      });
      // Rendered ahead, it may be dropped unread (the reader left): that is no unhandled rejection.
      entry.pdf.catch(() => undefined);
    }
    return entry.pdf;
  };

  /** Starts the renders from the writer's entry on, and reads the next batch when they reach past the last read. */
  const renderAhead = () => {
    if (stop.signal.aborted) return;
    for (let i = writing; i < Math.min(writing + ahead, loaded); i++) {
      const entry = entries.get(i);
      if (entry) void render(entry);
    }
    if (writing + ahead > loaded && !exhausted && !loading) void loadBatch();
  };

  const loadBatch = async () => {
    loading = true;
    try {
      const after = last && { issuedAt: last.issuedAt, id: last.id };
      const rows = await repo.validCertificatesOfPledge(db, pledgeId, after, batchSize);
      if (stop.signal.aborted) return;
      for (const row of rows) {
        const position = loaded++;
        entries.set(position, { row });
        // PDFs are compressed already; storing them keeps the ZIP fast to write.
        zip.addReadStream(entryStream(position), certificateFileName(row.payload as CertificatePayload), {
          mtime: row.issuedAt,
          compress: false,
        });
      }
      last = rows.at(-1) ?? last;
      if (rows.length < batchSize) {
        exhausted = true;
        zip.end();
      }
    } catch (err) {
      output.destroy(err as Error);
      return;
    } finally {
      loading = false;
    }
    renderAhead();
  };

  /** The entry's PDF, asked for when the ZIP writer reaches it (yazl reads its entries one by one). */
  const entryStream = (position: number) =>
    new Readable({
      read() {
        const entry = entries.get(position);
        if (!entry) return;
        writing = position;
        renderAhead();
        render(entry).then(
          (pdf) => {
            entries.delete(position);
            this.push(pdf);
            this.push(null);
          },
          (err: Error) => {
            // Once the reader has left, the drop is expected; else the download fails with the error.
            if (!stop.signal.aborted) output.destroy(err);
            this.destroy();
          },
        );
      },
    });

  void loadBatch();
  return output;
}
