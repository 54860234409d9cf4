import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { count, is, sql } from 'drizzle-orm';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import { generateDrizzleJson, generateMigration } from 'drizzle-kit/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { openDatabase } from '../src/db/client.js';
import * as schema from '../src/db/schema/index.js';
import { seedDemoDataIfEmpty, demoCities, demoUsers } from '../src/demo/seed.js';
import { rowsOf, withTx } from '../src/db/tx.js';
import { migrationsDir } from '../src/lib/paths.js';
import { moreDemoCities } from '../src/demo/more-cities.js';
import { demoTimeline } from '../src/demo/timeline.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { unique } from './helpers/factories.js';
import { createTestDatabase } from './helpers/test-db.js';

/** The accounts one seed makes: the demo logins, and the officials its cities open accounts for. */
function demoAccounts(): number {
  const plans = [...demoCities, ...moreDemoCities].map((c, i) => ({
    city: i,
    hasDemoOfficial: demoUsers.some((u) => u.city === c.name),
  }));
  return demoUsers.length + demoTimeline(plans, new Date()).filter((s) => s.kind === 'account').length;
}

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t.close();
  // drizzle-kit's API adds an enumerable Array.prototype.random; test workers are shared between
  // files (isolate: false), and PDF.js (used by the certificate tests) refuses to run with it.
  Reflect.deleteProperty(Array.prototype, 'random');
});

describe('schema and migrations', () => {
  it('the drizzle schema matches the latest migration (after a schema change: npm run db:generate)', async () => {
    const snapshots = readdirSync(join(migrationsDir, 'meta'))
      .filter((f) => f.endsWith('_snapshot.json'))
      .sort();
    const latest = JSON.parse(readFileSync(join(migrationsDir, 'meta', snapshots[snapshots.length - 1]!), 'utf8'));
    const current = generateDrizzleJson(schema, latest.id);
    const statements = await generateMigration(latest, current);
    expect(statements).toEqual([]);
  });

  it('the migrated database has exactly the tables and columns the schema declares', async () => {
    const tables = Object.values(schema as Record<string, unknown>).filter((v): v is PgTable => is(v, PgTable));
    const declared = tables
      .flatMap((table) => {
        const config = getTableConfig(table);
        // serial types are bigint/integer columns with a sequence default once created
        const typeOf = (t: string) => ({ bigserial: 'bigint', serial: 'integer' })[t] ?? t;
        return config.columns.map(
          (c) => `${config.name}.${c.name} ${typeOf(c.getSQLType())} ${c.notNull ? 'not null' : 'null'}`,
        );
      })
      .sort();
    const actual = rowsOf<{ table_name: string; column_name: string; type: string; is_nullable: string }>(
      await t.db.execute(sql`
        SELECT c.table_name, c.column_name, format_type(a.atttypid, a.atttypmod) AS type, c.is_nullable
        FROM information_schema.columns c
        JOIN pg_attribute a ON a.attrelid = (quote_ident(c.table_schema) || '.' || quote_ident(c.table_name))::regclass
          AND a.attname = c.column_name
        WHERE c.table_schema = 'public'`),
    )
      .map((r) => `${r.table_name}.${r.column_name} ${r.type} ${r.is_nullable === 'YES' ? 'null' : 'not null'}`)
      .sort();
    expect(actual).toEqual(declared);
  });

  it('applying the migrations again changes nothing', async () => {
    await expect(t.testDb.database.migrate()).resolves.toBeUndefined();
    const networks = await t.db.select().from(schema.networks);
    expect(networks.map((n) => n.code).sort()).toEqual(['GPM', 'MMC', 'Metropolis', 'UCLG']);
  });
});

describe('transactions', () => {
  it('a failed multi-step write leaves nothing behind', async () => {
    const name = unique('Rollback City ');
    await expect(
      withTx(t.system, async (tx) => {
        await tx.db.insert(schema.cities).values({ name, country: 'EC', kind: 'city', region: 'Americas' });
        throw new Error('second step failed');
      }),
    ).rejects.toThrow('second step failed');
    const rows = await t.db.select().from(schema.cities);
    expect(rows.some((c) => c.name === name)).toBe(false);
  });

  it('a nested withTx joins the outer transaction', async () => {
    const name = unique('Nested City ');
    await expect(
      withTx(t.system, async (outer) => {
        await withTx(outer, async (inner) => {
          await inner.db.insert(schema.cities).values({ name, country: 'EC', kind: 'city', region: 'Americas' });
        });
        throw new Error('outer failed');
      }),
    ).rejects.toThrow('outer failed');
    const rows = await t.db.select().from(schema.cities);
    expect(rows.some((c) => c.name === name)).toBe(false);
  });
});

describe('embedded database', () => {
  it('keeps its data across a restart and seeds the demo only once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ap-pglite-'));
    try {
      const printed: string[] = [];
      const first = await openDatabase({ pgliteDir: dir });
      await first.migrate();
      expect(await seedDemoDataIfEmpty(first, { print: (l) => printed.push(l) })).toBe(true);
      await first.close();
      expect(printed.join('\n')).toContain(demoUsers[0]!.email);
      expect(printed.join('\n')).toContain('Sign in at http://localhost:3000/sign-in (the portal)');

      const again: string[] = [];
      const second = await openDatabase({ pgliteDir: dir });
      await second.migrate();
      expect(await seedDemoDataIfEmpty(second, { print: (l) => again.push(l) })).toBe(false);
      expect(again).toEqual([]);
      const [users] = await second.db.select({ n: count() }).from(schema.users);
      const [cities] = await second.db.select({ n: count() }).from(schema.cities);
      expect(users!.n).toBe(demoAccounts());
      expect(cities!.n).toBe(demoCities.length + moreDemoCities.length);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('two first starts at once', () => {
  it('seed the demo once: the second to take the lock finds the users and seeds nothing', async () => {
    const testDb = await createTestDatabase();
    // On PostgreSQL a second instance has a pool of its own; PGlite belongs to one process.
    const second = testDb.url ? await openDatabase({ url: testDb.url, poolSize: 2 }) : testDb.database;
    try {
      const seeded = await Promise.all([
        seedDemoDataIfEmpty(testDb.database, { print: () => undefined }),
        seedDemoDataIfEmpty(second, { print: () => undefined }),
      ]);
      expect(seeded.sort()).toEqual([false, true]);
      const [users] = await testDb.database.db.select({ n: count() }).from(schema.users);
      expect(users!.n).toBe(demoAccounts());
    } finally {
      if (second !== testDb.database) await second.close();
      await testDb.drop();
    }
  }, 120_000);
});

describe('readiness', () => {
  it('answers 503 while the database is unreachable, and the process keeps serving', async () => {
    const unreachable = await openDatabase({ url: 'postgres://postgres@127.0.0.1:1/none', poolSize: 1 });
    const app = await buildApp({ config: t.config, database: unreachable, logger: false });
    try {
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ code: 'service_unavailable' });
      expect(ready.body).not.toContain('ECONNREFUSED');
      const health = await app.inject({ method: 'GET', url: '/healthz' });
      expect(health.statusCode).toBe(200);
    } finally {
      await app.close();
      await unreachable.close();
    }
  });
});
