import { createHmac } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { expect } from 'vitest';
import { users } from '../../src/db/schema/index.js';
import type { TestApp } from './app.js';
import type { TestUser } from './factories.js';

export const bearer = (token: string) => `Bearer ${token}`;

export interface SessionBody {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  user: { id: string; email: string; name: string; role: string; cityId: string | null; networkId: string | null };
}

// Throttling counts failures per client address too, and every failure of a file would
// otherwise come from the same default address: each call gets an address of its own unless
// a test means to share one.
let ipCounter = 0;
export function freshIp(): string {
  ipCounter++;
  return `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
}

/** A JWT signed by hand, to present tokens the app would never issue itself. */
export function signJwt(
  payload: Record<string, unknown>,
  secret: string,
  header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' },
): string {
  const enc = (o: Record<string, unknown>) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const data = `${enc(header)}.${enc(payload)}`;
  return `${data}.${createHmac('sha256', secret).update(data).digest('base64url')}`;
}

/** A problem body without the fields that differ from one request to the next. */
export function withoutRequestFields(body: Record<string, unknown>) {
  const { requestId: _r, instance: _i, ...rest } = body;
  return rest;
}

/** Signing in, refreshing and asking who one is, on the file's app. `app()` is read at call time. */
export function authRequests(app: () => TestApp) {
  function login(email: string, password: string, ip: string = freshIp()) {
    return app().app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password },
      remoteAddress: ip,
    });
  }

  function refresh(refreshToken: string) {
    return app().app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken } });
  }

  function me(authorization?: string) {
    return app().app.inject({ method: 'GET', url: '/api/v1/me', headers: authorization ? { authorization } : {} });
  }

  /** Signs in with the user's password and insists on a 200. */
  async function signIn(user: TestUser): Promise<SessionBody> {
    const res = await login(user.email, user.password);
    expect(res.statusCode).toBe(200);
    return res.json<SessionBody>();
  }

  async function auditActions(
    admin: TestUser,
    entityId: string,
  ): Promise<Array<{ action: string; summary: unknown; actor: { id: string | null } }>> {
    const res = await app().app.inject({
      method: 'GET',
      url: `/api/v1/audit?entityId=${entityId}&limit=500`,
      headers: admin.headers,
    });
    expect(res.statusCode).toBe(200);
    return res.json().items;
  }

  async function passwordHashOf(userId: string): Promise<string> {
    const [row] = await app().db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, userId));
    return row!.passwordHash;
  }

  async function deactivate(admin: TestUser, userId: string) {
    const res = await app().app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${userId}`,
      headers: admin.headers,
      payload: { active: false },
    });
    expect(res.statusCode).toBe(200);
  }

  return { login, refresh, me, signIn, auditActions, passwordHashOf, deactivate };
}
