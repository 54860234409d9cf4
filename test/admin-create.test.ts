import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { openDatabase } from '../src/db/client.js';
import { users } from '../src/db/schema/index.js';
import { loadConfig, type Config } from '../src/config.js';
import { buildTestApp, TEST_JWT_SECRET, type TestApp } from './helpers/app.js';
import { unique } from './helpers/factories.js';
import { postgresTestUrl } from './helpers/postgres.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const onPostgres = postgresTestUrl() !== undefined;

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

// On PostgreSQL the command writes to this file's test database; on PGlite, to a directory of
// this file's own (migrated once by the first run, which keeps the file fast).
let t: TestApp | undefined;
let config: Config;
let env: NodeJS.ProcessEnv;
let pgliteDir: string | undefined;

beforeAll(async () => {
  env = { ...process.env, LOG_LEVEL: 'silent' };
  delete env.DATABASE_URL;
  delete env.TEST_DATABASE_URL;
  if (onPostgres) {
    t = await buildTestApp();
    config = t.config;
    env.DATABASE_URL = t.testDb.url;
  } else {
    config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', JWT_SECRET: TEST_JWT_SECRET });
    pgliteDir = await mkdtemp(join(tmpdir(), 'ap-admin-create-'));
    env.PGLITE_DIR = pgliteDir;
  }
});
afterAll(async () => {
  await t?.close();
  if (pgliteDir) await rm(pgliteDir, { recursive: true, force: true });
});

function adminCreate(args: string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      'npx',
      ['tsx', 'scripts/admin-create.ts', ...args],
      { cwd: repoRoot, env, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Looks the account up and signs in through the real app, on the database the command wrote to. */
async function inspect(email: string, password: string): Promise<{ status: number; role?: string; count: number }> {
  const database = t ? t.testDb.database : await openDatabase({ pgliteDir });
  const app = t ? t.app : await buildApp({ config, database, logger: false });
  try {
    const rows = await database.db
      .select({ id: users.id })
      .from(users)
      .where(sql`lower(${users.email}) = ${email.toLowerCase()}`);
    const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
    return {
      status: res.statusCode,
      role: res.statusCode === 200 ? res.json().user.role : undefined,
      count: rows.length,
    };
  } finally {
    if (!t) {
      await app.close();
      await database.close();
    }
  }
}

// Each run starts tsx and migrates an embedded database: two of them take a while when the browser
// tests share the machine's two cores.
describe('npm run admin:create', { timeout: 120_000 }, () => {
  it('creates a secretariat user (exit 0) and refuses the same e-mail a second time with a clear message', async () => {
    const email = `${unique('admin-')}@example.org`;
    const password = 'a long admin passphrase';

    const first = await adminCreate(['--email', email, '--password', password, '--name', 'First Admin']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(email);

    const second = await adminCreate([
      '--email',
      email,
      '--password',
      'another admin passphrase',
      '--name',
      'Second Admin',
    ]);
    expect(second.code).not.toBe(0);
    expect(second.stderr).toMatch(/already exists/i);
    expect(second.stderr).toContain(email);
    // One line for the person at the terminal, not a stack trace.
    expect(second.stderr).not.toMatch(/^\s+at /m);

    const check = await inspect(email, password);
    expect(check).toEqual({ status: 200, role: 'secretariat', count: 1 });
  });

  it('refuses a password that is too short (exit non-zero) and creates nobody', async () => {
    const email = `${unique('short-')}@example.org`;
    const run = await adminCreate(['--email', email, '--password', 'short', '--name', 'Shorty']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/at least 12 characters/);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    const check = await inspect(email, 'short');
    expect(check.count).toBe(0);
    expect(check.status).toBe(401);
  });
});
