import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cursorPages, ReaderTooSlowError } from '../src/db/cursor.js';
import { rowsOf, withTx } from '../src/db/tx.js';
import { csvReport } from '../src/modules/reports/reports.export.js';
import { xlsxReport } from '../src/modules/reports/reports.xlsx.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { allAreaKeys, createPublishedPledge } from './helpers/pledge-factories.js';

let t: TestApp;
let pledgeId: string;
let areaKeys: string[];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Resolves 'ok' when the database answers within `ms`, else 'timeout'. */
const answers = (ms = 3_000) =>
  Promise.race([t.db.execute(sql`SELECT 1`).then(() => 'ok'), sleep(ms).then(() => 'timeout')]);

/** On PostgreSQL, the other sessions of this test's database that sit in a transaction. */
async function sessionsInTransaction(): Promise<string[]> {
  if (!t.testDb.url) return [];
  const client = new pg.Client({ connectionString: t.testDb.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ q: string }>(
      `SELECT left(query, 60) AS q FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'`,
    );
    return rows.map((r) => r.q);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  t = await buildTestApp();
  const p = await createPublishedPledge(t);
  pledgeId = p.pledgeId;
  areaKeys = await allAreaKeys(t, pledgeId);
  const [v] = rowsOf<{ id: string; content_hash: string }>(
    await t.db.execute(sql`SELECT id, content_hash FROM pledge_versions WHERE pledge_id = ${pledgeId}::uuid`),
  );
  await t.db.execute(
    sql`INSERT INTO cities (name, country, kind, region)
        SELECT 'Cursor City ' || g, 'EC', 'city', 'Americas' FROM generate_series(1, 3000) g`,
  );
  await t.db.execute(sql`
    INSERT INTO endorsements (pledge_id, city_id, version_id, version_number, content_hash, scope, area_keys,
      signatory_name, signatory_title, language, status, created_at, submitted_at)
    SELECT ${pledgeId}::uuid, c.id, ${v!.id}::uuid, 1, ${v!.content_hash}, 'whole', '[]'::jsonb,
      'Mayor ' || md5(c.name), 'Mayor', 'en', 'submitted', now(), now()
    FROM cities c WHERE c.name LIKE 'Cursor City %'`);
});
afterAll(async () => t.close());

describe('cursorPages', () => {
  it('stops a reader that takes no page for too long, and frees the database', async () => {
    const pages = cursorPages<{ id: string }>(t.db, sql`SELECT id FROM endorsements ORDER BY id`, 100, 200);
    expect((await pages.next()).value).toHaveLength(100);
    await sleep(600);
    // The page fetched meanwhile is still handed over; then the reader learns it was too slow.
    expect((await pages.next()).value).toHaveLength(100);
    await expect(pages.next()).rejects.toBeInstanceOf(ReaderTooSlowError);
    expect(await answers()).toBe('ok');
    expect(await sessionsInTransaction()).toEqual([]);
  });

  it('runs twice in a caller’s transaction, closing its cursor and leaving the settings alone', async () => {
    const ids = sql`SELECT id FROM endorsements WHERE pledge_id = ${pledgeId}::uuid ORDER BY id`;
    const counts = await withTx(t.system, async (tx) => {
      const read = async () => {
        let n = 0;
        for await (const page of cursorPages<{ id: string }>(tx.db, ids, 500)) n += page.length;
        return n;
      };
      const first = await read();
      const second = await read();
      const open = rowsOf<{ n: number | string }>(
        await tx.db.execute(sql`SELECT count(*) AS n FROM pg_cursors WHERE name LIKE 'page_cursor_%'`),
      );
      const fraction = rowsOf<{ cursor_tuple_fraction: string }>(await tx.db.execute(sql`SHOW cursor_tuple_fraction`));
      return { first, second, open: Number(open[0]!.n), fraction: fraction[0]!.cursor_tuple_fraction };
    });
    expect(counts).toEqual({ first: 3000, second: 3000, open: 0, fraction: '0.1' });
  });
});

describe('a report whose reader goes away', () => {
  it('Excel: the export stops and ends its transaction while it waits for the reader', async () => {
    const out = xlsxReport(t.db, t.app.workers, pledgeId, {}, areaKeys);
    // Nobody reads: the writer fills the stream and waits for it to drain.
    await sleep(1_500);
    out.destroy();
    await sleep(500);
    expect(await answers()).toBe('ok');
    expect(await sessionsInTransaction()).toEqual([]);
  });

  it('CSV: the same after the first chunk', async () => {
    const out = csvReport(t.db, pledgeId, {}, areaKeys, undefined, 100);
    await new Promise((resolve) => out.once('readable', resolve));
    out.read();
    out.destroy();
    await sleep(500);
    expect(await answers()).toBe('ok');
    expect(await sessionsInTransaction()).toEqual([]);
  });
});
