import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/client.js';
import { demoCities } from '../src/demo/seed.js';
import { moreDemoCities } from '../src/demo/more-cities.js';
import { seedDemoDataIfEmpty } from '../src/demo/seed.js';
import { buildTestApp } from './helpers/app.js';
import { postgresTestUrl } from './helpers/postgres.js';

const run = promisify(execFile);

describe('npm run export', () => {
  it('writes the demo pledge’s report as CSV and JSON, with plain progress lines off a terminal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ap-export-'));
    const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent' };
    delete env.TEST_DATABASE_URL;
    const app = postgresTestUrl() ? await buildTestApp() : undefined;
    try {
      if (app) {
        await seedDemoDataIfEmpty(app.testDb.database, { print: () => undefined });
        env.DATABASE_URL = app.testDb.url;
      } else {
        delete env.DATABASE_URL;
        env.PGLITE_DIR = join(dir, 'db');
        const database = await openDatabase({ pgliteDir: env.PGLITE_DIR });
        await database.migrate();
        await seedDemoDataIfEmpty(database, { print: () => undefined });
        await database.close();
      }
      const csvOut = join(dir, 'report.csv');
      const csv = await run(
        process.execPath,
        [
          '--import',
          'tsx',
          'scripts/export.ts',
          '--pledge',
          'quito-city-action-pledge',
          '--format',
          'csv',
          '--out',
          csvOut,
        ],
        { env },
      );
      const cities = demoCities.length + moreDemoCities.length;
      expect(csv.stdout).toContain(`${cities}/${cities} endorsements`);
      const rows = parse(readFileSync(csvOut, 'utf8').replace(/^\uFEFF/, ''), { columns: true }) as Array<
        Record<string, string>
      >;
      expect(rows).toHaveLength(cities);
      const jsonOut = join(dir, 'report.json');
      await run(
        process.execPath,
        [
          '--import',
          'tsx',
          'scripts/export.ts',
          '--pledge',
          'quito-city-action-pledge',
          '--format',
          'json',
          '--out',
          jsonOut,
        ],
        { env },
      );
      expect(JSON.parse(readFileSync(jsonOut, 'utf8'))).toHaveLength(cities);
      const bad = await run(
        process.execPath,
        [
          '--import',
          'tsx',
          'scripts/export.ts',
          '--pledge',
          'quito-city-action-pledge',
          '--format',
          'pdf',
          '--out',
          jsonOut,
        ],
        { env },
      ).catch((e: { code: number; stderr: string }) => e);
      expect((bad as { code: number }).code).toBe(1);
      expect((bad as { stderr: string }).stderr).toContain('Usage');
    } finally {
      await app?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
