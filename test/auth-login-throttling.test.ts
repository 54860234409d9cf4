import { loginThrottlePolicy } from '../src/modules/auth/throttle.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { authRequests, freshIp } from './helpers/auth-api.js';
import { createSecretariat, unique } from './helpers/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

const { login } = authRequests(() => t);

describe('Repeated failed sign-ins lock the account, or the address, for a while', () => {
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
    // The seconds left of the lock, read from the clock: up to its whole length.
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
    // The seconds left of the lock, read from the clock.
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
