import { defineConfig } from 'vitest/config';

// One suite, two databases: embedded PGlite by default, PostgreSQL when TEST_DATABASE_URL
// (or DATABASE_URL) is set. Each test file gets its own database and drops it afterwards.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    pool: 'forks',
    // Workers are reused across files, so the migrated PGlite template (test/helpers/test-db.ts)
    // is built once per worker; every file still gets its own database.
    isolate: false,
    // Both cores: most of a file's time is PGlite's (WebAssembly, one core each), and vitest's
    // default (cores - 1) would leave one of the two idle.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    restoreMocks: true,
  },
});
