import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { TestApp } from './app.js';
import type { TestUser } from './factories.js';

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/**
 * A request maker for /api/v1: `call(method, path, who, payload?, headers?)`, where `who` null
 * means no token at all. It reads the app through `app()`, so it can be made before beforeAll runs.
 */
export function apiCaller(app: () => TestApp) {
  return (
    method: Method,
    path: string,
    who: TestUser | null,
    payload?: object,
    headers: Record<string, string> = {},
  ): Promise<LightMyRequestResponse> =>
    app().app.inject({
      method,
      url: `/api/v1${path}`,
      headers: { ...(who ? who.headers : {}), ...headers },
      ...(payload !== undefined ? { payload } : {}),
    });
}

/** The answer is a problem with this status (and this code, when given). */
export function expectProblem(res: LightMyRequestResponse, status: number, code?: string) {
  expect(res.statusCode, res.body).toBe(status);
  if (code) expect(res.json().code).toBe(code);
}

/** The answer is a 400 validation problem (naming `field` among its errors, when given). */
export function expectValidationError(
  res: { statusCode: number; json: <T>() => T; headers: Record<string, unknown> },
  field?: string,
) {
  expect(res.statusCode).toBe(400);
  expect(String(res.headers['content-type'])).toContain('application/problem+json');
  const body = res.json<{ code: string; errors?: Array<{ path: string; message: string }> }>();
  expect(body.code).toBe('validation_failed');
  if (field) expect(JSON.stringify(body.errors ?? []), `errors should name ${field}`).toContain(field);
}

/** The items of one page of a list, or every page of it. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** The sizes of the pages a cursor walk over `total` items gives: full pages, then what is left. */
export function pageSizes(total: number, limit: number): number[] {
  return Array.from({ length: Math.ceil(total / limit) }, (_, i) => Math.min(limit, total - limit * i));
}
