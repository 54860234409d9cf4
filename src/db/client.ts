import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { migrationsDir } from '../lib/paths.js';
import * as schema from './schema/index.js';

export type Schema = typeof schema;
/** A database handle or a transaction, on either driver: the only type the rest of the code sees. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export interface Database {
  db: Db;
  /** For logs and the README only; no code path may branch on it outside src/db. */
  driver: 'pg' | 'pglite';
  ping(timeoutMs?: number): Promise<void>;
  migrate(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  url?: string;
  /** A directory, or 'memory://' for a throw-away database. */
  pgliteDir?: string;
  poolSize?: number;
  onPoolError?: (err: Error) => void;
}

// Any fixed number: serialises migrations when several instances start at once.
const MIGRATION_LOCK_KEY = 7_262_019;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`database did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.url ? openPostgres(options.url, options) : openPglite(options.pgliteDir ?? 'memory://');
}

function openPostgres(url: string, options: DatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 20,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its server must not crash the process: /readyz reports it instead.
  pool.on('error', (err) => options.onPoolError?.(err));
  // A connection can also fail while checked out and between queries (the server ends the session,
  // say): without a listener that error would end the process.
  pool.on('connect', (client) => client.on('error', (err) => options.onPoolError?.(err)));
  const db: Db = drizzlePg(pool, { schema });
  let closed = false;
  return {
    db,
    driver: 'pg',
    ping: async (timeoutMs = 2_000) => {
      await withTimeout(pool.query('SELECT 1'), timeoutMs);
    },
    migrate: async () => {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
      await client.connect();
      try {
        await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
        await migratePg(drizzlePg(client), { migrationsFolder: migrationsDir });
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
        await client.end();
      }
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

async function openPglite(dir: string): Promise<Database> {
  if (!dir.includes('://')) mkdirSync(dir, { recursive: true });
  return databaseFromPglite(await PGlite.create(dir));
}

/** Wraps a PGlite instance (tests pass clones of a migrated template: far faster than migrating). */
export function databaseFromPglite(client: PGlite): Database {
  const pgliteDb = drizzlePglite(client, { schema });
  const db: Db = pgliteDb;
  return {
    db,
    driver: 'pglite',
    ping: async (timeoutMs = 2_000) => {
      await withTimeout(db.execute(sql`SELECT 1`), timeoutMs);
    },
    migrate: async () => {
      await migratePglite(pgliteDb, { migrationsFolder: migrationsDir });
    },
    close: async () => {
      if (!client.closed) await client.close();
    },
  };
}
