// Runs on a worker thread (lib/worker-pool.ts): the report's workbook and the summary's PDF, from
// data the main thread read. No database code is loaded here.
import { Writable } from 'node:stream';
import type { MessagePort } from 'node:worker_threads';
import type { Language } from '../../lib/countries.js';
import { transferable } from '../../lib/worker-pool.js';
import type { Summary } from './reports.summary.js';
import { openWorkbook, type WorkbookRow } from './reports.workbook.js';
import { renderSummaryPdf, type SummaryInput } from './summary.pdf.js';

export interface SummaryPdfTask {
  input: SummaryInput;
  language: Language;
}

export async function summaryPdf({ input, language }: SummaryPdfTask) {
  return transferable(await renderSummaryPdf(input, language));
}

/** What the main thread sends a workbook session: a batch of rows, then the summary (the end). */
export type ToWorkbook = { rows: WorkbookRow[] } | { summary: Summary };
/** What the session answers: the workbook's bytes as they are made, a batch written, the end. */
export type FromWorkbook = { bytes: Uint8Array } | { written: true } | { done: true };

export interface WorkbookTask {
  port: MessagePort;
  columns: string[];
}

/**
 * A workbook written from the rows the main thread sends over `port`, its bytes sent back over
 * the same port as they are made. Ends once the summary is written (after `done`), or when the
 * main thread closes the port (the reader left).
 */
export async function workbook({ port, columns }: WorkbookTask): Promise<void> {
  const send = (message: FromWorkbook, transfer?: ArrayBuffer[]) => port.postMessage(message, transfer);
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      // A copy of its own to move: the chunk may be a slice of a buffer shared with others.
      const bytes = new Uint8Array(chunk);
      send({ bytes }, [bytes.buffer]);
      done();
    },
  });
  const book = await openWorkbook(out, columns);
  await new Promise<void>((resolve, reject) => {
    // One message at a time, in order: the summary waits for the rows before it.
    let work = Promise.resolve();
    port.on('message', (message: ToWorkbook) => {
      work = work
        .then(async () => {
          if ('rows' in message) {
            await book.addRows(message.rows);
            send({ written: true });
          } else {
            await book.finish(message.summary);
            send({ done: true });
            resolve();
          }
        })
        .catch(reject);
    });
    port.once('close', () => resolve());
  });
  // The port is left to the main thread to close, once it has taken every message.
}
