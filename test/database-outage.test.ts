// The database away: every request that needs it answers 503 problem+json with Retry-After within
// the configured timeouts, the outage is logged once (then its end), and service resumes by
// itself. A TCP proxy in front of the PostgreSQL server plays the outage; PGlite, in the process,
// cannot go away, so these run on the PostgreSQL run only.
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/client.js';
import { rowsOf } from '../src/db/tx.js';
import { TEST_JWT_SECRET } from './helpers/app.js';
import { postgresTestUrl } from './helpers/postgres.js';
import { TcpProxy } from './helpers/tcp-proxy.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-db.js';

const STATEMENT_TIMEOUT_MS = 400;
const CONNECT_TIMEOUT_MS = 400;
const UNKNOWN_PLEDGE = '/api/v1/public/pledges/no-such-pledge';

let testDb: TestDatabase;
let proxy: TcpProxy;

beforeAll(async () => {
  if (!postgresTestUrl()) return;
  testDb = await createTestDatabase();
  const target = new URL(testDb.url!);
  proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
});
afterAll(async () => {
  await proxy?.close();
  await testDb?.drop();
});
afterEach(async () => proxy?.forward());

async function appThroughProxy(poolSize = 4) {
  const lines: Array<{ level: number; msg: string; [key: string]: unknown }> = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: TEST_JWT_SECRET, PUBLIC_CACHE_MS: '0' });
  const database = await openDatabase({
    url: proxy.urlFor(testDb.url!),
    poolSize,
    statementTimeoutMs: STATEMENT_TIMEOUT_MS,
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
  });
  const app = await buildApp({ config, database, logger: { level: 'info', stream } });
  await app.ready();
  return {
    app,
    database,
    lines,
    close: async () => {
      await app.close();
      await database.close();
    },
  };
}

async function expectUnavailable(app: FastifyInstance, request: InjectOptions) {
  const res = await app.inject(request);
  expect(res.statusCode, res.body).toBe(503);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.headers['retry-after']).toBe('5');
  expect(res.json()).toMatchObject({ code: 'service_unavailable', requestId: res.headers['x-request-id'] });
}

/** Waits for the service to answer a known 404 again: the database is back in use. */
async function untilAnswering(app: FastifyInstance): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    if ((await app.inject({ method: 'GET', url: UNKNOWN_PLEDGE })).statusCode === 404) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the service did not come back');
}

async function untilLogged(lines: Array<{ msg: string }>, msg: string) {
  for (let attempt = 0; attempt < 50 && !lines.some((l) => l.msg === msg); attempt++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  return lines.filter((l) => l.msg === msg);
}

describe.skipIf(!postgresTestUrl())('the database away', () => {
  it('answers 503 with Retry-After while the server refuses connections, logs it once, and resumes', async () => {
    const { app, lines, close } = await appThroughProxy();
    try {
      expect((await app.inject({ method: 'GET', url: UNKNOWN_PLEDGE })).statusCode).toBe(404);
      await proxy.refuse();
      for (let i = 0; i < 5; i++) {
        await expectUnavailable(app, { method: 'GET', url: UNKNOWN_PLEDGE });
        await expectUnavailable(app, {
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { email: 'someone@example.org', password: 'a password of some length' },
        });
      }
      await expectUnavailable(app, { method: 'GET', url: '/readyz' });

      const started = lines.filter((l) => l.msg.startsWith('database unavailable'));
      expect(started).toHaveLength(1);
      // The cut connections say so first; the ones tried after, ECONNREFUSED.
      expect(started[0]).toMatchObject({ level: 50, cause: { message: expect.any(String) } });
      expect(started[0]).not.toHaveProperty('err');
      expect(lines.filter((l) => l.level >= 50)).toHaveLength(1);

      await proxy.forward();
      await untilAnswering(app);
      const ended = await untilLogged(lines, 'database available again');
      expect(ended).toHaveLength(1);
      expect(ended[0]).toMatchObject({ level: 30, failures: 11 });
      expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    } finally {
      await close();
    }
  });

  it('answers 503 within the timeouts while the server answers nothing, and resumes when it does', async () => {
    const { app, lines, close } = await appThroughProxy();
    try {
      expect((await app.inject({ method: 'GET', url: UNKNOWN_PLEDGE })).statusCode).toBe(404);
      proxy.silence();
      // Connections already open wait for an answer until the query timeout; new ones, until the
      // connect timeout. Either way the request ends, well within the test's own time limit.
      await Promise.all([
        expectUnavailable(app, { method: 'GET', url: UNKNOWN_PLEDGE }),
        expectUnavailable(app, { method: 'GET', url: UNKNOWN_PLEDGE }),
        expectUnavailable(app, { method: 'GET', url: '/readyz' }),
      ]);
      await expectUnavailable(app, { method: 'GET', url: UNKNOWN_PLEDGE });
      expect(lines.filter((l) => l.msg.startsWith('database unavailable'))).toHaveLength(1);

      await proxy.forward();
      await untilAnswering(app);
      expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    } finally {
      await close();
    }
  }, 20_000);

  it('drops a connection left waiting by a transaction, so the next request gets a working one', async () => {
    // One connection in the pool: if the stuck one went back into it, every later query would
    // queue behind the answer that never comes.
    const { database, close } = await appThroughProxy(1);
    try {
      await database.db.execute(sql`SELECT 1`);
      proxy.silenceOpenConnections();
      await expect(database.db.transaction((tx) => tx.execute(sql`SELECT 1`))).rejects.toThrow();
      const [row] = rowsOf<{ answer: number }>(await database.db.execute(sql`SELECT 42 AS answer`));
      expect(row).toEqual({ answer: 42 });
    } finally {
      await close();
    }
  });
});
