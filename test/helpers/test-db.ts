import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, type Database } from '../../src/db/client.js';
import { adminUrlFor, postgresTestUrl } from './postgres.js';

export interface TestDatabase {
  database: Database;
  /** Its connection URL on PostgreSQL; undefined on PGlite. */
  url?: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database of this file's own, on PGlite or on the PostgreSQL server. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const baseUrl = postgresTestUrl();
  const template = inject('pgTemplate');
  if (!baseUrl || !template) {
    const database = await openDatabase({ pgliteDir: 'memory://' });
    await database.migrate();
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
