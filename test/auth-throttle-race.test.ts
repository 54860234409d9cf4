import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginThrottlePolicy } from '../src/modules/auth/throttle.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createSecretariat, unique } from './helpers/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

const attempt = (email: string, password: string, ip: string) =>
  t.app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: ip, payload: { email, password } });

/** The statuses of parallel attempts: the rule is a ceiling, so only the bound is known. */
function expectAtMost(statuses: number[], allowed: number) {
  expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
  expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(allowed);
  expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(statuses.length - allowed);
}

describe('login throttling under parallel attempts', () => {
  it('lets one address try at most the allowed passwords on one account, however many arrive at once', async () => {
    const user = await createSecretariat(t);
    const attempts = await Promise.all(
      Array.from({ length: 30 }, (_, i) => attempt(user.email, `wrong-password-${i}`, '10.9.0.1')),
    );
    expectAtMost(
      attempts.map((r) => r.statusCode),
      loginThrottlePolicy.accountAtAddressFailures,
    );
  });

  it('lets one address try at most the allowed number of accounts, however many arrive at once', async () => {
    const attempts = await Promise.all(
      Array.from({ length: 40 }, () => attempt(`${unique('probe-')}@example.org`, 'a guessed password', '10.9.0.2')),
    );
    expectAtMost(
      attempts.map((r) => r.statusCode),
      loginThrottlePolicy.addressFailures,
    );
  });

  it('gives a successful sign-in its address attempt back', async () => {
    const user = await createSecretariat(t);
    for (let i = 0; i < loginThrottlePolicy.addressFailures + 3; i++) {
      const res = await attempt(user.email, user.password, '10.8.0.1');
      expect(res.statusCode, `attempt ${i + 1}`).toBe(200);
    }
  });
});
