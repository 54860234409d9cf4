import type { Readable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/db/tx.js';
import { csvReport, reportColumns } from '../src/modules/reports/reports.export.js';
import type { TestApp } from './helpers/app.js';
import type { TestUser } from './helpers/factories.js';
import { api, buildCsvFixture, type CsvFixture, csvRecords, csvReportRequests } from './helpers/reports-csv-fixture.js';

/**
 * The CSV report reads its rows through a server-side cursor, page by page, in one transaction:
 * the pages must add up to the whole, an abandoned read must end its transaction, and what
 * changes during a read must not show in it.
 */

let fixture: CsvFixture;
let t: TestApp;
let pledgeId: string;
let areaKeys: string[];
let onPostgres: boolean;
let ids: Record<string, string>;
let officials: Record<string, TestUser>;
beforeAll(async () => {
  fixture = await buildCsvFixture();
  ({ t, pledgeId, areaKeys, onPostgres, ids, officials } = fixture);
}, 120_000);
afterAll(async () => fixture?.t.close());

const { csvBytes, jsonRecords, expectedCsvRow } = csvReportRequests(() => fixture);

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(parts);
}

/** Resolves once a stream has closed (a reader that breaks out of for-await destroys it with an AbortError). */
async function closed(stream: Readable) {
  if (!stream.closed) await new Promise<void>((resolve) => stream.once('close', () => resolve()));
}

/** Fails fast instead of waiting for the test timeout when the database is held by a lost transaction. */
function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function openTransactions(): Promise<number> {
  const [row] = rowsOf<{ n: number | string }>(
    await t.db.execute(
      sql`SELECT count(*) AS n FROM pg_stat_activity
          WHERE datname = current_database() AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()`,
    ),
  );
  return Number(row?.n ?? 0);
}

describe('The CSV report pages through a cursor, in one snapshot', () => {
  it('pages: two rows at a time gives the same bytes as the route, counting 2, 4, … up to the total', async () => {
    const fromRoute = await csvBytes();
    const total = Object.keys(ids).length;
    const counts: number[] = [];
    const paged = await collect(csvReport(t.db, pledgeId, {}, areaKeys, (n) => counts.push(n), 2));
    expect(paged.toString('utf8')).toBe(fromRoute.toString('utf8'));
    expect(paged.equals(fromRoute)).toBe(true);
    expect(counts).toEqual(Array.from({ length: Math.ceil(total / 2) }, (_, i) => Math.min(2 * (i + 1), total)));
    // Pages that divide the rows exactly end on an empty fetch, which adds no count.
    const exact: number[] = [];
    const whole = await collect(csvReport(t.db, pledgeId, {}, areaKeys, (n) => exact.push(n), total));
    expect(whole.equals(fromRoute)).toBe(true);
    expect(exact).toEqual([total]);
    // One row at a time, and the default page size, agree too.
    expect((await collect(csvReport(t.db, pledgeId, {}, areaKeys, undefined, 1))).equals(fromRoute)).toBe(true);
    expect((await collect(csvReport(t.db, pledgeId, {}, areaKeys))).equals(fromRoute)).toBe(true);
  });

  it('ends its transaction when the reader stops early, leaving the database usable', async () => {
    const before = await csvBytes();
    const total = Object.keys(ids).length;
    for (const pageSize of [1, 5_000]) {
      let fetched = 0;
      const stream = csvReport(t.db, pledgeId, {}, areaKeys, (n) => (fetched = n), pageSize);
      // The header, then (one row at a time) a first page: the cursor is open mid-result.
      let read = '';
      for await (const chunk of stream) {
        read += String(chunk);
        if (pageSize === 5_000 || fetched > 0) break;
      }
      // What was read is the report's beginning: its header, and perhaps some rows.
      expect(read.startsWith(`\uFEFF${reportColumns(areaKeys).join(',')}\r\n`)).toBe(true);
      expect(before.toString('utf8').startsWith(read)).toBe(true);
      await within(5_000, closed(stream), 'closing the abandoned stream');
      expect(stream.destroyed).toBe(true);
      // How far the cursor got depends on how far the stream read ahead: short of the end, one at a time.
      if (pageSize === 1) expect(fetched).toBeLessThan(total);
      // On PGlite a transaction left open would hold the database, and this request would wait.
      const after = await within(5_000, csvBytes(), 'the report after an abandoned one');
      expect(after.equals(before)).toBe(true);
      // On PostgreSQL it would hold a pooled connection idle in a transaction.
      if (onPostgres) expect(await openTransactions()).toBe(0);
    }
  });

  it('is one snapshot: what changes while it is being read does not show in the rest', async () => {
    const before = await csvBytes();
    const total = Object.keys(ids).length;
    const order = csvRecords(before).map((r) => r.id);
    expect(order[total - 1]).toBe(ids.last);

    let fetched = 0;
    const stream = csvReport(t.db, pledgeId, {}, areaKeys, (n) => (fetched = n), 1);
    try {
      const reader = stream[Symbol.asyncIterator]();
      let text = '';
      // Read the header and the first row.
      while (fetched === 0) {
        const { value, done } = await reader.next();
        expect(done).toBe(false);
        text += String(value);
      }

      // Change data the rest of the export will read: the last row is withdrawn through the API
      // (status, withdrawnAt, certificate and stale areas change), every city is renamed by hand.
      const write = (async () => {
        const res = await t.app.inject({
          method: 'POST',
          url: api(`/endorsements/${ids.last}/withdraw`),
          headers: officials.last!.headers,
          payload: { reason: 'changed its mind' },
        });
        expect(res.statusCode, res.body).toBe(200);
        await t.db.execute(
          sql`UPDATE cities SET name = name || ' (renamed)'
              WHERE id IN (SELECT city_id FROM endorsements WHERE pledge_id = ${pledgeId}::uuid)`,
        );
      })();
      if (onPostgres) {
        // PostgreSQL: the writes commit on other connections while the export's cursor is open.
        await write;
      } else {
        // PGlite serialises transactions: the writes wait for the export's transaction to end, so
        // awaiting them here would never return. Give them time to land if they could (an export
        // that read without one transaction would let them); they must not have.
        const landed = await Promise.race([
          write.then(() => true),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 300)),
        ]);
        expect(landed, 'a write landed while the export was being read').toBe(false);
      }
      // The cursor is still short of the rows the writes changed: how short depends on how far the
      // stream read ahead (Readable.from reads ahead 16 chunks at most), so only a bound is known.
      expect(fetched).toBeLessThan(total - 1);
      // The rest of the export shows the rows as they were; on PGlite the writes land once it has finished.
      for (;;) {
        const { value, done } = await reader.next();
        if (done) break;
        text += String(value);
      }
      await write;
      expect(text).toBe(before.toString('utf8'));
    } finally {
      // A failed expectation must not leave the export's transaction open (on PGlite it would hold the database).
      stream.destroy();
      await closed(stream);
    }

    // A new export sees the changes, and still agrees with the JSON report.
    const now = csvRecords(await csvBytes());
    const last = now.find((r) => r.id === ids.last)!;
    expect(last).toMatchObject({
      city: 'Zürich (renamed)',
      status: 'withdrawn',
      certificateSerial: '',
      staleAreas: '',
    });
    expect(now.every((r) => r.city!.endsWith(' (renamed)'))).toBe(true);
    expect(now).toEqual((await jsonRecords()).map(expectedCsvRow));
  });
});
