import { sql, type SQL } from 'drizzle-orm';
import type { Db } from './client.js';
import { rowsOf } from './tx.js';

/**
 * A hand-over between the transaction that reads and the reader: at most one page waits in it,
 * so the database fetches the next page while the reader handles this one, and no further.
 */
class Handover<T> {
  private item: { value: T } | undefined;
  private stopped = false;
  private wakeTaker: (() => void) | undefined;
  private wakeGiver: (() => void) | undefined;

  /** Waits until the slot is free; false when the reader has gone. */
  async give(value: T): Promise<boolean> {
    while (this.item && !this.stopped) await new Promise<void>((r) => (this.wakeGiver = r));
    if (this.stopped) return false;
    this.item = { value };
    this.wakeTaker?.();
    return true;
  }

  async take(): Promise<T> {
    while (!this.item) await new Promise<void>((r) => (this.wakeTaker = r));
    const { value } = this.item;
    this.item = undefined;
    this.wakeGiver?.();
    return value;
  }

  stop() {
    this.stopped = true;
    this.wakeGiver?.();
  }
}

/**
 * The rows of one query, `pageSize` at a time, from a server-side cursor in a read-only
 * repeatable-read transaction: one consistent snapshot however long the reader takes, one plan
 * for the whole result (hash joins and one sort, as COPY would use, not an index walk per page),
 * and at most two pages in the service's memory: the one being read, and the next, fetched
 * meanwhile. A slow reader holds the cursor, not the rows; a reader that stops early ends the
 * transaction. Works on both drivers (PGlite serialises transactions, so there it holds the
 * database meanwhile).
 */
export async function* cursorPages<T>(db: Db, query: SQL, pageSize: number): AsyncGenerator<T[]> {
  const handover = new Handover<T[] | Error>();
  const fetch = sql.raw(`FETCH FORWARD ${Math.trunc(pageSize)} FROM page_cursor`);
  const transaction = db
    .transaction(
      async (tx) => {
        // Plan for the whole result, not for its first rows as a cursor otherwise would.
        await tx.execute(sql`SET LOCAL cursor_tuple_fraction = 1`);
        // A reader that goes quiet must not hold a snapshot open for ever.
        await tx.execute(sql`SET LOCAL idle_in_transaction_session_timeout = '10min'`);
        await tx.execute(sql`DECLARE page_cursor NO SCROLL CURSOR FOR ${query}`);
        for (;;) {
          const rows = rowsOf<T>(await tx.execute(fetch));
          if (!(await handover.give(rows))) return;
          if (rows.length < pageSize) return;
        }
      },
      { isolationLevel: 'repeatable read', accessMode: 'read only' },
    )
    .then(
      () => undefined,
      (err: unknown) => {
        const error = err instanceof Error ? err : new Error(String(err));
        void handover.give(error);
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
