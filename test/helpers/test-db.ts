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
/**
 * One migrated in-memory PGlite per worker process; each test file works in a clone of it
 * (starting and migrating PGlite costs seconds, a clone well under one).
 */
function pgliteTemplate(): Promise<PGlite> {
  template ??= (async () => {
    const { PGlite } = await import('@electric-sql/pglite');
    const client = (await PGlite.create('memory://')) as unknown as PGlite;
    await databaseFromPglite(client).migrate();
    return client;
  })();
  return template;
}

/** A fresh, migrated database of this file's own, on PGlite or on the PostgreSQL server. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const baseUrl = postgresTestUrl();
  const template = inject('pgTemplate');
  if (!baseUrl || !template) {
    const database = databaseFromPglite((await (await pgliteTemplate()).clone()) as unknown as PGlite);
    return { database, drop: () => database.close() };
  }
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
