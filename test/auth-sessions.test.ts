import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { refreshTokens, users } from '../src/db/schema/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, TEST_JWT_SECRET, type TestApp } from './helpers/app.js';
import { authRequests, bearer, type SessionBody, signJwt } from './helpers/auth-api.js';
import { createCityOfficial, createSecretariat } from './helpers/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

const { refresh, me, signIn, auditActions } = authRequests(() => t);

describe('A session goes on by refreshing its token, each one used once (POST /auth/refresh)', () => {
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
    // One reuse: the newest token, refused afterwards, was already revoked with its family.
    expect(reused).toHaveLength(1);
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
    // The family the access tokens name (the factory gave the user a session of its own too).
    const familyId = t.app.jwt.decode<{ sid: string }>(first.accessToken)!.sid;
    const rows = await t.db.select().from(refreshTokens).where(eq(refreshTokens.familyId, familyId));
    expect(rows.map((r) => r.userId)).toEqual([user.id, user.id]);
    const stored = JSON.stringify(rows);
    for (const token of [first.refreshToken, second.refreshToken]) {
      expect(stored).not.toContain(token);
      // Nor the random part alone, should a prefix be stripped before storing.
      expect(stored).not.toContain(token.slice(token.indexOf('_') + 1));
    }
  });
});

describe('A user signs out, ending that session only (POST /auth/logout)', () => {
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

describe('An ended session ends its access tokens at once, not when they expire', () => {
  const logout = (session: SessionBody) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { authorization: bearer(session.accessToken) },
      payload: { refreshToken: session.refreshToken },
    });

  it('refuses the access tokens of a session signed out of, and keeps the other sessions', async () => {
    const user = await createCityOfficial(t);
    const session = await signIn(user);
    const rotated = (await refresh(session.refreshToken)).json<SessionBody>();
    const other = await signIn(user);
    expect((await me(bearer(rotated.accessToken))).statusCode).toBe(200);
    expect((await logout(rotated)).statusCode).toBe(204);
    for (const token of [session.accessToken, rotated.accessToken]) {
      const res = await me(bearer(token));
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('unauthenticated');
    }
    expect((await me(bearer(other.accessToken))).statusCode).toBe(200);
    expect((await me(user.headers.authorization)).statusCode).toBe(200);
  });

  it('refuses the access tokens of a family revoked for a reused refresh token, the thief’s and owner’s', async () => {
    const user = await createCityOfficial(t);
    const stolen = await signIn(user);
    const owners = (await refresh(stolen.refreshToken)).json<SessionBody>();
    expect((await me(bearer(owners.accessToken))).statusCode).toBe(200);
    // The thief replays the spent token: the family is revoked.
    expect((await refresh(stolen.refreshToken)).statusCode).toBe(401);
    for (const token of [stolen.accessToken, owners.accessToken]) {
      const res = await me(bearer(token));
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('unauthenticated');
    }
    expect((await me(user.headers.authorization)).statusCode).toBe(200);
  });

  it("refuses a token that names no session, an unknown one, or another user's", async () => {
    const user = await createSecretariat(t);
    const other = await createSecretariat(t);
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: user.id, role: 'secretariat', iat: now, exp: now + 600 };
    const sidOf = (token: string) => t.app.jwt.decode<{ sid: string }>(token)!.sid;
    expect((await me(bearer(signJwt({ ...claims, sid: sidOf(user.token) }, TEST_JWT_SECRET)))).statusCode).toBe(200);
    for (const sid of [undefined, randomUUID(), 'not-a-uuid', sidOf(other.token)]) {
      const res = await me(bearer(signJwt({ ...claims, sid }, TEST_JWT_SECRET)));
      expect(res.statusCode, String(sid)).toBe(401);
      expect(res.json().code).toBe('unauthenticated');
    }
  });
});
