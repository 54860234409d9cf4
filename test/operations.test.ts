import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createSecretariat } from './helpers/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

describe('operations', () => {
  it('answers /healthz and /readyz', async () => {
    const health = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ status: 'ok' });
    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
  });

  it('gives every response a request id, keeping a well-formed incoming one', async () => {
    const generated = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await t.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'trace-abc-12345' } });
    expect(kept.headers['x-request-id']).toBe('trace-abc-12345');
    const replaced = await t.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    expect(replaced.headers['x-request-id']).not.toBe('bad id with spaces');
  });

  it('sends the same security headers on every answer: success, 404, 401, problem and docs', async () => {
    // What @fastify/helmet sent with these options; the headers are now worked out once.
    const expected = {
      'content-security-policy': [
        "default-src 'self'",
        "base-uri 'self'",
        "font-src 'self' https: data:",
        "form-action 'self'",
        "frame-ancestors 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "script-src 'self'",
        "script-src-attr 'none'",
        "style-src 'self' 'unsafe-inline'",
        'upgrade-insecure-requests',
      ].join(';'),
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'origin-agent-cluster': '?1',
      'referrer-policy': 'no-referrer',
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
      'x-content-type-options': 'nosniff',
      'x-dns-prefetch-control': 'off',
      'x-download-options': 'noopen',
      'x-frame-options': 'SAMEORIGIN',
      'x-permitted-cross-domain-policies': 'none',
      'x-xss-protection': '0',
    };
    const answers = await Promise.all([
      t.app.inject({ method: 'GET', url: '/healthz' }),
      t.app.inject({ method: 'GET', url: '/api/v1/nothing-here' }),
      t.app.inject({ method: 'GET', url: '/api/v1/endorsements' }),
      t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'not an address' } }),
      t.app.inject({ method: 'GET', url: '/docs/' }),
    ]);
    expect(answers.map((r) => r.statusCode)).toEqual([200, 404, 401, 400, 200]);
    // Swagger UI replaces the policy on its own pages with one its scripts can run under.
    const { 'content-security-policy': csp, ...rest } = expected;
    for (const res of answers.slice(0, 4)) expect(res.headers).toMatchObject(expected);
    expect(answers[4]!.headers).toMatchObject(rest);
    expect(answers[4]!.headers['content-security-policy']).not.toBe(csp);
  });
});

describe('problem+json errors', () => {
  it('answers an unknown route with 404 problem+json', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const body = res.json();
    expect(body).toMatchObject({ status: 404, code: 'not_found', instance: '/api/v1/nothing-here' });
    expect(body.requestId).toBe(res.headers['x-request-id']);
    expect(body.type).toBeTruthy();
    expect(body.title).toBeTruthy();
  });

  it('answers malformed JSON with 400', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"email": ',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'validation_failed', status: 400 });
  });

  it('answers a wrong content type with 415', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/xml' },
      payload: '<login/>',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({ code: 'unsupported_media_type' });
  });

  it('answers too large a body with 413', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ email: 'a@b.org', password: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ code: 'payload_too_large' });
  });

  it('lists each bad field of a validation error', async () => {
    const admin = await createSecretariat(t);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/cities',
      headers: admin.headers,
      payload: { name: '', country: 'XX', kind: 'village' },
    });
    expect(res.statusCode).toBe(400);
    const paths = res.json().errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['name', 'country', 'kind']));
  });

  it('answers 400, not 500, when input holds a character the database refuses (NUL)', async () => {
    const admin = await createSecretariat(t);
    const cities = await t.app.inject({ method: 'GET', url: '/api/v1/cities?q=%00', headers: admin.headers });
    expect(cities.statusCode).toBe(400);
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/cities',
      headers: admin.headers,
      payload: { name: 'Nul\u0000City', country: 'EC', kind: 'city' },
    });
    expect(created.statusCode).toBe(400);
    expect(created.json().code).toBe('validation_failed');
  });

  it('masks a 500: no stack, no driver text', async () => {
    const app = await buildApp({ config: t.config, database: t.testDb.database, logger: false });
    app.get('/__boom', async () => {
      throw new Error('SELECT secret FROM internals failed: password=hunter2');
    });
    const res = await app.inject({ method: 'GET', url: '/__boom' });
    await app.close();
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('hunter2');
    expect(res.body).not.toContain('SELECT');
    expect(res.json()).toMatchObject({ status: 500, code: 'internal_error' });
  });
});

describe('OpenAPI document', () => {
  it('is served at /docs/json with an operationId and a tag on every route', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    const operations = Object.entries(
      doc.paths as Record<string, Record<string, { operationId?: string; tags?: string[] }>>,
    ).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));
    // Not a count of the routes, which grows with every feature: enough that the checks below
    // cover the whole API, not an empty or truncated document.
    expect(operations.length).toBeGreaterThan(15);
    for (const { path, method, op } of operations) {
      expect(op.operationId, `${method} ${path}`).toBeTruthy();
      expect(op.tags, `${method} ${path}`).toEqual([expect.any(String)]);
    }
    const ids = operations.map((o) => o.op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('documents every route of the contract sections this service covers', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json();
    const has = (method: string, path: string) => Boolean(doc.paths[path]?.[method]);
    const expected: Array<[string, string]> = [
      ['get', '/healthz'],
      ['get', '/readyz'],
      ['post', '/api/v1/auth/login'],
      ['post', '/api/v1/auth/refresh'],
      ['post', '/api/v1/auth/logout'],
      ['get', '/api/v1/me'],
      ['post', '/api/v1/invitations'],
      ['post', '/api/v1/invitations/accept'],
      ['get', '/api/v1/users'],
      ['patch', '/api/v1/users/{id}'],
      ['get', '/api/v1/networks'],
      ['post', '/api/v1/networks'],
      ['get', '/api/v1/cities'],
      ['post', '/api/v1/cities'],
      ['get', '/api/v1/cities/{id}'],
      ['patch', '/api/v1/cities/{id}'],
      ['post', '/api/v1/cities/import'],
      ['get', '/api/v1/audit'],
      ['get', '/api/v1/audit/verify'],
    ];
    for (const [method, path] of expected) expect(has(method, path), `${method} ${path}`).toBe(true);
  });

  it('serves Swagger UI at /docs', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect([200, 302]).toContain(res.statusCode);
  });
});
