import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, loggerOptions } from '../src/app.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createUser, DEFAULT_PASSWORD } from './helpers/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

function captureLogs() {
  const lines: Array<Record<string, unknown>> = [];
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        raw.push(line);
        lines.push(JSON.parse(line));
      }
      done();
    },
  });
  return { lines, raw, stream };
}

describe('logs', () => {
  it('are JSON with a request id on every request line, and never carry passwords or tokens', async () => {
    const logs = captureLogs();
    const app = await buildApp({
      config: { ...t.config, logLevel: 'debug' },
      database: t.testDb.database,
      logger: { ...(loggerOptions({ ...t.config, logLevel: 'debug' }) as object), stream: logs.stream },
    });
    const user = await createUser(t, { role: 'secretariat' });
    const login = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: user.email, password: DEFAULT_PASSWORD },
    });
    expect(login.statusCode).toBe(200);
    const { accessToken, refreshToken } = login.json();
    await app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${accessToken}` } });
    await app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken } });
    await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: user.email, password: 'wrong-password-attempt' },
    });
    await app.close();

    const all = logs.raw.join('\n');
    expect(all).not.toContain(DEFAULT_PASSWORD);
    expect(all).not.toContain('wrong-password-attempt');
    expect(all).not.toContain(accessToken);
    expect(all).not.toContain(refreshToken);
    const requestLines = logs.lines.filter((l) => l.req || l.res);
    // Four requests, each logged as it comes in and as it is answered.
    expect(requestLines).toHaveLength(8);
    for (const line of requestLines) expect(line.requestId).toEqual(expect.any(String));
  });
});

describe('graceful shutdown', () => {
  it('lets an in-flight request finish when the server closes', async () => {
    const app = await buildApp({ config: t.config, database: t.testDb.database, logger: false });
    let release: () => void = () => undefined;
    const started = new Promise<void>((resolve) => {
      app.get('/__slow', async () => {
        resolve();
        await new Promise<void>((r) => (release = r));
        return { done: true };
      });
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address() as { port: number };
    const response = fetch(`http://127.0.0.1:${address.port}/__slow`);
    await started;
    const closing = app.close();
    release();
    const res = await response;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ done: true });
    await closing;
  });

  it('the real server stops cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ap-server-'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PGLITE_DIR: dir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      NODE_ENV: 'development',
    };
    delete env.DATABASE_URL;
    delete env.TEST_DATABASE_URL;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += String(d)));
    child.stderr.on('data', (d) => (output += String(d)));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 45_000);
        child.stdout.on('data', () => {
          if (output.includes('Server listening')) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.on('exit', () => reject(new Error(`server exited early:\n${output}`)));
      });
      const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exit).toBe(0);
      expect(output).toContain('shutting down');
      expect(output).toContain('Demo data seeded');
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
