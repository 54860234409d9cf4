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
import { isDatabaseUnavailable } from './availability.js';
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
  /**
   * Runs `fn` while holding a lock that every instance on this database shares (the key names
   * it): two instances starting at once seed the demo one after the other, not side by side.
   */
  withLock<T>(key: number, fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  url?: string;
  /** A directory, or 'memory://' for a throw-away database. */
  pgliteDir?: string;
  poolSize?: number;
  /** See Config.database; 5 s each when not given. */
  statementTimeoutMs?: number;
  connectTimeoutMs?: number;
  onPoolError?: (err: Error) => void;
}

/**
 * A server that does not answer at all (frozen, or a network that drops packets) cannot cancel a
 * statement itself: the client gives up on it this much after the server's statement_timeout.
 */
const UNANSWERED_AFTER_TIMEOUT_MS = 1_000;

// Any fixed number: serialises migrations when several instances start at once.
const MIGRATION_LOCK_KEY = 7_262_019;

/** A client with a query still unanswered: one that timed out on the client's side. */
function hasUnansweredQuery(client: pg.PoolClient): boolean {
  // node-postgres offers no public way to ask; `_getActiveQuery` is what its own end() uses.
  const internal: pg.PoolClient & { _getActiveQuery?: () => unknown } = client;
  return internal._getActiveQuery?.() != null;
}

/**
 * Transactions on a client of the pool, handed back broken or whole. drizzle's own, on a pool,
 * never releases the client when BEGIN fails (it sits outside its try), so every BEGIN lost to an
 * outage took a connection from the pool for good; and it releases a client whose query timed out
 * as if it were fine, though every later query on it would queue behind the answer that never
 * comes. Here a client is released with its error when the database failed it, and the pool drops
 * it. drizzle's handle for each client is made once, as pool clients are long-lived.
 */
function transactionsOn(pool: pg.Pool): Db['transaction'] {
  const handles = new WeakMap<pg.PoolClient, Db>();
  return async (fn, config) => {
    const client = await pool.connect();
    let handle = handles.get(client);
    if (!handle) handles.set(client, (handle = drizzlePg(client, { schema })));
    let broken: Error | undefined;
    try {
      return await handle.transaction(fn, config);
    } catch (err) {
      if (isDatabaseUnavailable(err)) broken = err instanceof Error ? err : new Error(String(err));
      throw err;
    } finally {
      client.release(broken ?? (hasUnansweredQuery(client) ? new Error('a query is still unanswered') : undefined));
    }
  };
}

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
  const statementTimeoutMs = options.statementTimeoutMs ?? 5_000;
  const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 20,
    // Also how long a request waits for a free connection when all are taken.
    connectionTimeoutMillis: connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    statement_timeout: statementTimeoutMs,
    query_timeout: statementTimeoutMs + UNANSWERED_AFTER_TIMEOUT_MS,
  });

  // An idle client losing its server must not crash the process: /readyz reports it instead.
  pool.on('error', (err) => options.onPoolError?.(err));
  // A connection can also fail while checked out and between queries (the server ends the session,
  // say): without a listener that error would end the process.
  pool.on('connect', (client) => client.on('error', (err) => options.onPoolError?.(err)));
  const db: Db = drizzlePg(pool, { schema });
  db.transaction = transactionsOn(pool);
  let closed = false;
  return {
    db,
    driver: 'pg',
    ping: async (timeoutMs = 2_000) => {
      await withTimeout(pool.query('SELECT 1'), timeoutMs);
    },
    migrate: async () => {
      await withSessionLock(url, MIGRATION_LOCK_KEY, (client) =>
        migratePg(drizzlePg(client), { migrationsFolder: migrationsDir }),
      );
    },
    withLock: (key, fn) => withSessionLock(url, key, () => fn()),
    close: async () => {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

/**
 * Holds a session-level advisory lock on a connection of its own (outside the pool, and without
 * the pool's statement timeout: waiting for another instance's migrations may take a while).
 */
async function withSessionLock<T>(url: string, key: number, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [key]);
    return await fn(client);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [key]).catch(() => undefined);
    await client.end();
  }
}

async function openPglite(dir: string): Promise<Database> {
  if (!dir.includes('://')) mkdirSync(dir, { recursive: true });
  return databaseFromPglite(await PGlite.create(dir));
}

/** Wraps a PGlite instance (tests pass clones of a migrated template: far faster than migrating). */
export function databaseFromPglite(client: PGlite): Database {
  const pgliteDb = drizzlePglite(client, { schema });
  const db: Db = pgliteDb;
  // One process owns a PGlite database, so a lock in memory serialises everything that shares it.
  const locks = new Map<number, Promise<unknown>>();
  return {
    db,
    driver: 'pglite',
    ping: async (timeoutMs = 2_000) => {
      await withTimeout(db.execute(sql`SELECT 1`), timeoutMs);
    },
    migrate: async () => {
      await migratePglite(pgliteDb, { migrationsFolder: migrationsDir });
    },
    withLock: <T>(key: number, fn: () => Promise<T>): Promise<T> => {
      const result = (locks.get(key) ?? Promise.resolve()).then(fn);
      locks.set(
        key,
        result.catch(() => undefined),
      );
      return result;
    },
    close: async () => {
      if (!client.closed) await client.close();
    },
  };
}
