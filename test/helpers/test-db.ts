import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import type { PGlite } from '@electric-sql/pglite';
import { databaseFromPglite, openDatabase, type Database } from '../../src/db/client.js';
import { adminUrlFor, postgresTestUrl } from './postgres.js';

export interface TestDatabase {
  database: Database;
  /** Its connection URL on PostgreSQL; undefined on PGlite. */
  url?: string;
  drop(): Promise<void>;
}

let template: Promise<PGlite> | undefined;
/** One migrated in-memory PGlite per worker process, kept pristine: the others are made from it. */
function pgliteTemplate(): Promise<PGlite> {
  template ??= (async () => {
    const { PGlite } = await import('@electric-sql/pglite');
    const client = await PGlite.create('memory://');
    await databaseFromPglite(client).migrate();
    return client;
  })();
  return template;
}

/**
 * What a file may change of a database's definition (tables, columns, indexes, triggers and whether
 * they are enabled, functions): a database whose fingerprint is the template's, emptied, is as good
 * as a new one.
 */
async function fingerprintOf(client: PGlite): Promise<string> {
  const { rows } = await client.query<{ fingerprint: string }>(`
    SELECT md5(string_agg(x, ',' ORDER BY x)) AS fingerprint FROM (
      SELECT 'c:' || table_name || '.' || column_name || ':' || data_type FROM information_schema.columns
        WHERE table_schema = 'public'
      UNION ALL SELECT 'i:' || indexname FROM pg_indexes WHERE schemaname = 'public'
      UNION ALL SELECT 't:' || tgrelid::regclass || '.' || tgname || ':' || tgenabled::text FROM pg_trigger
        WHERE NOT tgisinternal
      UNION ALL SELECT 'f:' || proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace
    ) s(x)`);
  return rows[0]!.fingerprint;
}

/** The worker's PGlite databases, each in use by one test file at a time or idle. */
const pool: Array<{ client: PGlite; busy: boolean }> = [];
/** Enough for a file that holds a second database or two beside its own (audit-verify does). */
const POOL_SIZE = 3;
let baseline: Promise<{ fingerprint: string; tables: string[]; seed: Array<{ table: string; rows: string }> }>;

/**
 * The reference data the migrations wrote (the four networks), to write back after emptying, and
 * what an emptied database must look like. Read once from the template.
 */
function templateBaseline() {
  baseline ??= (async () => {
    const client = await pgliteTemplate();
    const { rows } = await client.query<{ tablename: string }>(
      `SELECT quote_ident(tablename) AS tablename FROM pg_tables WHERE schemaname = 'public'`,
    );
    const tables = rows.map((r) => r.tablename);
    const seed: Array<{ table: string; rows: string }> = [];
    for (const table of tables) {
      const { rows: data } = await client.query<{ rows: string }>(
        `SELECT coalesce(json_agg(t), '[]')::text AS rows FROM ${table} t`,
      );
      if (data[0]!.rows !== '[]') seed.push({ table, rows: data[0]!.rows });
    }
    return { fingerprint: await fingerprintOf(client), tables, seed };
  })();
  return baseline;
}

/**
 * Empties a used database back to the template's state: every table truncated (its triggers, the
 * audit log's guard among them, off meanwhile and all on again after), the reference data written
 * back. True when its definition is the template's, so it can serve the next file; a file that
 * changed it (a function left behind, say) leaves it to be thrown away.
 */
async function emptyForReuse(client: PGlite): Promise<boolean> {
  const { fingerprint, tables, seed } = await templateBaseline();
  for (const t of tables) await client.exec(`ALTER TABLE ${t} DISABLE TRIGGER USER`);
  await client.exec(`TRUNCATE TABLE ${tables.join(', ')} RESTART IDENTITY CASCADE`);
  for (const t of tables) await client.exec(`ALTER TABLE ${t} ENABLE TRIGGER USER`);
  for (const { table, rows } of seed) {
    await client.query(`INSERT INTO ${table} SELECT * FROM json_populate_recordset(NULL::${table}, $1::json)`, [rows]);
  }
  return (await fingerprintOf(client)) === fingerprint;
}

/**
 * A PGlite database for a test file. Cloning the template costs 1.5–2 s (a new PGlite boots), so a
 * worker keeps a few clones and empties one when a file is done with it (some 0.1 s).
 */
async function pgliteTestDatabase(): Promise<TestDatabase> {
  let entry = pool.find((e) => !e.busy);
  if (!entry) {
    // PGlite types clone() as its PGliteInterface, though what it makes is a PGlite.
    entry = { client: (await (await pgliteTemplate()).clone()) as PGlite, busy: false };
    if (pool.length < POOL_SIZE) pool.push(entry);
  }
  const taken = entry;
  taken.busy = true;
  const database = databaseFromPglite(taken.client);
  return {
    database,
    drop: async () => {
      if (pool.includes(taken) && (await emptyForReuse(taken.client).catch(() => false))) {
        taken.busy = false;
        return;
      }
      pool.splice(pool.indexOf(taken) >>> 0, pool.includes(taken) ? 1 : 0);
      await taken.client.close();
    },
  };
}

/** A fresh, migrated database of this file's own, on PGlite or on the PostgreSQL server. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const baseUrl = postgresTestUrl();
  const template = inject('pgTemplate');
  if (!baseUrl || !template) return pgliteTestDatabase();
  const name = `ap_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
  } finally {
    await admin.end();
  }
  const url = adminUrlFor(baseUrl, name);
  const database = await openDatabase({ url, poolSize: 10 });
  return {
    database,
    url,
    drop: async () => {
      await database.close();
      const client = new pg.Client({ connectionString: baseUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
