import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Agent, get as httpGet } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, loggerOptions } from '../src/app.js';
import { demoUsers } from '../src/demo/seed.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { seededDatabase } from './helpers/browser.js';
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

/** A connection written to by hand; `ended` is everything the server sent until it closed it. */
function rawConnection(port: number) {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (chunk) => (received += chunk.toString('latin1')));
  const ended = new Promise<string>((resolve) => socket.on('close', () => resolve(received)));
  return { socket, ended };
}

describe('graceful shutdown', () => {
  it('lets an in-flight request finish when the server closes, and refuses new ones with a 503 problem', async () => {
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
    const { port } = app.server.address() as { port: number };
    const slow = rawConnection(port);
    slow.socket.write('GET /__slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await started;
    // A request half sent when the close begins: its connection is busy, so it stays open.
    const late = rawConnection(port);
    late.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    await new Promise((r) => setTimeout(r, 50));
    const closing = app.close();
    while (app.server.listening) await new Promise((r) => setImmediate(r));
    late.socket.write('\r\n');
    const refused = await late.ended;
    release();
    const finished = await slow.ended;
    await closing;

    // The request in flight is answered, and its connection closed with it.
    expect(finished).toMatch(/^HTTP\/1\.1 200 /);
    expect(finished.toLowerCase()).toContain('connection: close');
    expect(finished).toContain('{"done":true}');
    // The late one is refused as a problem the client can act on.
    expect(refused).toMatch(/^HTTP\/1\.1 503 /);
    const head = refused.slice(0, refused.indexOf('\r\n\r\n')).toLowerCase();
    expect(head).toContain('content-type: application/problem+json');
    expect(head).toContain('connection: close');
    expect(head).toContain('retry-after: 5');
    expect(head).toContain('x-content-type-options: nosniff');
    const problem = JSON.parse(refused.slice(refused.indexOf('\r\n\r\n') + 4));
    expect(problem).toMatchObject({ status: 503, code: 'service_unavailable' });
    expect(head).toContain(`x-request-id: ${problem.requestId}`);
  });

  it('stops on SIGTERM with exit 0: idle connections closed, a download cut at the socket', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ap-server-'));
    // The run's seeded demo database when there is one (seeding takes most of a start), else a
    // first start that seeds it.
    const seeded = await seededDatabase();
    if (seeded) cpSync(seeded, join(dir, 'db'), { recursive: true });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PGLITE_DIR: join(dir, 'db'),
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      NODE_ENV: 'development',
      // Far shorter than the ZIP of the demo's certificates takes to make.
      SHUTDOWN_GRACE_MS: '300',
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
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const origin = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 120_000);
        child.stdout.on('data', () => {
          const listening = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
          if (listening) {
            clearTimeout(timer);
            resolve(listening[1]!);
          }
        });
        child.on('exit', () => reject(new Error(`server exited early:\n${output}`)));
      });
      const staff = demoUsers.find((u) => u.role === 'secretariat')!;
      const login = await fetch(`${origin}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: staff.email, password: staff.password }),
      });
      const { accessToken } = (await login.json()) as { accessToken: string };
      const authorization = `Bearer ${accessToken}`;
      const pledges = (await (await fetch(`${origin}/api/v1/pledges`, { headers: { authorization } })).json()) as {
        items: Array<{ id: string }>;
      };

      // A keep-alive connection, idle once its request is answered.
      const idleSocket = await new Promise<Socket>((resolve, reject) => {
        httpGet(`${origin}/healthz`, { agent }, (res) => {
          const socket = res.socket;
          res.resume();
          res.on('end', () => resolve(socket));
        }).on('error', reject);
      });
      const idleClosed = new Promise<void>((resolve) => idleSocket.once('close', () => resolve()));

      // A download under way when the signal comes: it must end in an error, not look complete.
      const download = new Promise<'complete' | 'cut'>((resolve, reject) => {
        httpGet(`${origin}/api/v1/pledges/${pledges.items[0]!.id}/certificates.zip`, { headers: { authorization } })
          .on('response', (res) => {
            expect(res.statusCode).toBe(200);
            res.on('data', () => child.kill('SIGTERM'));
            res.on('end', () => resolve(res.complete ? 'complete' : 'cut'));
            res.on('aborted', () => resolve('cut'));
            res.on('error', () => resolve('cut'));
          })
          .on('error', reject);
      });
      const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      expect(await download).toBe('cut');
      await idleClosed;
      expect(await exit).toBe(0);
      expect(output).toContain('shutting down');
      expect(output).toContain('requests still in flight were cut short');
      if (!seeded) expect(output).toContain('Demo data seeded');
    } finally {
      agent.destroy();
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
