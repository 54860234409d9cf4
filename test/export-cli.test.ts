import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/client.js';
import { demoCities } from '../src/demo/seed.js';
import { moreDemoCities } from '../src/demo/more-cities.js';
import { seedDemoDataIfEmpty } from '../src/demo/seed.js';
import { buildTestApp } from './helpers/app.js';
import { seededDatabase } from './helpers/browser.js';
import { postgresTestUrl } from './helpers/postgres.js';

const run = promisify(execFile);

/**
 * The demo data in a database of its own (on PostgreSQL a test database, else a PGlite directory),
 * and the environment that points the command-line tools at it.
 */
async function demoDatabase() {
  const dir = mkdtempSync(join(tmpdir(), 'ap-export-'));
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent' };
  delete env.TEST_DATABASE_URL;
  const app = postgresTestUrl() ? await buildTestApp() : undefined;
  if (app) {
    await seedDemoDataIfEmpty(app.testDb.database, { print: () => undefined });
    env.DATABASE_URL = app.testDb.url;
  } else {
    delete env.DATABASE_URL;
    env.PGLITE_DIR = join(dir, 'db');
    // The run's seeded demo database, copied (seeding it again would take most of this file's time).
    const seeded = await seededDatabase();
    if (seeded) {
      cpSync(seeded, env.PGLITE_DIR, { recursive: true });
    } else {
      const database = await openDatabase({ pgliteDir: env.PGLITE_DIR });
      await database.migrate();
      await seedDemoDataIfEmpty(database, { print: () => undefined });
      await database.close();
    }
  }
  return { dir, env, app };
}

describe('npm run export', () => {
  it('writes the demo pledge’s report as CSV and JSON, with plain progress lines off a terminal', async () => {
    const { dir, env, app } = await demoDatabase();
    try {
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

describe('the command-line tools that use worker threads', () => {
  it('write the demo pledge’s workbook and its certificates’ ZIP, and exit', async () => {
    const { dir, env, app } = await demoDatabase();
    try {
      const cli = (script: string, args: string[]) =>
        run(process.execPath, ['--import', 'tsx', script, '--pledge', 'quito-city-action-pledge', ...args], { env });
      const xlsxOut = join(dir, 'report.xlsx');
      await cli('scripts/export.ts', ['--format', 'xlsx', '--out', xlsxOut]);
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(new Uint8Array(readFileSync(xlsxOut)).buffer);
      expect(workbook.getWorksheet('Endorsements')!.rowCount).toBe(demoCities.length + moreDemoCities.length + 1);

      const zipOut = join(dir, 'all.zip');
      const zipped = await cli('scripts/certificates-zip.ts', ['--out', zipOut]);
      const count = Number(/^(\d+) certificate\(s\)/m.exec(zipped.stdout)?.[1]);
      expect(count).toBeGreaterThan(0);
      const zip = await JSZip.loadAsync(readFileSync(zipOut));
      expect(Object.keys(zip.files)).toHaveLength(count);
    } finally {
      await app?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
