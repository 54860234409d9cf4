import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import { MessageChannel } from 'node:worker_threads';
import type { Db } from '../../db/client.js';
import { asBuffer, type WorkerPool, workerFile } from '../../lib/worker-pool.js';
import { neutralise, type ReportRecord, reportColumns, reportRecords } from './reports.export.js';
import type { ReportFilters } from './reports.repository.js';
import { summary as summaryFigures } from './reports.summary.js';
import type { WorkbookRow } from './reports.workbook.js';
import type { FromWorkbook, ToWorkbook, WorkbookTask } from './reports.worker.js';

const worker = workerFile(import.meta.url, 'reports.worker');
/** Batches sent to the worker and not yet written: one written while the next waits, no more. */
const AHEAD = 2;

/** Waits until `stream` drains or closes, leaving no listener behind. */
async function drainOrClose(stream: PassThrough): Promise<void> {
  const stop = new AbortController();
  const quietly = (p: Promise<unknown>) => p.catch(() => undefined);
  await Promise.race([
    quietly(once(stream, 'drain', { signal: stop.signal })),
    quietly(once(stream, 'close', { signal: stop.signal })),
  ]);
  stop.abort();
}

/** A report record as the Endorsements sheet's cells; user text made inert against formulas. */
function workbookRow(r: ReportRecord, areaKeys: string[]): WorkbookRow {
  const date = (iso: string) => (iso ? new Date(iso) : null);
  return [
    r.id,
    neutralise(r.city),
    r.country,
    neutralise(r.countryName),
    r.region,
    neutralise(r.networks),
    r.status,
    r.version,
    r.scope,
    ...areaKeys.map((k) => r.areas[k] ?? 0),
    neutralise(r.signatoryName),
    neutralise(r.signatoryTitle),
    r.language,
    date(r.submittedAt),
    date(r.verifiedAt),
    date(r.withdrawnAt),
    r.certificateSerial,
    ...areaKeys.map((k) => r.progress[k] ?? ''),
    r.staleAreas.join(';'),
  ];
}

/**
 * The report as a real workbook, streamed. The rows are read here (a cursor in one snapshot, a
 * thousand at a time) and written into the workbook on a worker thread (reports.worker.ts), which
 * sends the bytes back as it makes them: the event loop only reads and forwards. The reader sets
 * the pace: the next batch goes when the worker has written the one before last and the reader
 * has taken what was made. A unit of the worker pool is reserved before any byte (503 when it is
 * full); a reader that leaves ends the worker's session and the database read.
 */
export function xlsxReport(
  db: Db,
  workers: WorkerPool,
  pledgeId: string,
  filters: ReportFilters,
  areaKeys: string[],
  onRows?: (n: number) => void,
): Readable {
  const lease = workers.reserve(1);
  const out = new PassThrough();
  const { port1: port, port2 } = new MessageChannel();
  const send = (message: ToWorkbook) => port.postMessage(message);
  let unwritten = 0;
  let wake: (() => void) | undefined;
  port.on('message', (message: FromWorkbook) => {
    if ('bytes' in message) {
      if (!out.destroyed) out.write(asBuffer(message.bytes));
    } else if ('written' in message) {
      unwritten--;
      wake?.();
    } else {
      out.end();
    }
  });
  // Closing the port ends the worker's session; the loop below stops at its next step.
  out.once('close', () => {
    port.close();
    wake?.();
  });
  const gone = () => out.destroyed;

  const task: WorkbookTask = { port: port2, columns: reportColumns(areaKeys) };
  lease
    .run<void>({ file: worker, name: 'workbook', data: task, transferList: [port2] })
    // The session's end arrives on piscina's own channel, maybe before the last bytes on this
    // port: the download ends with the port's `done`, not with the task.
    .catch((err: Error) => out.destroy(err))
    .finally(() => lease.release());

  (async () => {
    let rows = 0;
    for await (const batch of reportRecords(db, pledgeId, filters, areaKeys)) {
      while (unwritten >= AHEAD && !gone()) await new Promise<void>((resolve) => (wake = resolve));
      // A reader that leaves destroys the stream without 'drain': wait for whichever comes first.
      if (out.writableNeedDrain) await drainOrClose(out);
      if (gone()) return;
      unwritten++;
      send({ rows: batch.map((r) => workbookRow(r, areaKeys)) });
      rows += batch.length;
      onRows?.(rows);
    }
    const summary = await summaryFigures(db, pledgeId, filters, areaKeys);
    if (!gone()) send({ summary });
  })().catch((err: Error) => out.destroy(err));
  return out;
}
