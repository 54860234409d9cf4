import { randomUUID } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import type { Db } from './client.js';
import { rowsOf } from './tx.js';

/** How long a page may wait for its reader before the export gives up and frees the database. */
export const READER_TIMEOUT_MS = 10 * 60_000;

export class ReaderTooSlowError extends Error {
  constructor(ms: number) {
    super(`the reader took no page for ${Math.round(ms / 1000)} s; the export was stopped to free the database`);
    this.name = 'ReaderTooSlowError';
  }
}

/**
 * A hand-over between the transaction that reads and the reader: one page waits in it, so the
 * database fetches the next page while the reader handles this one. Closing it with an error
 * lets the reader take what is waiting, then the error.
 */
class Handover<T> {
  private item: { value: T } | undefined;
  private stopped = false;
  private closedWith: Error | undefined;
  private wakeTaker: (() => void) | undefined;
  private wakeGiver: (() => void) | undefined;

  /** Waits until the slot is free; false when the reader has gone or has not come back in time. */
  async give(value: T, timeoutMs: number): Promise<boolean> {
    if (this.item && !this.stopped) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await new Promise<boolean>((resolve) => {
        this.wakeGiver = () => resolve(false);
        timer = setTimeout(() => resolve(true), timeoutMs);
      }).finally(() => clearTimeout(timer));
      if (timedOut && this.item && !this.stopped) {
        this.close(new ReaderTooSlowError(timeoutMs));
        return false;
      }
    }
    if (this.stopped || this.closedWith) return false;
    this.item = { value };
    this.wakeTaker?.();
    return true;
  }

  async take(): Promise<T | Error> {
    while (!this.item) {
      if (this.closedWith) return this.closedWith;
      await new Promise<void>((r) => (this.wakeTaker = r));
    }
    const { value } = this.item;
    this.item = undefined;
    this.wakeGiver?.();
    return value;
  }

  /** No more pages: the reader gets what is waiting, then `error`. */
  close(error: Error) {
    this.closedWith ??= error;
    this.wakeTaker?.();
  }

  /** The reader has gone. */
  stop() {
    this.stopped = true;
    this.wakeGiver?.();
  }
}

/**
 * The rows of one query, `pageSize` at a time, from a server-side cursor in a read-only
 * repeatable-read transaction: one consistent snapshot however long the reader takes, one plan
 * for the whole result (hash joins and one sort, as COPY would use, not an index walk per page),
 * and at most three pages in the service's memory: the one being read, the next one waiting for
 * it, and the one after, fetched meanwhile. A reader that stops early ends the transaction; one
 * that takes no page for `readerTimeoutMs` gets a ReaderTooSlowError, and the transaction ends
 * then rather than holding a connection and a snapshot (on PGlite: the whole database) for ever.
 *
 * Inside a caller's transaction it runs in a savepoint and reads that transaction's snapshot
 * (drizzle takes no isolation options there), leaving its settings alone.
 */
export async function* cursorPages<T>(
  db: Db,
  query: SQL,
  pageSize: number,
  readerTimeoutMs = READER_TIMEOUT_MS,
): AsyncGenerator<T[]> {
  const handover = new Handover<T[]>();
  // A name of its own, so that two exports in one transaction do not collide.
  const cursor = sql.raw(`page_cursor_${randomUUID().replaceAll('-', '')}`);
  const nested = db instanceof PgTransaction;
  const transaction = db
    .transaction(
      async (tx) => {
        // Plan for the whole result, not for its first rows as a cursor otherwise would. (SET
        // LOCAL would outlive a savepoint, so not inside a caller's transaction.)
        if (!nested) await tx.execute(sql`SET LOCAL cursor_tuple_fraction = 1`);
        await tx.execute(sql`DECLARE ${cursor} NO SCROLL CURSOR FOR ${query}`);
        const fetch = sql`FETCH FORWARD ${sql.raw(String(Math.trunc(pageSize)))} FROM ${cursor}`;
        for (;;) {
          const rows = rowsOf<T>(await tx.execute(fetch));
          if (!(await handover.give(rows, readerTimeoutMs))) break;
          if (rows.length < pageSize) break;
        }
        await tx.execute(sql`CLOSE ${cursor}`);
      },
      { isolationLevel: 'repeatable read', accessMode: 'read only' },
    )
    .then(
      () => undefined,
      (err: unknown) => {
        const error = err instanceof Error ? err : new Error(String(err));
        handover.close(error);
        return error;
      },
    );
  let finished = false;
  try {
    for (;;) {
      const page = await handover.take();
      if (page instanceof Error) throw page;
      if (page.length > 0) yield page;
      if (page.length < pageSize) {
        finished = true;
        break;
      }
    }
  } finally {
    handover.stop();
    // A reader that leaves early still waits for the transaction to end (and its connection to
    // go back to the pool); its outcome is of no use to it then.
    if (!finished) await transaction;
  }
  // An error the reader has not seen yet (the commit, say) still reaches it.
  const failure = await transaction;
  if (failure) throw failure;
}
