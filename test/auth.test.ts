import { createHmac, randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshTokens, users } from '../src/db/schema/index.js';
import { loginThrottlePolicy } from '../src/modules/auth/throttle.js';
import { buildTestApp, TEST_JWT_SECRET, type TestApp } from './helpers/app.js';
import {
  createCityOfficial,
  createReviewer,
  createSecretariat,
  createUser,
  type TestUser,
  unique,
} from './helpers/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

// Throttling counts failures per client address too, and every failure of this file would
// otherwise come from the same default address: each call gets an address of its own unless
// a test means to share one.
let ipCounter = 0;
function freshIp(): string {
  ipCounter++;
  return `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
}

function login(email: string, password: string, ip: string = freshIp()) {
  return t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password }, remoteAddress: ip });
}

function refresh(refreshToken: string) {
  return t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken } });
}

function me(authorization?: string) {
  return t.app.inject({ method: 'GET', url: '/api/v1/me', headers: authorization ? { authorization } : {} });
}

const bearer = (token: string) => `Bearer ${token}`;

interface SessionBody {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  user: { id: string; email: string; name: string; role: string; cityId: string | null; networkId: string | null };
}

async function signIn(user: TestUser): Promise<SessionBody> {
  const res = await login(user.email, user.password);
  expect(res.statusCode).toBe(200);
  return res.json<SessionBody>();
}

async function auditActions(
  admin: TestUser,
  entityId: string,
): Promise<Array<{ action: string; summary: unknown; actor: { id: string | null } }>> {
  const res = await t.app.inject({
    method: 'GET',
    url: `/api/v1/audit?entityId=${entityId}&limit=500`,
    headers: admin.headers,
  });
  expect(res.statusCode).toBe(200);
  return res.json().items;
}

/** A JWT signed by hand, to present tokens the app would never issue itself. */
function signJwt(
  payload: Record<string, unknown>,
  secret: string,
  header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' },
): string {
  const enc = (o: Record<string, unknown>) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const data = `${enc(header)}.${enc(payload)}`;
  return `${data}.${createHmac('sha256', secret).update(data).digest('base64url')}`;
}

function withoutRequestFields(body: Record<string, unknown>) {
  const { requestId: _r, instance: _i, ...rest } = body;
  return rest;
}

async function passwordHashOf(userId: string): Promise<string> {
  const [row] = await t.db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, userId));
  return row!.passwordHash;
}

async function deactivate(admin: TestUser, userId: string) {
  const res = await t.app.inject({
    method: 'PATCH',
    url: `/api/v1/users/${userId}`,
    headers: admin.headers,
    payload: { active: false },
  });
  expect(res.statusCode).toBe(200);
}

describe('POST /auth/login', () => {
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
    expect(hash.length).toBeGreaterThan(20);
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

describe('login throttling', () => {
  const p = loginThrottlePolicy;

  it('locks an account after too many failures: even the right password then gets 429 with Retry-After', async () => {
    const user = await createSecretariat(t);
    for (let i = 1; i <= p.accountFailures; i++) {
      // Different addresses: only the account counter can be what locks.
      const res = await login(user.email, `wrong password number ${i}`);
      expect(res.statusCode, `failure ${i}`).toBe(401);
    }
    const locked = await login(user.email, user.password);
    expect(locked.statusCode).toBe(429);
    expect(locked.headers['content-type']).toContain('application/problem+json');
    expect(locked.json()).toMatchObject({ status: 429, code: 'rate_limited' });
    const retryAfter = Number(locked.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(p.lockSeconds);
    // The lock is the account's, whatever the case of the e-mail.
    expect((await login(user.email.toUpperCase(), user.password)).statusCode).toBe(429);
    // Other accounts are not affected.
    const other = await createSecretariat(t);
    expect((await login(other.email, other.password)).statusCode).toBe(200);
  });

  it('throttles an unknown e-mail just the same, so the lock tells nothing about which accounts exist', async () => {
    const email = `${unique('ghost-')}@example.org`;
    for (let i = 1; i <= p.accountFailures; i++) expect((await login(email, `guess ${i}`)).statusCode).toBe(401);
    expect((await login(email, 'guess again')).statusCode).toBe(429);
  });

  it('does not lock an account one failure short of the limit', async () => {
    const user = await createSecretariat(t);
    for (let i = 1; i < p.accountFailures; i++) expect((await login(user.email, `wrong ${i}`)).statusCode).toBe(401);
    expect((await login(user.email, user.password)).statusCode).toBe(200);
  });

  it('counts failures with any case of the e-mail against the same account', async () => {
    const user = await createSecretariat(t);
    for (let i = 1; i <= p.accountFailures; i++) {
      const email = i % 2 === 0 ? user.email.toUpperCase() : user.email;
      expect((await login(email, `wrong ${i}`)).statusCode).toBe(401);
    }
    expect((await login(user.email, user.password)).statusCode).toBe(429);
  });

  it('clears the account counter on a successful login', async () => {
    const user = await createSecretariat(t);
    for (let i = 1; i < p.accountFailures; i++) expect((await login(user.email, `wrong ${i}`)).statusCode).toBe(401);
    expect((await login(user.email, user.password)).statusCode).toBe(200);
    // Without the reset, the first of these would reach the limit and lock the account.
    for (let i = 1; i < p.accountFailures; i++)
      expect((await login(user.email, `wrong again ${i}`)).statusCode).toBe(401);
    expect((await login(user.email, user.password)).statusCode).toBe(200);
  });

  it('locks a client address that fails across many accounts, for every account, and only that address', async () => {
    const ip = freshIp();
    const user = await createSecretariat(t);
    for (let i = 1; i < p.addressFailures; i++) {
      const res = await login(`${unique('probe-')}@example.org`, 'some guessed password', ip);
      expect(res.statusCode, `failure ${i}`).toBe(401);
    }
    // One short of the limit: the address still works (and a success does not reset it).
    expect((await login(user.email, user.password, ip)).statusCode).toBe(200);
    expect((await login(`${unique('probe-')}@example.org`, 'some guessed password', ip)).statusCode).toBe(401);
    const locked = await login(user.email, user.password, ip);
    expect(locked.statusCode).toBe(429);
    expect(locked.json()).toMatchObject({ code: 'rate_limited' });
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(locked.headers['retry-after'])).toBeLessThanOrEqual(p.lockSeconds);
    // A forwarded-for header is not trusted (no proxy configured): it does not escape the lock.
    const spoofed = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: user.email, password: user.password },
      remoteAddress: ip,
      headers: { 'x-forwarded-for': freshIp() },
    });
    expect(spoofed.statusCode).toBe(429);
    // The account itself is not locked: from another address it signs in.
    expect((await login(user.email, user.password, freshIp())).statusCode).toBe(200);
  });
});

describe('POST /auth/refresh', () => {
  it('returns a new working pair, and the old refresh token then fails', async () => {
    const user = await createCityOfficial(t);
    const first = await signIn(user);
    const res = await refresh(first.refreshToken);
    expect(res.statusCode).toBe(200);
    const second = res.json<SessionBody>();
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.expiresIn).toBe(t.config.auth.accessTokenTtlSeconds);
    expect(second.user).toEqual(first.user);
    expect((await me(bearer(second.accessToken))).statusCode).toBe(200);

    const again = await refresh(first.refreshToken);
    expect(again.statusCode).toBe(401);
    expect(again.headers['content-type']).toContain('application/problem+json');
    expect(again.json().code).toBe('unauthenticated');
  });

  it('keeps rotating: each new token works once', async () => {
    const user = await createSecretariat(t);
    let token = (await signIn(user)).refreshToken;
    const seen = new Set([token]);
    for (let i = 0; i < 3; i++) {
      const res = await refresh(token);
      expect(res.statusCode).toBe(200);
      token = res.json<SessionBody>().refreshToken;
      expect(seen.has(token)).toBe(false);
      seen.add(token);
    }
  });

  it('revokes the whole family when a spent token is reused, and records it', async () => {
    const admin = await createSecretariat(t);
    const user = await createCityOfficial(t);
    const first = await signIn(user);
    const otherSession = await signIn(user);
    const second = (await refresh(first.refreshToken)).json<SessionBody>();
    const third = await refresh(second.refreshToken);
    expect(third.statusCode).toBe(200);
    const newest = third.json<SessionBody>().refreshToken;

    const replay = await refresh(first.refreshToken);
    expect(replay.statusCode).toBe(401);
    // The newest token of the family dies with it.
    expect((await refresh(newest)).statusCode).toBe(401);
    // Another login of the same user is another family and lives on.
    expect((await refresh(otherSession.refreshToken)).statusCode).toBe(200);

    const events = await auditActions(admin, user.id);
    const reused = events.filter((e) => e.action === 'auth.refresh_token_reused');
    expect(reused.length).toBeGreaterThanOrEqual(1);
    expect(reused[0]!.actor.id).toBe(user.id);
  });

  it('writes no reuse event for an ordinary rotation', async () => {
    const admin = await createSecretariat(t);
    const user = await createCityOfficial(t);
    const session = await signIn(user);
    expect((await refresh(session.refreshToken)).statusCode).toBe(200);
    const events = await auditActions(admin, user.id);
    expect(events.some((e) => e.action === 'auth.refresh_token_reused')).toBe(false);
  });

  it('refuses an expired refresh token with 401', async () => {
    const user = await createCityOfficial(t);
    const session = await signIn(user);
    await t.db
      .update(refreshTokens)
      .set({ expiresAt: new Date(Date.now() - 60_000) })
      .where(eq(refreshTokens.userId, user.id));
    const res = await refresh(session.refreshToken);
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('unauthenticated');
  });

  it('refuses the refresh token of an account that is no longer active, however it was deactivated', async () => {
    const user = await createCityOfficial(t);
    const session = await signIn(user);
    // Deactivated behind the API's back (a database fix, a script): the token row is still live.
    await t.db.update(users).set({ active: false }).where(eq(users.id, user.id));
    const res = await refresh(session.refreshToken);
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('unauthenticated');
  });

  it('refuses an unknown token with 401 and a malformed body with 400', async () => {
    const unknown = await refresh(`rt_${randomUUID()}`);
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json().code).toBe('unauthenticated');
    const user = await createSecretariat(t);
    const session = await signIn(user);
    // An access token is not a refresh token (it is too long for the schema, or unknown).
    expect([400, 401]).toContain((await refresh(session.accessToken)).statusCode);
    const bad = await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: {} });
    expect(bad.statusCode).toBe(400);
  });

  it('stores refresh tokens only as hashes', async () => {
    const user = await createCityOfficial(t);
    const first = await signIn(user);
    const second = (await refresh(first.refreshToken)).json<SessionBody>();
    const rows = await t.db.select().from(refreshTokens).where(eq(refreshTokens.userId, user.id));
    expect(rows.length).toBe(2);
    const stored = JSON.stringify(rows);
    for (const token of [first.refreshToken, second.refreshToken]) {
      expect(stored).not.toContain(token);
      // Nor the random part alone, should a prefix be stripped before storing.
      expect(stored).not.toContain(token.slice(token.indexOf('_') + 1));
    }
  });
});

describe('POST /auth/logout', () => {
  it('answers 204, after which that refresh token no longer refreshes', async () => {
    const user = await createCityOfficial(t);
    const session = await signIn(user);
    const other = await signIn(user);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { authorization: bearer(session.accessToken) },
      payload: { refreshToken: session.refreshToken },
    });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect((await refresh(session.refreshToken)).statusCode).toBe(401);
    // Only that session ends.
    expect((await refresh(other.refreshToken)).statusCode).toBe(200);
  });

  it('ends the whole session, including tokens rotated from the one presented', async () => {
    const user = await createCityOfficial(t);
    const first = await signIn(user);
    const rotated = (await refresh(first.refreshToken)).json<SessionBody>();
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { authorization: bearer(rotated.accessToken) },
      payload: { refreshToken: rotated.refreshToken },
    });
    expect(res.statusCode).toBe(204);
    expect((await refresh(rotated.refreshToken)).statusCode).toBe(401);
  });

  it('needs a bearer token: 401 without one, and the session survives', async () => {
    const user = await createCityOfficial(t);
    const session = await signIn(user);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      payload: { refreshToken: session.refreshToken },
    });
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().code).toBe('unauthenticated');
    expect((await refresh(session.refreshToken)).statusCode).toBe(200);
  });

  it("cannot end another user's session", async () => {
    const victim = await createCityOfficial(t);
    const intruder = await createCityOfficial(t);
    const session = await signIn(victim);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: intruder.headers,
      payload: { refreshToken: session.refreshToken },
    });
    expect(res.statusCode).toBe(204);
    expect((await refresh(session.refreshToken)).statusCode).toBe(200);
  });
});

describe('GET /me', () => {
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
    const claims = { sub: user.id, role: 'secretariat' };
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
      bearer(signJwt({ sub: randomUUID(), role: 'secretariat', iat: now, exp: now + 600 }, TEST_JWT_SECRET)),
      bearer(signJwt({ sub: 'not-a-uuid', role: 'secretariat', iat: now, exp: now + 600 }, TEST_JWT_SECRET)),
    ];
    for (const authorization of bad) {
      const res = await me(authorization);
      expect(res.statusCode, authorization).toBe(401);
      expect(res.json().code, authorization).toBe('unauthenticated');
    }
  });

  it('follows the row, not the token: a role given in a forged claim changes nothing', async () => {
    const official = await createCityOfficial(t);
    const now = Math.floor(Date.now() / 1000);
    const token = signJwt({ sub: official.id, role: 'secretariat', iat: now, exp: now + 600 }, TEST_JWT_SECRET);
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
