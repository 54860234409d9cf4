import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, TEST_JWT_SECRET, type TestApp } from './helpers/app.js';
import { authRequests, bearer, signJwt } from './helpers/auth-api.js';
import { createCityOfficial, createReviewer, createSecretariat } from './helpers/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

const { login, refresh, me, signIn, deactivate } = authRequests(() => t);
/** The session a token was issued in. */
const sidOf = (token: string) => t.app.jwt.decode<{ sid: string }>(token)!.sid;

describe('A token says who the user is, for as long as the account is active (GET /me)', () => {
  it('returns the signed-in user', async () => {
    const user = await createReviewer(t);
    const res = await me(user.headers.authorization);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      id: user.id,
      email: user.email,
      name: 'Test network_reviewer',
      role: 'network_reviewer',
      cityId: null,
      networkId: user.networkId,
    });
  });

  it('answers 401 problem+json without a token', async () => {
    const res = await me();
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ status: 401, code: 'unauthenticated', instance: '/api/v1/me' });
    expect(res.json().requestId).toBe(res.headers['x-request-id']);
  });

  it('answers 401 to garbage, forged, expired and unsigned tokens', async () => {
    const user = await createSecretariat(t);
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: user.id, role: 'secretariat', sid: sidOf(user.token) };
    // The hand-made signer produces tokens the app accepts; the variants below differ in one thing each.
    const control = signJwt({ ...claims, iat: now, exp: now + 600 }, TEST_JWT_SECRET);
    expect((await me(bearer(control))).statusCode).toBe(200);

    const bad = [
      'Bearer garbage',
      'Bearer ',
      `Basic ${Buffer.from('a:b').toString('base64')}`,
      user.token,
      bearer(`${user.token}x`),
      bearer(signJwt({ ...claims, iat: now, exp: now + 600 }, 'another-secret-that-is-long-enough-for-hs256-000')),
      bearer(signJwt({ ...claims, iat: now - 7200, exp: now - 3600 }, TEST_JWT_SECRET)),
      bearer(
        signJwt({ ...claims, iat: now, exp: now + 600 }, TEST_JWT_SECRET, { alg: 'none', typ: 'JWT' }).replace(
          /[^.]+$/,
          '',
        ),
      ),
      bearer(signJwt({ ...claims, sub: randomUUID(), iat: now, exp: now + 600 }, TEST_JWT_SECRET)),
      bearer(signJwt({ ...claims, sub: 'not-a-uuid', iat: now, exp: now + 600 }, TEST_JWT_SECRET)),
    ];
    for (const authorization of bad) {
      const res = await me(authorization);
      expect(res.statusCode, authorization).toBe(401);
      expect(res.json().code, authorization).toBe('unauthenticated');
    }
  });

  it('answers 401 to a validly signed token that never expires (no exp claim)', async () => {
    const user = await createSecretariat(t);
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: user.id, role: 'secretariat', sid: sidOf(user.token), iat: now };
    expect((await me(bearer(signJwt({ ...claims, exp: now + 600 }, TEST_JWT_SECRET)))).statusCode).toBe(200);
    const res = await me(bearer(signJwt(claims, TEST_JWT_SECRET)));
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('unauthenticated');
  });

  it('follows the row, not the token: a role given in a forged claim changes nothing', async () => {
    const official = await createCityOfficial(t);
    const now = Math.floor(Date.now() / 1000);
    const forged = { sub: official.id, role: 'secretariat', sid: sidOf(official.token), iat: now, exp: now + 600 };
    const token = signJwt(forged, TEST_JWT_SECRET);
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/users', headers: { authorization: bearer(token) } });
    expect(res.statusCode).toBe(403);
  });

  it('refuses at once the tokens of a user deactivated after they were issued, refresh tokens included', async () => {
    const admin = await createSecretariat(t);
    const user = await createCityOfficial(t);
    const session = await signIn(user);
    expect((await me(bearer(session.accessToken))).statusCode).toBe(200);

    await deactivate(admin, user.id);

    const res = await me(bearer(session.accessToken));
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('unauthenticated');
    expect((await me(user.headers.authorization)).statusCode).toBe(401);
    expect((await refresh(session.refreshToken)).statusCode).toBe(401);
  });

  it('keeps the old sessions dead when a deactivated user is reactivated', async () => {
    const admin = await createSecretariat(t);
    const user = await createCityOfficial(t);
    const session = await signIn(user);
    await deactivate(admin, user.id);
    const reactivated = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${user.id}`,
      headers: admin.headers,
      payload: { active: true },
    });
    expect(reactivated.statusCode).toBe(200);
    expect((await refresh(session.refreshToken)).statusCode).toBe(401);
    // A fresh login works again.
    expect((await login(user.email, user.password)).statusCode).toBe(200);
  });
});
