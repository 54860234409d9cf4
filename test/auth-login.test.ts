import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_BODY_LIMIT } from '../src/modules/auth/auth.routes.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { authRequests, bearer, freshIp, type SessionBody, withoutRequestFields } from './helpers/auth-api.js';
import { createCityOfficial, createReviewer, createSecretariat, createUser, unique } from './helpers/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

const { login, refresh, me, signIn, passwordHashOf, deactivate } = authRequests(() => t);

describe('A user signs in with e-mail and password (POST /auth/login)', () => {
  it('answers 200 with a session whose user carries exactly the contract fields', async () => {
    const official = await createCityOfficial(t);
    const res = await login(official.email, official.password);
    expect(res.statusCode).toBe(200);
    const body = res.json<SessionBody>();
    expect(Object.keys(body).sort()).toEqual(['accessToken', 'expiresIn', 'refreshToken', 'user']);
    expect(body.expiresIn).toBe(t.config.auth.accessTokenTtlSeconds);
    expect(typeof body.accessToken).toBe('string');
    expect(typeof body.refreshToken).toBe('string');
    expect(body.refreshToken).not.toBe(body.accessToken);
    expect(body.user).toEqual({
      id: official.id,
      email: official.email,
      name: 'Test city_official',
      role: 'city_official',
      cityId: official.cityId,
      networkId: null,
    });
    // The access token is a working bearer token for that user.
    const who = await me(bearer(body.accessToken));
    expect(who.statusCode).toBe(200);
    expect(who.json().id).toBe(official.id);
    expect(t.app.jwt.decode<{ sub: string }>(body.accessToken)?.sub).toBe(official.id);
  });

  it('gives a reviewer their network and no city', async () => {
    const reviewer = await createReviewer(t);
    const body = await signIn(reviewer);
    expect(body.user).toMatchObject({ role: 'network_reviewer', networkId: reviewer.networkId, cityId: null });
    expect(reviewer.networkId).toBeTruthy();
  });

  it('answers a wrong password and an unknown e-mail with the same 401 problem', async () => {
    const user = await createSecretariat(t);
    const wrong = await login(user.email, 'not the right password at all');
    const unknown = await login(`${unique('nobody-')}@example.org`, 'not the right password at all');
    for (const res of [wrong, unknown]) {
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({ status: 401, code: 'unauthenticated' });
      expect(res.json().requestId).toBe(res.headers['x-request-id']);
    }
    expect(withoutRequestFields(wrong.json())).toEqual(withoutRequestFields(unknown.json()));
  });

  it('treats the e-mail case-insensitively', async () => {
    const email = `${unique('Mixed.Case-')}@Example.ORG`;
    const user = await createUser(t, { role: 'secretariat', email });
    expect(user.email).toBe(email.toLowerCase());
    for (const variant of [email, email.toUpperCase(), email.toLowerCase()]) {
      const res = await login(variant, user.password);
      expect(res.statusCode, variant).toBe(200);
      expect(res.json().user.id).toBe(user.id);
    }
  });

  it('refuses a deactivated user with 401, even with the right password, and tells nothing more', async () => {
    const admin = await createSecretariat(t);
    const user = await createCityOfficial(t);
    await signIn(user);
    await deactivate(admin, user.id);
    const res = await login(user.email, user.password);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'unauthenticated' });
    const unknown = await login(`${unique('nobody-')}@example.org`, user.password);
    expect(withoutRequestFields(res.json())).toEqual(withoutRequestFields(unknown.json()));
  });

  it('rejects a body that is not { email, password } with 400', async () => {
    for (const payload of [
      { email: 'not-an-email', password: 'x' },
      { email: 'a@example.org' },
      { email: 'a@example.org', password: 'x', extra: 1 },
    ]) {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload, remoteAddress: freshIp() });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().code).toBe('validation_failed');
    }
  });

  it('never puts the password hash in a response', async () => {
    const admin = await createSecretariat(t);
    const user = await createCityOfficial(t);
    const hash = await passwordHashOf(user.id);
    // An encoded argon2id hash: parameters, a 16-byte salt and a 32-byte digest, in base64.
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    const session = await signIn(user);
    const bodies = [
      JSON.stringify(session),
      (await refresh(session.refreshToken)).body,
      (await me(bearer(session.accessToken))).body,
      (
        await t.app.inject({
          method: 'GET',
          url: `/api/v1/users?q=${encodeURIComponent(user.email)}`,
          headers: admin.headers,
        })
      ).body,
      (
        await t.app.inject({
          method: 'PATCH',
          url: `/api/v1/users/${user.id}`,
          headers: admin.headers,
          payload: { name: 'Renamed' },
        })
      ).body,
    ];
    for (const body of bodies) {
      expect(body).not.toContain(hash);
      expect(body).not.toContain('$argon2');
      expect(body.toLowerCase()).not.toContain('passwordhash');
      expect(body.toLowerCase()).not.toContain('password_hash');
    }
  });
});

describe('The sign-in routes take small bodies only', () => {
  const post = (url: string, payload: string, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url: `/api/v1${url}`,
      payload,
      headers: { ...headers, 'content-type': 'application/json' },
      remoteAddress: freshIp(),
    });

  it('answers a megabyte of unknown keys with a short 413, not a list of every key', async () => {
    // Under the service's general 1 MiB limit: only the routes' own limit refuses it.
    const keys = Array.from({ length: 96_000 }, (_, i) => `"k${i}":0`).join(',');
    const body = `{"email":"a@example.org","password":"x",${keys}}`;
    expect(body.length).toBeGreaterThan(1_000_000);
    expect(body.length).toBeLessThan(1024 * 1024);
    const res = await post('/auth/login', body);
    expect(res.statusCode).toBe(413);
    expect(withoutRequestFields(res.json())).toEqual({
      type: 'urn:action-pledge:problem:payload_too_large',
      title: 'Payload Too Large',
      status: 413,
      detail: 'The request body is too large.',
      code: 'payload_too_large',
    });
  });

  it('reads a body of exactly the limit and refuses one byte more, on every route that takes one', async () => {
    const user = await createSecretariat(t);
    const login = JSON.stringify({ email: user.email, password: user.password });
    const padded = (json: string, length: number) => json.slice(0, -1) + ' '.repeat(length - json.length) + '}';
    expect((await post('/auth/login', padded(login, AUTH_BODY_LIMIT))).statusCode).toBe(200);
    const tooLong = padded(login, AUTH_BODY_LIMIT + 1);
    for (const url of ['/auth/login', '/auth/refresh', '/auth/logout', '/invitations', '/invitations/accept']) {
      // Signed in: the routes that need a token read no body before they have one.
      const res = await post(url, tooLong, user.headers);
      expect(res.statusCode, url).toBe(413);
      expect(res.json().code, url).toBe('payload_too_large');
    }
  });
});
