import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import type { Db } from '../../src/db/client.js';
import type { Actor } from '../../src/lib/actor.js';
import type { ServiceContext } from '../../src/modules/context.js';
import { createTestDatabase, type TestDatabase } from './test-db.js';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

export interface TestApp {
  app: FastifyInstance;
  db: Db;
  config: Config;
  testDb: TestDatabase;
  /** A service context acting as the trusted system (for factories). */
  system: ServiceContext;
  close(): Promise<void>;
}

/** Builds the real app on a database of its own. Call in beforeAll, close in afterAll. */
export async function buildTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  // Factories write through the services, not HTTP, so nothing would clear the public pages'
  // cache after them: tests read fresh pages unless they ask for the cache (public-cache.test.ts).
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    JWT_SECRET: TEST_JWT_SECRET,
    PUBLIC_CACHE_MS: '0',
    ...env,
  });
  const testDb = await createTestDatabase();
  const app = await buildApp({ config, database: testDb.database, logger: false });
  await app.ready();
  const system: Actor = { kind: 'system', label: 'test-factory' };
  return {
    app,
    db: testDb.database.db,
    config,
    testDb,
    system: { db: testDb.database.db, actor: system },
    close: async () => {
      await app.close();
      await testDb.drop();
    },
  };
}
