// Slow clients cannot hold connections: a body dribbled in, a connection that sends nothing and an
// idle keep-alive connection are each cut at their deadline (set short here), over a real socket.
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';

let t: TestApp;
let port: number;
beforeAll(async () => {
  t = await buildTestApp({
    HTTP_REQUEST_TIMEOUT_MS: '1000',
    HTTP_HEADERS_TIMEOUT_MS: '600',
    HTTP_KEEP_ALIVE_TIMEOUT_MS: '400',
    HTTP_IDLE_TIMEOUT_MS: '5000',
  });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  port = (t.app.server.address() as AddressInfo).port;
});
afterAll(async () => t.close());

/** Everything the server sends until it closes the connection. */
function received(socket: Socket): Promise<string> {
  let data = '';
  socket.on('data', (chunk) => (data += chunk.toString('latin1')));
  return new Promise((resolve) => socket.on('close', () => resolve(data)));
}

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket)).on('error', reject);
  });
}

function problemIn(answer: string) {
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  return { statusLine: head.split('\r\n')[0], head, problem: JSON.parse(body) };
}

describe('slow clients', () => {
  it('a body dribbled in slower than the request deadline gets a 408 problem and the connection closed', async () => {
    const socket = await open();
    const answer = received(socket);
    socket.write(
      'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
    );
    const dribble = setInterval(() => socket.writable && socket.write(' '), 100);
    try {
      const { statusLine, head, problem } = problemIn(await answer);
      expect(statusLine).toBe('HTTP/1.1 408 Request Timeout');
      expect(head).toContain('content-type: application/problem+json');
      expect(problem).toMatchObject({ status: 408, code: 'request_timeout' });
    } finally {
      clearInterval(dribble);
    }
  });

  it('a connection that sends no request is closed at the headers deadline', async () => {
    const socket = await open();
    const { statusLine, problem } = problemIn(await received(socket));
    expect(statusLine).toBe('HTTP/1.1 408 Request Timeout');
    expect(problem.code).toBe('request_timeout');
  });

  it('an idle keep-alive connection is closed after the keep-alive deadline', async () => {
    const socket = await open();
    const answer = received(socket);
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    const all = await answer;
    expect(all).toMatch(/^HTTP\/1\.1 200 OK/);
    // The server kept the connection open after answering, then closed it (received resolves on close).
    expect(all).toContain('Connection: keep-alive');
  });
});
