import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import pg from 'pg';
import { openDatabase } from '../../src/db/client.js';
import { adminUrlFor, postgresTestUrl } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgTemplate: string | null;
    /** Where the browser tests' seeded embedded database is built once per run (test/helpers/browser.ts). */
    portalTemplateDir: string | null;
  }
}

/**
 * On PostgreSQL, migrates one template database per run; each test file then copies it
 * (CREATE DATABASE … TEMPLATE), which is much faster than migrating every time.
 */
export default async function setup(project: TestProject) {
  const baseUrl = postgresTestUrl();
  if (!baseUrl) {
    project.provide('pgTemplate', null);
    // Made when the first browser test file asks for it (none may run); removed at the end.
    const portalTemplateDir = mkdtempSync(join(tmpdir(), 'ap-portal-template-'));
    project.provide('portalTemplateDir', portalTemplateDir);
    return () => rmSync(portalTemplateDir, { recursive: true, force: true });
  }
  project.provide('portalTemplateDir', null);
  const template = `ap_tpl_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${template}"`);
  await admin.end();
  const database = await openDatabase({ url: adminUrlFor(baseUrl, template), poolSize: 1 });
  await database.migrate();
  await database.close();
  project.provide('pgTemplate', template);

  return async () => {
    const client = new pg.Client({ connectionString: baseUrl });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`);
    await client.end();
  };
}
