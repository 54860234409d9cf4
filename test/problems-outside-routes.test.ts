// Requests that never reach a route still get problem+json, a request id and the security
// headers: Fastify's router errors and what Node's HTTP parser refuses, over a real socket.
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';

let t: TestApp;
let port: number;
beforeAll(async () => {
  t = await buildTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  port = (t.app.server.address() as AddressInfo).port;
});
afterAll(async () => t.close());

/** Sends raw bytes and reads the whole answer until the server closes or a response is complete. */
function rawExchange(bytes: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const finish = () => {
      const [head = '', body = ''] = data.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(
        lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
      );
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
    };
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      const [, body = ''] = data.split('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(data)?.[1];
      if (length && Buffer.byteLength(body) >= Number(length)) {
        socket.destroy();
        finish();
      }
    });
    socket.on('end', finish);
    socket.on('error', reject);
    socket.write(bytes);
  });
}

function expectProblem(
  answer: { status: number; headers: Record<string, string>; body: string },
  status: number,
  code: string,
) {
  expect(answer.status).toBe(status);
  expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(answer.headers['x-content-type-options']).toBe('nosniff');
  expect(answer.headers['content-security-policy']).toContain("default-src 'self'");
  const problem = JSON.parse(answer.body);
  expect(problem).toMatchObject({ status, code, requestId: answer.headers['x-request-id'] });
  expect(problem.requestId).toMatch(/^[0-9a-f-]{36}$/);
  return problem;
}

describe('answers outside the routes', () => {
  it('a URL that cannot be decoded is a 400 problem', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/cities/%c0%80' });
    const answer = { status: res.statusCode, headers: res.headers as Record<string, string>, body: res.body };
    const problem = expectProblem(answer, 400, 'bad_request');
    expect(problem.title).toBe('Bad Request');
    expect(problem.instance).toBe('/api/v1/cities/%c0%80');
  });

  it('a path parameter of 200 characters is a 414 problem titled as such', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/cities/${'a'.repeat(200)}` });
    const answer = { status: res.statusCode, headers: res.headers as Record<string, string>, body: res.body };
    const problem = expectProblem(answer, 414, 'uri_too_long');
    expect(problem.title).toBe('URI Too Long');
  });

  it("a request Node's parser cannot read is a 400 problem, and the connection is closed", async () => {
    const answer = await rawExchange('GET /healthz HTTP/1.1\r\nHost: x\r\nbad header line\r\n\r\n');
    const problem = expectProblem(answer, 400, 'bad_request');
    expect(problem.title).toBe('Bad Request');
    expect(answer.headers.connection).toBe('close');
  });

  it('headers past the size limit are a 431 problem', async () => {
    const answer = await rawExchange(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expectProblem(answer, 431, 'headers_too_large');
  });

  it('a well-formed request on the same server is answered as usual', async () => {
    const answer = await rawExchange('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(answer.status).toBe(200);
  });
});

describe('validation problems', () => {
  it('list at most 20 of a body’s problems, with the count', async () => {
    const payload = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`unknown${i}`, i]));
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload });
    expect(res.statusCode).toBe(400);
    const problem = res.json();
    expect(problem.errors).toHaveLength(20);
    expect(problem.errorCount).toBe(502); // the 500 unknown keys, and email and password missing
    expect(problem.detail).toBe(
      `The request is not valid. ${problem.errorCount.toLocaleString('en')} problems; the first 20 are listed.`,
    );
  });
});
